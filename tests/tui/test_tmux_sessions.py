"""End to end: from the Devices screen of the real `nocdeck --lab` in tmux, `s` hands the
terminal to a recorded SSH session on r1; `show version` and `exit` are typed with
send-keys; nocdeck comes back and lists the new recording (capture-pane).
"""

from __future__ import annotations

import re
import time

from tests.tui.test_tmux_e2e import Tmux, pytestmark, tmux  # noqa: F401 (the fixture)


def test_ssh_from_devices_and_back_in_the_real_app(tmux: Tmux) -> None:  # noqa: F811
    tmux.wait_for("workflows ·")
    time.sleep(1.0)  # keys sent while the terminal is still being probed can be lost
    tmux.keys("F3")
    tmux.wait_for("Back up")
    tmux.wait_for("r1 ")
    time.sleep(0.5)
    tmux.keys("s")
    tmux.wait_for("r1>", timeout=30)  # the device's prompt: nocdeck handed the terminal over
    tmux.type("terminal length 0")
    tmux.keys("Enter")
    time.sleep(0.3)
    tmux.type("show version")
    tmux.keys("Enter")
    tmux.wait_for("uptime is", timeout=15)
    tmux.type("exit")
    tmux.keys("Enter")
    shown = tmux.wait_for("Sessions (s opens one):", timeout=30)
    shown = tmux.wait_for("exit 0", timeout=15)
    session_id = re.search(r"ss-\d{8}-\w+", shown)
    assert session_id, shown
    assert "Traceback" not in shown

    tmux.keys("F5")
    tmux.wait_for("recorded sessions", timeout=15)
    listed = tmux.wait_for(" yes ", timeout=15)
    rows = [line for line in listed.splitlines() if line.lstrip().startswith("r1 ")]
    assert len(rows) == 1 and " yes " in rows[0] and " 0 " in rows[0], listed
    assert session_id.group(0) in rows[0] or session_id.group(0) in listed
    tmux.keys("C-q")
