"""The vault's crypto: keyrings.cryptfile's CryptFileKeyring bound to one file, which never
prompts and writes atomically (see nocdeck.credentials.vault, which imports this only when a
vault is opened)."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

from keyrings.cryptfile.cryptfile import CryptFileKeyring
from keyrings.cryptfile.escape import escape as escape_for_ini

from nocdeck.credentials.vault import VaultLocked, locked_message, write_atomically


class VaultKeyring(CryptFileKeyring):  # type: ignore[misc]
    """CryptFileKeyring bound to one file, which never prompts and writes atomically."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.file_path = str(path)

    def _get_new_password(self) -> str:
        raise VaultLocked(locked_message(Path(self.file_path)))

    def _unlock(self) -> None:
        if self._keyring_key is None:
            raise VaultLocked(locked_message(Path(self.file_path)))
        super()._unlock()

    def _ensure_file_path(self) -> None:
        path = Path(self.file_path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

    def _read_config(self) -> configparser.RawConfigParser:
        config = configparser.RawConfigParser()
        if Path(self.file_path).exists():
            config.read(self.file_path, encoding="utf-8")
        return config

    def _write_config_value(self, service: str, key: str, value: str) -> None:
        self._ensure_file_path()
        config = self._read_config()
        section = escape_for_ini(service)
        if not config.has_section(section):
            config.add_section(section)
        config.set(section, escape_for_ini(key), value)
        write_atomically(Path(self.file_path), config)

    def delete_password(self, service: str, username: str) -> None:
        config = self._read_config()
        section, option = escape_for_ini(service), escape_for_ini(username)
        if config.has_section(section) and config.remove_option(section, option):
            write_atomically(Path(self.file_path), config)
