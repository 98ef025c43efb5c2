"""Run the real `nocdeck` CLI the way a headless jump host would: no D-Bus, no TTY."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL, run

CANARY_PASSWORD = "canary-Pw-7f3a9c21"
CANARY_ENABLE = "canary-En-51be08d4"
PASSPHRASE = "jump host vault passphrase 42"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    elapsed: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def headless_env(tmp: Path, *, passphrase: str | None = PASSPHRASE,
                 keyring_backend: str | None = None) -> dict[str, str]:
    """Environment of a jump host session: no desktop, no D-Bus; vault under `tmp`."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY",
                        "PYTHON_KEYRING_BACKEND"}}
    env["NOCDECK_VAULT_PATH"] = str(tmp / "secrets" / "vault.cfg")
    if passphrase is not None:
        passphrase_file = tmp / "vault-passphrase"
        passphrase_file.write_text(passphrase + "\n")
        passphrase_file.chmod(0o600)
        env["NOCDECK_VAULT_PASSPHRASE_FILE"] = str(passphrase_file)
    if keyring_backend is not None:
        env["PYTHON_KEYRING_BACKEND"] = keyring_backend
    return env


def nocdeck(args: list[str], env: dict[str, str], *, stdin_text: str | None = None,
            timeout: float = 60) -> Outcome:
    """`nocdeck --log-level DEBUG …` with stdin from /dev/null (or a pipe): never a TTY."""
    started = time.monotonic()
    result = run([sys.executable, "-m", "nocdeck", "--log-level", "DEBUG", *args], env=env,
                 stdin=DEVNULL if stdin_text is None else None,
                 input=stdin_text, capture_output=True, text=True, timeout=timeout)
    return Outcome(result.returncode, result.stdout, result.stderr,
                   time.monotonic() - started)


def assert_no_secret(outcome: Outcome, *secrets: str) -> None:
    for secret in (CANARY_PASSWORD, CANARY_ENABLE, PASSPHRASE, *secrets):
        assert secret not in outcome.output, f"secret leaked in output:\n{outcome.output}"


def assert_one_clear_error(outcome: Outcome, *fragments: str) -> None:
    """Exit 2, an `error:` line that says what and where, and no traceback."""
    assert outcome.code == 2, outcome.output
    assert "Traceback" not in outcome.output, outcome.output
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, outcome.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
