"""Credential storage: the index of names, the OS keyring where real, otherwise the vault.

One `CredentialStore` per process (see `configure_session`) unlocks the vault once and keeps
the secrets it has read, so a run over hundreds of devices asks for the passphrase once and
pays the Argon2 cost once per credential name. It is safe to call from many threads.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from nocdeck.config import Settings, load_settings, user_data_dir
from nocdeck.credentials import ResolvedCredentials
from nocdeck.credentials.index import CredentialEntry, CredentialIndex, check_name
from nocdeck.credentials.oskeyring import (
    KEYRING_TIMEOUT,
    KeyringChoice,
    KeyringTimeout,
    OsKeyring,
    choose_keyring,
)
from nocdeck.credentials.passphrase import (
    PassphraseRequest,
    PassphraseSource,
    obtain_passphrase,
)
from nocdeck.credentials.vault import Vault
from nocdeck.errors import CredentialError
from nocdeck.redaction import GLOBAL_REDACTOR

log = logging.getLogger(__name__)

BackendChoice = Literal["auto", "keyring", "vault"]


@dataclass(frozen=True)
class Secrets:
    password: str | None
    enable_secret: str | None


def naming(name: str, exc: CredentialError) -> CredentialError:
    """The same error, saying which credential it is about (once)."""
    if str(exc).startswith(f"credential {name!r}"):
        return exc
    return type(exc)(f"credential {name!r}: {exc}")


def not_stored_message(name: str) -> str:
    return (f"credential {name!r} is not stored; add it with: nocdeck credentials set {name} "
            f"(see: nocdeck credentials list)")


class CredentialStore:
    """Set, list, delete and read credentials; every secret read is registered for masking."""

    def __init__(
        self,
        *,
        vault_path: Path,
        passphrase_file: Path | None = None,
        passphrase_source: PassphraseSource | None = None,
        interactive: bool | None = None,
        keyring_timeout: float = KEYRING_TIMEOUT,
    ) -> None:
        vault_path = vault_path.expanduser().absolute()
        self.vault = Vault(vault_path)
        self.index = CredentialIndex(vault_path.with_name(f"{vault_path.stem}.index.json"))
        self.passphrase_file = passphrase_file
        self.passphrase_source = passphrase_source
        """The TUI's dialog hook; None means a terminal prompt when stdin is a TTY."""
        self.interactive = interactive
        self.keyring_timeout = keyring_timeout
        self._keyring_choice: KeyringChoice | None = None
        self._secrets: dict[str, Secrets] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Settings, *,
                      passphrase_source: PassphraseSource | None = None,
                      interactive: bool | None = None) -> CredentialStore:
        vault = Path(settings.vault_path).expanduser() if settings.vault_path else (
            user_data_dir() / "vault.cfg")
        passphrase_file = (Path(settings.vault_passphrase_file).expanduser()
                           if settings.vault_passphrase_file else None)
        return cls(vault_path=vault, passphrase_file=passphrase_file,
                   passphrase_source=passphrase_source, interactive=interactive)

    # -- where secrets go ------------------------------------------------------------------

    def keyring_choice(self) -> KeyringChoice:
        """The real keyring backend, detected once per process (bounded by the timeout)."""
        with self._lock:
            if self._keyring_choice is None:
                self._keyring_choice = choose_keyring(self.keyring_timeout)
                log.debug("credential backend: %s", self._keyring_choice.describe())
            return self._keyring_choice

    def default_backend(self) -> str:
        choice = self.keyring_choice()
        return choice.describe() if choice.usable else (
            f"vault {self.vault.path}; {choice.describe()}")

    def _keyring(self) -> OsKeyring:
        return OsKeyring(self.keyring_choice(), self.keyring_timeout)

    def _unlock_vault(self) -> None:
        with self._lock:
            if self.vault.unlocked:
                return
            request = PassphraseRequest(vault=self.vault.path, creating=not self.vault.exists)
            passphrase = obtain_passphrase(request, passphrase_file=self.passphrase_file,
                                           hook=self.passphrase_source,
                                           interactive=self.interactive)
            self.vault.unlock(passphrase.value, origin=passphrase.origin)

    # -- the user's operations -------------------------------------------------------------

    def entries(self) -> list[CredentialEntry]:
        return [self.index.read()[name] for name in sorted(self.index.read())]

    def entry(self, name: str) -> CredentialEntry | None:
        return self.index.read().get(check_name(name))

    def set(
        self,
        name: str,
        *,
        username: str,
        password: str | None,
        enable_secret: str | None = None,
        use_keys: bool = True,
        backend: BackendChoice = "auto",
    ) -> CredentialEntry:
        """Store (or replace) a credential in the keyring where real, else in the vault."""
        check_name(name)
        if not username.strip():
            raise CredentialError(f"credential {name!r}: the username is empty")
        GLOBAL_REDACTOR.add_secrets([password, enable_secret])
        has_secrets = bool(password or enable_secret)
        try:
            chosen = self._choose_backend(backend)
            if chosen == "vault" and has_secrets:
                self._unlock_vault()
            return self._store(name, username=username, password=password,
                               enable_secret=enable_secret, use_keys=use_keys, chosen=chosen)
        except KeyringTimeout as exc:
            raise CredentialError(f"credential {name!r}: {exc}; unlock the keyring, or store "
                                  f"it in the vault: nocdeck credentials set {name} "
                                  f"--backend vault") from None
        except CredentialError as exc:
            raise naming(name, exc) from None

    def _store(self, name: str, *, username: str, password: str | None,
               enable_secret: str | None, use_keys: bool, chosen: Literal["keyring", "vault"]
               ) -> CredentialEntry:
        has_secrets = bool(password or enable_secret)
        payload = json.dumps({"password": password, "enable_secret": enable_secret})
        with self.index.locked():
            entries = self.index.read()
            previous = entries.get(name)
            if chosen == "keyring":
                keyring = self._keyring()
                if has_secrets:
                    keyring.put(name, payload)
                location = keyring.choice.name
            else:
                if has_secrets:
                    self.vault.put(name, {"password": password, "enable_secret": enable_secret})
                location = str(self.vault.path)
            if previous is not None and not has_secrets:
                self._remove_secrets(previous)
            entry = CredentialEntry(
                name=name, username=username, backend=chosen, location=location,
                has_password=bool(password), has_enable=bool(enable_secret), use_keys=use_keys,
            )
            entries[name] = entry
            self.index.write(entries)
            if previous is not None and has_secrets and previous.backend != chosen:
                self._remove_secrets(previous)
        with self._lock:
            self._secrets[name] = Secrets(password, enable_secret)
        log.info("stored credential %r (username %s) in %s", name, username, location)
        return entry

    def _choose_backend(self, backend: BackendChoice) -> Literal["keyring", "vault"]:
        if backend == "vault":
            return "vault"
        choice = self.keyring_choice()
        if choice.usable:
            return "keyring"
        if backend == "keyring":
            raise CredentialError(f"cannot store in the keyring: {choice.describe()}; "
                                  f"use --backend vault")
        return "vault"

    def delete(self, name: str) -> CredentialEntry:
        """Remove a credential everywhere it is stored; a missing name is a clear error."""
        with self.index.locked():
            entries = self.index.read()
            entry = entries.get(check_name(name))
            if entry is None:
                raise CredentialError(f"{not_stored_message(name)}; nothing was deleted")
            try:
                self._remove_secrets(entry)
            except CredentialError as exc:
                raise naming(name, exc) from None
            del entries[name]
            self.index.write(entries)
        with self._lock:
            self._secrets.pop(name, None)
        log.info("deleted credential %r from %s", name, entry.location)
        return entry

    def _remove_secrets(self, entry: CredentialEntry) -> None:
        if entry.backend == "vault":
            self.vault.delete(entry.name)
        else:
            self._keyring().delete(entry.name)

    def secrets(self, entry: CredentialEntry) -> Secrets:
        """The entry's password and enable secret, read once per process and masked at once."""
        with self._lock:
            cached = self._secrets.get(entry.name)
            if cached is not None:
                return cached
            if not (entry.has_password or entry.has_enable):
                found = Secrets(None, None)
            elif entry.backend == "vault":
                found = self._read_vault(entry)
            else:
                found = self._read_keyring(entry)
            GLOBAL_REDACTOR.add_secrets([found.password, found.enable_secret])
            self._secrets[entry.name] = found
            return found

    def _read_vault(self, entry: CredentialEntry) -> Secrets:
        if not self.vault.has(entry.name):
            raise CredentialError(f"credential {entry.name!r}: its secrets are missing from "
                                  f"vault {self.vault.path}; store them again with: "
                                  f"nocdeck credentials set {entry.name}")
        self._unlock_vault()
        return _secrets_from(self.vault.get(entry.name), entry, f"vault {self.vault.path}")

    def _read_keyring(self, entry: CredentialEntry) -> Secrets:
        choice = self.keyring_choice()
        if not choice.usable:
            raise CredentialError(
                f"credential {entry.name!r} is stored in keyring {entry.location}, which is "
                f"not usable here ({choice.describe()}); store it again with: "
                f"nocdeck credentials set {entry.name} --backend vault")
        try:
            text = self._keyring().get(entry.name)
        except KeyringTimeout as exc:
            raise CredentialError(f"credential {entry.name!r}: {exc}; unlock the keyring, or "
                                  f"move it to the vault with: nocdeck credentials set "
                                  f"{entry.name} --backend vault") from None
        if text is None:
            return _secrets_from(None, entry, f"keyring {choice.name}")
        try:
            data = json.loads(text)
        except ValueError:
            data = "damaged"
        return _secrets_from(data if isinstance(data, dict) else None, entry,
                             f"keyring {choice.name}", damaged=not isinstance(data, dict))

    def resolve(self, name: str, *, fallback_username: str | None = None) -> ResolvedCredentials:
        """What a provider logs in with for `cred:NAME`."""
        entry = self.entry(name)
        if entry is None:
            raise CredentialError(not_stored_message(name))
        try:
            found = self.secrets(entry)
        except CredentialError as exc:
            raise naming(name, exc) from None
        return ResolvedCredentials(
            username=entry.username or fallback_username or "",
            password=found.password, enable_secret=found.enable_secret,
            use_keys=entry.use_keys, reference=f"cred:{name}",
        )


