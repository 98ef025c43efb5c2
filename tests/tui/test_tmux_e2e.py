"""End to end: the real `nocdeck --lab` in tmux, driven with send-keys, read with capture-pane.

One workflow, as a user types it: describe an interface on r1, preview, push, see
`completed`. The app runs in its own tmux server (a private socket) with the test's
isolated XDG dirs, so the user's config, data and tmux sessions are never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.timeout(90),
              pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]

NOCDECK = Path(sys.executable).with_name("nocdeck")


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, text=True,
                              capture_output=True, timeout=10).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "nocdeck", key)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "nocdeck", "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "nocdeck")

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")


@pytest.fixture
def tmux(isolated_home: Path) -> Iterator[Tmux]:
    # One tmux server per test: the previous test's server may still be going away.
    session = Tmux(f"nocdeck-test-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    env = {k: v for k, v in os.environ.items() if k.startswith(("XDG_", "NOCDECK_"))}
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = f"env TERM=xterm-256color {exports} {NOCDECK} --lab; sleep 30"
    session.run("new-session", "-d", "-s", "nocdeck", "-x", "100", "-y", "30", command)
    try:
        yield session
    finally:
        subprocess.run(["tmux", "-L", session.socket, "kill-server"], timeout=10,
                       capture_output=True)


def test_describe_an_interface_in_the_real_app(tmux: Tmux) -> None:
    tmux.wait_for("workflows ·")
    time.sleep(1.0)  # keys sent while the terminal is still being probed can be lost
    tmux.keys("/")
    time.sleep(0.3)
    tmux.type("descr")
    tmux.wait_for("▊  descr ")
    tmux.keys("Enter")
    tmux.wait_for("Set interface description")
    tmux.keys("Enter")
    tmux.wait_for("Description")
    tmux.type("r1")
    tmux.keys("Tab")
    tmux.wait_for("pick one of r1's")
    tmux.keys("Enter", "Down", "Down", "Enter", "Tab")
    time.sleep(0.3)
    tmux.type("tmux e2e probe")
    tmux.keys("C-s")
    tmux.wait_for("Lines to push to r1", timeout=30)
    tmux.wait_for("tmux e2e probe", timeout=10)
    tmux.keys("C-s")
    shown = tmux.wait_for("completed ·", timeout=40)
    assert "Traceback" not in shown
    tmux.keys("C-q")
