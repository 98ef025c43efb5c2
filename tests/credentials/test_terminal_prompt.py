"""In a real terminal (a pty that is the controlling TTY), nocdeck asks with getpass, once.

The secrets typed at the prompts are never echoed back nor printed.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.credentials.headless import CANARY_PASSWORD, PASSPHRASE, headless_env


class Terminal:
    """A child process on a pty that is its controlling terminal, driven by expect/send."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nocdeck", "--log-level", "DEBUG", *args], env=env,
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.transcript = ""
        self.everything = ""
        """All the terminal showed, to search for echoed secrets."""

    def _read(self, deadline: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:
            return False
        self.transcript += chunk.decode(errors="replace")
        self.everything += chunk.decode(errors="replace")
        return bool(chunk)

    def expect(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.transcript:
            if not self._read(deadline):
                raise AssertionError(f"never saw {text!r}; got:\n{self.transcript}")
        self.transcript = self.transcript.split(text, 1)[1]

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def finish(self, timeout: float = 20) -> tuple[int, str]:
        deadline = time.monotonic() + timeout
        while self._read(deadline):
            pass
        code = self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self.master)
        return code, self.transcript


def test_terminal_prompts_for_secrets_and_a_new_vault_passphrase(tmp_path: Path) -> None:
    env = headless_env(tmp_path, passphrase=None)
    seen = []
    term = Terminal(["credentials", "set", "core-ro", "--username", "noc"], env)
    term.expect("Password for core-ro: ")
    term.send(CANARY_PASSWORD)
    term.expect("Repeat the password: ")
    term.send(CANARY_PASSWORD)
    term.expect("New passphrase for vault ")
    term.send(PASSPHRASE)
    term.expect("Repeat the passphrase: ")
    term.send(PASSPHRASE)
    code, rest = term.finish()
    assert code == 0, rest
    assert "stored credential 'core-ro'" in rest
    seen.append(term.everything)

    term = Terminal(["credentials", "check", "core-ro"], env)
    term.expect("Passphrase for vault ")
    term.send(PASSPHRASE)
    code, rest = term.finish()
    assert code == 0, rest
    assert "ok, username noc, password" in rest
    seen.append(term.everything)

    term = Terminal(["credentials", "check", "core-ro"], env)
    term.expect("Passphrase for vault ")
    term.send("a wrong guess")
    code, rest = term.finish()
    assert code == 2, rest
    assert "the passphrase from the terminal prompt does not open it" in rest
    seen.append(term.everything)
    for secret in (CANARY_PASSWORD, PASSPHRASE, "a wrong guess"):
        assert not any(secret in screen for screen in seen), seen
