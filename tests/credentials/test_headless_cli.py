"""On a jump host with no D-Bus and no TTY, credentials live in the vault and never hang.

Every test runs the real `nocdeck` in a subprocess with `--log-level DEBUG`, stdin from
/dev/null, DBUS_SESSION_BUS_ADDRESS unset and keyring left to discover its own backends (on
this host: a chainer of encrypted-file backends that would prompt), then searches all output
for the canary secrets.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.credentials.headless import (
    CANARY_ENABLE,
    CANARY_PASSWORD,
    PASSPHRASE,
    assert_no_secret,
    assert_one_clear_error,
    headless_env,
    nocdeck,
)

SECRETS = f"{CANARY_PASSWORD}\n{CANARY_ENABLE}\n"


def _store_core_ro(env: dict[str, str]) -> None:
    outcome = nocdeck(["credentials", "set", "core-ro", "--username", "noc", "--enable",
                       "--stdin"], env, stdin_text=SECRETS)
    assert outcome.code == 0, outcome.output
    assert_no_secret(outcome)


def test_set_list_check_delete_through_the_vault(tmp_path: Path) -> None:
    env = headless_env(tmp_path)
    vault = tmp_path / "secrets" / "vault.cfg"

    stored = nocdeck(["credentials", "set", "core-ro", "--username", "noc", "--enable",
                      "--stdin"], env, stdin_text=SECRETS)
    assert stored.code == 0, stored.output
    assert f"in vault {vault}" in stored.stdout
    assert "enable secret" in stored.stdout
    assert_no_secret(stored)

    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.parent.stat().st_mode) == 0o700
    raw = vault.read_bytes() + (vault.parent / "vault.index.json").read_bytes()
    for secret in (CANARY_PASSWORD, CANARY_ENABLE, PASSPHRASE):
        assert secret.encode() not in raw
    assert b"[Argon2] AES128.GCM" in raw

    listed = nocdeck(["credentials", "list", "--json"], env)
    assert listed.code == 0, listed.output
    assert json.loads(listed.stdout) == [{
        "name": "core-ro", "username": "noc", "backend": "vault", "location": str(vault),
        "has_password": True, "has_enable": True, "use_keys": True,
    }]
    assert_no_secret(listed)
    listed_text = nocdeck(["credentials", "list"], env)
    assert f"new credentials go to: vault {vault}" in listed_text.stderr
    assert "no keyring (keyring.backends.chainer.ChainerBackend chains no real backend" \
        in listed_text.stderr
    assert_no_secret(listed_text)

    checked = nocdeck(["credentials", "check", "core-ro"], env)
    assert checked.code == 0, checked.output
    assert "credential 'core-ro': ok, username noc, password, enable secret" in checked.stdout
    assert_no_secret(checked)

    deleted = nocdeck(["credentials", "delete", "core-ro"], env)
    assert deleted.code == 0, deleted.output
    assert f"deleted credential 'core-ro' from vault {vault}" in deleted.stdout
    assert_no_secret(deleted)

    gone = nocdeck(["credentials", "check", "core-ro"], env)
    assert_one_clear_error(gone, "credential 'core-ro' is not stored",
                           "nocdeck credentials set core-ro")


def test_keyring_file_backends_are_never_touched(tmp_path: Path) -> None:
    env = headless_env(tmp_path)
    _store_core_ro(env)
    listed = nocdeck(["credentials", "list"], env)
    assert "core-ro  username noc, password, enable secret, SSH keys first  [vault" \
        in listed.stdout
    keyring_files = list(Path(env["XDG_DATA_HOME"]).glob("python_keyring/*"))
    assert keyring_files == []


def test_a_device_reference_resolves_before_any_connection(tmp_path: Path) -> None:
    env = headless_env(tmp_path)
    _store_core_ro(env)
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "devices:\n"
        "  edge1:\n    platform: cisco_ios\n    host: 127.0.0.1\n    port: 9\n"
        "    credentials: cred:core-ro\n"
        "  edge2:\n    platform: cisco_ios\n    host: 127.0.0.1\n    port: 9\n"
        "    credentials: cred:no-such\n"
        "  edge3:\n    platform: cisco_ios\n    host: 127.0.0.1\n    port: 9\n"
        "    credentials: 'cred:Bad Name'\n"
    )
    args = ["--inventory", str(inventory), "credentials", "check", "--device"]
    good = nocdeck([*args, "edge1"], env)
    assert good.code == 0, good.output
    assert "device edge1: ok, username noc, password, enable secret" in good.stdout
    assert_no_secret(good)

    missing = nocdeck([*args, "edge2"], env)
    assert_one_clear_error(missing, "device edge2", "credential 'no-such' is not stored",
                           "nocdeck credentials set no-such")
    malformed = nocdeck([*args, "edge3"], env)
    assert_one_clear_error(malformed, "device edge3", "'cred:Bad Name' is not valid")


def test_no_passphrase_is_one_clear_error_at_once(tmp_path: Path) -> None:
    _store_core_ro(headless_env(tmp_path))
    env = headless_env(tmp_path, passphrase=None)
    vault = tmp_path / "secrets" / "vault.cfg"
    expected = (f"vault {vault} is locked: no passphrase available "
                f"(set vault_passphrase_file or run in a terminal)")

    startup = nocdeck(["--version"], env).elapsed
    checked = nocdeck(["credentials", "check", "core-ro"], env, timeout=30)
    assert_one_clear_error(checked, "credential 'core-ro'", expected)
    assert checked.elapsed < startup + 3, f"took {checked.elapsed:.1f} s ({startup:.1f} s)"

    stored = nocdeck(["credentials", "set", "core-rw", "--username", "noc", "--stdin"], env,
                     stdin_text=f"{CANARY_PASSWORD}\n", timeout=30)
    assert_one_clear_error(stored, expected)
    assert stored.elapsed < startup + 3, f"took {stored.elapsed:.1f} s ({startup:.1f} s)"
    assert_no_secret(stored)


def test_no_passphrase_for_a_new_vault_creates_nothing(tmp_path: Path) -> None:
    env = headless_env(tmp_path, passphrase=None)
    stored = nocdeck(["credentials", "set", "core-ro", "--username", "noc", "--stdin"], env,
                     stdin_text=f"{CANARY_PASSWORD}\n", timeout=30)
    assert_one_clear_error(stored, "is locked: no passphrase available")
    assert stored.elapsed < 15
    assert not (tmp_path / "secrets" / "vault.cfg").exists()
    assert nocdeck(["credentials", "list", "--json"], env).stdout.strip() == "[]"


def test_keys_only_credential_needs_no_passphrase(tmp_path: Path) -> None:
    env = headless_env(tmp_path, passphrase=None)
    stored = nocdeck(["credentials", "set", "ops-keys", "--username", "netops",
                      "--no-password"], env)
    assert stored.code == 0, stored.output
    checked = nocdeck(["credentials", "check", "ops-keys"], env)
    assert checked.code == 0, checked.output
    assert "ok, username netops, SSH keys first" in checked.stdout


def test_wrong_passphrase_names_the_vault_not_the_passphrase(tmp_path: Path) -> None:
    _store_core_ro(headless_env(tmp_path))
    env = headless_env(tmp_path, passphrase="not the passphrase at all")
    checked = nocdeck(["credentials", "check", "core-ro"], env)
    vault = tmp_path / "secrets" / "vault.cfg"
    assert_one_clear_error(checked, "credential 'core-ro'", f"vault {vault}",
                           "wrong passphrase", "vault_passphrase_file")
    assert_no_secret(checked, "not the passphrase at all")


def test_corrupt_vault_is_named(tmp_path: Path) -> None:
    env = headless_env(tmp_path)
    _store_core_ro(env)
    vault = tmp_path / "secrets" / "vault.cfg"
    original = vault.read_bytes()
    damages = {
        "garbage": b"\x00\xff\xfe not a vault \x81",
        "truncated": original[: len(original) // 3],
        "no header": b"core_2dro = abc\n",
        "entry garbled": original.replace(b"core_2dro = \n\t", b"core_2dro = \n\tAAAA"),
    }
    for label, content in damages.items():
        vault.write_bytes(content)
        checked = nocdeck(["credentials", "check", "core-ro"], env)
        assert_one_clear_error(checked, f"vault {vault} is damaged")
        assert_no_secret(checked)
        assert checked.elapsed < 15, label
