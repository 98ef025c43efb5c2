"""The list of credential names: what `credentials list` shows without any passphrase.

A keyring cannot be enumerated and the vault's secrets need the passphrase, so the
non-secret half of each credential (name, username, where its secrets live, which secrets
exist, whether SSH keys are tried) is kept in a small JSON file beside the vault, mode 0600.
It never holds a password or an enable secret. Knowing where a name lives also means a
missing name is reported at once, and a keys-only credential resolves with no unlock at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from nocdeck.errors import CredentialError

Backend = Literal["keyring", "vault"]
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
NAME_RULE = "lowercase letters, digits, '.', '_' and '-' (at most 64, starting alphanumeric)"
_LOCK_WAIT = 10.0


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise CredentialError(f"credential name {name!r} is not valid: use {NAME_RULE}")
    return name


@dataclass(frozen=True)
class CredentialEntry:
    """The non-secret facts about one stored credential."""

    name: str
    username: str
    backend: Backend
    location: str
    """The vault file, or the keyring backend's class, that holds the secrets."""
    has_password: bool
    has_enable: bool
    use_keys: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CredentialIndex:
    """A JSON file of `CredentialEntry`s, rewritten atomically under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(f".{path.name}.lock")

    def read(self) -> dict[str, CredentialEntry]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            rows = data["credentials"]
            return {name: CredentialEntry(name=name, **row) for name, row in rows.items()}
        except OSError as exc:
            raise CredentialError(f"credential index {self.path}: cannot read: {exc.strerror}"
                                  ) from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise CredentialError(
                f"credential index {self.path} is damaged; restore it from a backup or move "
                f"it aside and store the credentials again (nocdeck credentials set NAME)"
            ) from None

    def write(self, entries: dict[str, CredentialEntry]) -> None:
        rows = {}
        for name in sorted(entries):
            row = entries[name].as_dict()
            del row["name"]
            rows[name] = row
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": 1, "credentials": rows}, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            Path(temp).replace(self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the lock that serialises changes by several nocdeck processes (bounded wait)."""
        self.lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + _LOCK_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise CredentialError(
                            f"another nocdeck is changing the credentials (lock {self.lock_path}"
                            f" held for more than {_LOCK_WAIT:g} s); try again"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)
