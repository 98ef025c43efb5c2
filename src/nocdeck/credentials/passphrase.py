"""Where the vault passphrase comes from: a file, the TUI's dialog, or a terminal prompt.

The order is chosen for jump hosts: an unattended run reads a file and never waits; the TUI
asks in its own dialog (it must not lose the screen to a prompt); a plain terminal gets a
getpass prompt; with none of these the vault is locked at once, never a hang.
"""

from __future__ import annotations

import getpass
import logging
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nocdeck.credentials.vault import VaultLocked, locked_message
from nocdeck.errors import CredentialError
from nocdeck.redaction import GLOBAL_REDACTOR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassphraseRequest:
    """What a passphrase source is asked for."""

    vault: Path
    creating: bool
    """True when the vault does not exist yet (a dialog should ask twice to confirm)."""


PassphraseSource = Callable[[PassphraseRequest], "str | None"]
"""A hook that returns the passphrase, or None when the user cancels or cannot answer.

The TUI supplies one; it is called from whichever thread resolves a credential (a provider's
worker thread), so a Textual app should show its dialog with `call_from_thread` and wait.
"""


@dataclass(frozen=True)
class Passphrase:
    value: str
    origin: str
    """Where it came from, for messages: never the passphrase itself."""


def read_passphrase_file(path: Path, *, setting: str = "vault_passphrase_file") -> Passphrase:
    """The first line of `path`; a missing, unreadable or empty file is a clear error."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        raise CredentialError(f"{setting} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not a text file"
        raise CredentialError(f"{setting} {path}: cannot read: {reason}") from None
    value = text.splitlines()[0] if text else ""
    if not value.strip():
        raise CredentialError(f"{setting} {path} is empty: put the vault passphrase on its "
                              f"first line")
    if mode & 0o077:
        log.warning("%s %s is readable by others (mode %o); run: chmod 600 %s",
                    setting, path, mode, path)
    GLOBAL_REDACTOR.add_secret(value)
    return Passphrase(value, f"{setting} {path}")


def terminal_prompt(request: PassphraseRequest) -> str | None:
    """Ask on the terminal, twice for a new vault; only called when stdin is a TTY."""
    if not request.creating:
        return getpass.getpass(f"Passphrase for vault {request.vault}: ")
    first = getpass.getpass(f"New passphrase for vault {request.vault}: ")
    if not first.strip():
        raise CredentialError(f"vault {request.vault}: an empty passphrase is not allowed")
    if getpass.getpass("Repeat the passphrase: ") != first:
        raise CredentialError(f"vault {request.vault}: the two passphrases differ; "
                              f"nothing was stored")
    return first


def obtain_passphrase(
    request: PassphraseRequest,
    *,
    passphrase_file: Path | None,
    hook: PassphraseSource | None,
    interactive: bool | None = None,
) -> Passphrase:
    """Try the file, then the hook, then a terminal prompt; raise VaultLocked if none."""
    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file)
    if hook is not None:
        value = hook(request)
        if value:
            GLOBAL_REDACTOR.add_secret(value)
            return Passphrase(value, "the passphrase dialog")
        raise VaultLocked(f"vault {request.vault} is locked: no passphrase was given")
    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    if interactive:
        value = terminal_prompt(request)
        if value:
            GLOBAL_REDACTOR.add_secret(value)
            return Passphrase(value, "the terminal prompt")
    raise VaultLocked(locked_message(request.vault))
