"""nocdeck's own encrypted vault file, for hosts with no real keyring (headless jump hosts).

The crypto is keyrings.cryptfile's `CryptFileKeyring`, used programmatically: each entry is
AES-128-GCM with a key derived by Argon2id (t=15, m=64 MiB, p=2) from the passphrase and a
fresh 16-byte salt, with the service and entry name as associated data. nocdeck only adds
what a jump host needs: it never lets the library prompt on the terminal, the file is created
0600 in a 0700 directory and rewritten atomically (a crash never leaves half a vault), and a
damaged file is a clear error instead of being silently re-initialised.
"""

from __future__ import annotations

import base64
import binascii
import configparser
import json
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keyrings.cryptfile.escape import escape as escape_for_ini

from nocdeck.errors import CredentialError

if TYPE_CHECKING:  # imported when a vault is opened: a run on lab or key credentials never
    from nocdeck.credentials.vault_keyring import VaultKeyring  # loads keyring (50 ms)

log = logging.getLogger(__name__)

VAULT_SERVICE = "nocdeck"
"""The section of the vault file that holds one entry per credential name."""
_SETTING_SECTION = escape_for_ini("keyring-setting")
_REFERENCE_OPTION = escape_for_ini("password reference")
_ENTRY_FIELDS = {"salt", "data", "mac", "nonce"}


class VaultLocked(CredentialError):
    """The vault needs a passphrase and none is available."""


class WrongPassphrase(CredentialError):
    """The passphrase given does not open the vault."""


class VaultDamaged(CredentialError):
    """The vault file cannot be parsed or an entry cannot be decrypted with a good key."""


def locked_message(path: Path) -> str:
    return (f"vault {path} is locked: no passphrase available "
            f"(set vault_passphrase_file or run in a terminal)")


def _damaged(path: Path, detail: str) -> VaultDamaged:
    return VaultDamaged(
        f"vault {path} is damaged ({detail}); restore it from a backup, or move it aside "
        f"and store the credentials again with: nocdeck credentials set NAME"
    )


def write_atomically(path: Path, config: configparser.RawConfigParser) -> None:
    """Write to a 0600 temporary file beside `path`, fsync it, then rename it over `path`."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            config.write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _check_entry_shape(path: Path, what: str, value: str) -> None:
    try:
        payload = json.loads(base64.decodebytes(value.strip().encode("ascii")).decode())
    except (ValueError, binascii.Error, UnicodeError):
        raise _damaged(path, f"{what} is not a valid encrypted entry") from None
    if not isinstance(payload, dict) or set(payload) != _ENTRY_FIELDS:
        raise _damaged(path, f"{what} is not a valid encrypted entry")


def _keyring_for(path: Path) -> VaultKeyring:
    from nocdeck.credentials.vault_keyring import VaultKeyring

    return VaultKeyring(path)


class Vault:
    """One vault file: names are readable without the passphrase, secrets are not."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keyring: VaultKeyring | None = None

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def unlocked(self) -> bool:
        return self._keyring is not None

    def _parse(self) -> configparser.RawConfigParser:
        """Read and check the file's structure, so damage is named before any decryption."""
        config = configparser.RawConfigParser()
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise _damaged(self.path, "not a text file") from None
        except OSError as exc:
            raise CredentialError(f"vault {self.path}: cannot read: {exc.strerror}") from None
        try:
            config.read_string(text, source=str(self.path))
        except configparser.Error as exc:
            first_line = str(exc).splitlines()[0]
            raise _damaged(self.path, first_line) from None
        if not config.has_option(_SETTING_SECTION, _REFERENCE_OPTION):
            raise _damaged(self.path, "no passphrase check entry")
        try:
            _keyring_for(self.path)._check_scheme(config)
        except (AttributeError, ValueError) as exc:
            raise _damaged(self.path, f"unsupported encryption scheme: {exc}") from None
        _check_entry_shape(self.path, "the passphrase check entry",
                           config.get(_SETTING_SECTION, _REFERENCE_OPTION))
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            log.warning("vault %s is readable by others (mode %o); run: chmod 600 %s",
                        self.path, mode, self.path)
        return config

    def names(self) -> set[str]:
        """Credential names held in the vault (escaped names are stored in clear)."""
        if not self.exists:
            return set()
        config = self._parse()
        if not config.has_section(VAULT_SERVICE):
            return set()
        return set(config.options(VAULT_SERVICE))

    def has(self, name: str) -> bool:
        return escape_for_ini(name).lower() in self.names()

    def unlock(self, passphrase: str, *, origin: str) -> None:
        """Open the vault with `passphrase`, creating it when it does not exist yet."""
        if self._keyring is not None:
            return
        if self.exists:
            self._parse()
        keyring = _keyring_for(self.path)
        try:
            keyring.keyring_key = passphrase
        except (ValueError, KeyError):
            raise WrongPassphrase(
                f"vault {self.path}: the passphrase from {origin} does not open it "
                f"(wrong passphrase)"
            ) from None
        except configparser.Error as exc:
            raise _damaged(self.path, str(exc).splitlines()[0]) from None
        self._keyring = keyring
        log.debug("vault %s unlocked (passphrase from %s)", self.path, origin)

    def _unlocked(self) -> VaultKeyring:
        if self._keyring is None:
            raise VaultLocked(locked_message(self.path))
        return self._keyring

    def get(self, name: str) -> dict[str, Any] | None:
        """The decrypted entry for `name`, or None when the vault does not hold it."""
        keyring = self._unlocked()
        if not self.has(name):
            return None
        try:
            text = keyring.get_password(VAULT_SERVICE, name)
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise _damaged(self.path, f"the entry for credential {name!r} cannot be decrypted"
                           ) from None
        if text is None:
            return None
        try:
            entry = json.loads(text)
        except ValueError:
            raise _damaged(self.path, f"the entry for credential {name!r} is not JSON") from None
        if not isinstance(entry, dict):
            raise _damaged(self.path, f"the entry for credential {name!r} is not an object")
        return entry

    def put(self, name: str, entry: dict[str, Any]) -> None:
        self._unlocked().set_password(VAULT_SERVICE, name, json.dumps(entry))

    def delete(self, name: str) -> bool:
        """Remove `name`; needs no passphrase (anyone who can write the file could anyway)."""
        if not self.has(name):
            return False
        _keyring_for(self.path).delete_password(VAULT_SERVICE, name)
        return True