def _secrets_from(data: dict[str, Any] | None, entry: CredentialEntry, where: str,
                  *, damaged: bool = False) -> Secrets:
    if damaged:
        raise CredentialError(f"credential {entry.name!r}: the entry in {where} is damaged; "
                              f"store it again with: nocdeck credentials set {entry.name}")
    if data is None:
        raise CredentialError(f"credential {entry.name!r}: its secrets are missing from "
                              f"{where}; store them again with: nocdeck credentials set "
                              f"{entry.name}")
    password, enable = data.get("password"), data.get("enable_secret")
    if not all(v is None or isinstance(v, str) for v in (password, enable)):
        raise CredentialError(f"credential {entry.name!r}: the entry in {where} is damaged")
    return Secrets(password, enable)


_session: CredentialStore | None = None
_session_lock = threading.Lock()


def configure_session(settings: Settings, *,
                      passphrase_source: PassphraseSource | None = None,
                      interactive: bool | None = None) -> CredentialStore:
    """Set the process's credential store from settings (the CLI and the TUI call this once).

    The TUI passes its dialog as `passphrase_source` (or `interactive=False`), so that no
    getpass prompt ever writes over its screen.
    """
    global _session
    with _session_lock:
        _session = CredentialStore.from_settings(settings, passphrase_source=passphrase_source,
                                                 interactive=interactive)
        return _session


def session_store(settings: Settings | None = None) -> CredentialStore:
    """The process's credential store; built from `settings` (or those in effect) if unset."""
    global _session
    with _session_lock:
        if _session is None:
            _session = CredentialStore.from_settings(settings or load_settings())
        return _session
