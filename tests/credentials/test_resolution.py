"""Given an inventory device with `cred:NAME`, resolution yields what its provider logs in with.

These run in-process against real keyring backend classes written here (a dict-backed one, a
stuck one) and a real vault file; nothing of nocdeck is mocked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from nocdeck.credentials import LAB_PASSWORD
from nocdeck.credentials.oskeyring import choose_keyring
from nocdeck.credentials.passphrase import PassphraseRequest
from nocdeck.credentials.resolver import resolve_all, resolve_credentials
from nocdeck.credentials.store import CredentialStore
from nocdeck.errors import CredentialError
from nocdeck.inventory.models import Device
from nocdeck.redaction import GLOBAL_REDACTOR
from tests.credentials.headless import CANARY_ENABLE, CANARY_PASSWORD, PASSPHRASE


class DictKeyring(KeyringBackend):
    """A real (in-memory) keyring backend, standing in for Secret Service or macOS."""

    priority = 0.1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class StuckKeyring(DictKeyring):
    """Answers nothing, like a Secret Service waiting on an unlock dialog nobody sees."""

    release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(600)
        return None


@pytest.fixture
def keyring_backend() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def device(name: str, ref: str, platform: str = "cisco_ios") -> Device:
    return Device(name=name, platform=platform, host="127.0.0.1", credentials=ref)


def vault_store(tmp_path: Path, **kwargs: Any) -> CredentialStore:
    return CredentialStore(vault_path=tmp_path / "vault.cfg", interactive=False, **kwargs)


def chainer_of(*backends: KeyringBackend) -> ChainerBackend:
    chained = type("Chained", (ChainerBackend,), {"backends": list(backends)})
    return chained()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (fail.Keyring(), "refuses to store anything"),
        (null.Keyring(), "stores nothing"),
        (CryptFileKeyring(), "prompts on the terminal"),
        (chainer_of(), "chains no real backend (only: nothing)"),
        (chainer_of(CryptFileKeyring(), fail.Keyring()), "only: CryptFileKeyring, Keyring"),
    ],
)
def test_headless_fallbacks_are_refused(keyring_backend: None, backend: KeyringBackend,
                                        reason: str) -> None:
    keyring.set_keyring(backend)
    choice = choose_keyring()
    assert not choice.usable
    assert reason in choice.reason


def test_secret_service_without_dbus_is_refused(keyring_backend: None) -> None:
    from keyring.backends import SecretService

    keyring.set_keyring(SecretService.Keyring())
    choice = choose_keyring()
    assert not choice.usable
    assert "needs a D-Bus session" in choice.reason


def test_a_real_backend_inside_a_chainer_is_used_alone(keyring_backend: None) -> None:
    real = DictKeyring()
    keyring.set_keyring(chainer_of(real, CryptFileKeyring()))
    choice = choose_keyring()
    assert choice.backend is real


def test_keyring_credential_resolves_and_is_masked(keyring_backend: None,
                                                   tmp_path: Path) -> None:
    real = DictKeyring()
    keyring.set_keyring(real)
    store = vault_store(tmp_path)
    entry = store.set("core-rw", username="netops", password=CANARY_PASSWORD,
                      enable_secret=CANARY_ENABLE)
    assert entry.backend == "keyring"
    assert not (tmp_path / "vault.cfg").exists()

    fresh = vault_store(tmp_path)
    resolved = resolve_credentials(device("sw1", "cred:core-rw"), store=fresh)
    assert (resolved.username, resolved.password, resolved.enable_secret) == (
        "netops", CANARY_PASSWORD, CANARY_ENABLE)
    assert CANARY_PASSWORD not in repr(resolved)
    masked = GLOBAL_REDACTOR.mask(f"login netops {CANARY_PASSWORD}\nenable {CANARY_ENABLE}")
    assert CANARY_PASSWORD not in masked
    assert CANARY_ENABLE not in masked

    fresh.delete("core-rw")
    assert real.entries == {}


def test_stuck_keyring_read_times_out_naming_device_and_credential(
        keyring_backend: None, tmp_path: Path) -> None:
    keyring.set_keyring(DictKeyring())
    vault_store(tmp_path).set("core-rw", username="netops", password=CANARY_PASSWORD)
    keyring.set_keyring(StuckKeyring())
    store = vault_store(tmp_path, keyring_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(CredentialError) as excinfo:
        resolve_credentials(device("sw1", "cred:core-rw"), store=store)
    StuckKeyring.release.set()
    assert time.monotonic() - started < 3
    message = str(excinfo.value)
    assert message.startswith("device sw1: credential 'core-rw': keyring ")
    assert "did not answer within 0.5 s" in message
    assert "--backend vault" in message


def test_vault_unlocks_once_for_many_devices(tmp_path: Path) -> None:
    asked: list[PassphraseRequest] = []

    def dialog(request: PassphraseRequest) -> str:
        asked.append(request)
        return PASSPHRASE

    vault_store(tmp_path, passphrase_source=dialog).set(
        "core-ro", username="noc", password=CANARY_PASSWORD)
    assert [r.creating for r in asked] == [True]

    asked.clear()
    store = vault_store(tmp_path, passphrase_source=dialog)
    devices = [device(f"sw{i}", "cred:core-ro") for i in range(40)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        resolved = list(pool.map(lambda d: resolve_credentials(d, store=store), devices))
    elapsed = time.monotonic() - started
    assert [r.creating for r in asked] == [False]
    assert {r.password for r in resolved} == {CANARY_PASSWORD}
    assert elapsed < 10, f"40 devices took {elapsed:.2f} s"


def test_cancelled_dialog_is_a_locked_vault(tmp_path: Path) -> None:
    vault_store(tmp_path, passphrase_source=lambda _r: PASSPHRASE).set(
        "core-ro", username="noc", password=CANARY_PASSWORD)
    store = vault_store(tmp_path, passphrase_source=lambda _r: None)
    with pytest.raises(CredentialError, match=r"device sw1: credential 'core-ro': vault .* "
                                              r"is locked: no passphrase was given"):
        resolve_credentials(device("sw1", "cred:core-ro"), store=store)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "no such file"), ("\n", "is empty")],
)
def test_bad_passphrase_file_is_named(tmp_path: Path, content: str | None,
                                      fragment: str) -> None:
    passphrase_file = tmp_path / "pp"
    if content is not None:
        passphrase_file.write_text(content)
    store = vault_store(tmp_path, passphrase_file=passphrase_file)
    with pytest.raises(CredentialError) as excinfo:
        store.set("core-ro", username="noc", password=CANARY_PASSWORD)
    assert f"vault_passphrase_file {passphrase_file}" in str(excinfo.value)
    assert fragment in str(excinfo.value)


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [
        ("cred:", "'cred:' is not valid"),
        ("cred:Core RO", "'cred:Core RO' is not valid: the name after 'cred:' must be"),
        ("vault:core", "'vault:core' is not valid; use 'lab', 'cred:NAME'"),
    ],
)
def test_malformed_reference_names_the_device(tmp_path: Path, ref: str, fragment: str) -> None:
    with pytest.raises(CredentialError) as excinfo:
        resolve_all([device("r1", "lab"), device("r2", ref)], store=vault_store(tmp_path))
    assert str(excinfo.value).startswith("device r2: credential reference")
    assert fragment in str(excinfo.value)


def test_lab_and_keys_only_references_need_no_store(tmp_path: Path) -> None:
    store = vault_store(tmp_path)
    lab = resolve_credentials(device("r1", "lab", "juniper_junos"), store=store)
    assert (lab.password, lab.enable_secret, lab.use_keys) == (LAB_PASSWORD, None, False)
    keys = resolve_credentials(
        Device(name="r2", platform="cisco_ios", host="127.0.0.1", username="netops"),
        store=store)
    assert (keys.username, keys.password, keys.use_keys) == ("netops", None, True)
    assert not (tmp_path / "vault.cfg").exists()


def test_providers_resolve_through_the_session_built_from_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nocdeck.config import Settings
    from nocdeck.credentials import store as store_module

    monkeypatch.setattr(store_module, "_session", None)
    passphrase_file = tmp_path / "pp"
    passphrase_file.write_text(PASSPHRASE + "\n")
    passphrase_file.chmod(0o600)
    settings = Settings(vault_path=str(tmp_path / "team" / "vault.cfg"),
                        vault_passphrase_file=str(passphrase_file))
    CredentialStore.from_settings(settings).set("core-ro", username="noc",
                                                password=CANARY_PASSWORD)

    resolved = resolve_credentials(device("sw1", "cred:core-ro"), settings=settings)
    assert resolved.password == CANARY_PASSWORD
    assert store_module.session_store().vault.path == tmp_path / "team" / "vault.cfg"


def test_damaged_index_is_named(tmp_path: Path) -> None:
    store = vault_store(tmp_path)
    store.index.path.write_text("{not json")
    with pytest.raises(CredentialError, match=r"credential index .*vault\.index\.json is "
                                              r"damaged"):
        resolve_credentials(device("sw1", "cred:core-ro"), store=store)
