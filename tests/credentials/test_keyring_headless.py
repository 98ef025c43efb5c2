"""A keyring is used only where it is real, and a stuck one times out instead of hanging."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from tests.credentials.headless import (
    CANARY_PASSWORD,
    assert_no_secret,
    assert_one_clear_error,
    headless_env,
    nocdeck,
)

HANGING_BACKEND = textwrap.dedent('''
    """A real keyring backend whose every call waits forever, like a locked Secret Service."""
    import time

    from keyring.backend import KeyringBackend


    class HangingKeyring(KeyringBackend):
        priority = 1

        def get_password(self, service, username):
            time.sleep(3600)

        def set_password(self, service, username, password):
            time.sleep(3600)

        def delete_password(self, service, username):
            time.sleep(3600)
''')


def _hanging_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "hangring.py").write_text(HANGING_BACKEND)
    env = headless_env(tmp_path, keyring_backend="hangring.HangingKeyring")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(tmp_path / "plugins"), env.get("PYTHONPATH", "")) if p)
    return env


def test_a_hanging_keyring_times_out_with_one_clear_error(tmp_path: Path) -> None:
    env = _hanging_env(tmp_path)
    listed = nocdeck(["credentials", "list"], env)
    assert listed.code == 0, listed.output
    assert "new credentials go to: keyring hangring.HangingKeyring" in listed.stderr

    stored = nocdeck(["credentials", "set", "core-ro", "--username", "noc", "--stdin"], env,
                     stdin_text=f"{CANARY_PASSWORD}\n", timeout=30)
    assert_one_clear_error(stored, "keyring hangring.HangingKeyring", "'core-ro'",
                           "did not answer within 3 s", "--backend vault")
    assert 2.9 < stored.elapsed < 15, f"took {stored.elapsed:.1f} s"
    assert_no_secret(stored)
    assert json.loads(nocdeck(["credentials", "list", "--json"], env).stdout) == []


def test_the_vault_still_works_beside_a_hanging_keyring(tmp_path: Path) -> None:
    env = _hanging_env(tmp_path)
    stored = nocdeck(["credentials", "set", "core-ro", "--username", "noc", "--stdin",
                      "--backend", "vault"], env, stdin_text=f"{CANARY_PASSWORD}\n")
    assert stored.code == 0, stored.output
    checked = nocdeck(["credentials", "check", "core-ro"], env)
    assert checked.code == 0, checked.output
    assert checked.elapsed < 8
    assert_no_secret(checked)


def test_fail_backend_is_never_used(tmp_path: Path) -> None:
    env = headless_env(tmp_path, keyring_backend="keyring.backends.fail.Keyring")
    stored = nocdeck(["credentials", "set", "core-ro", "--username", "noc", "--stdin",
                      "--backend", "keyring"], env, stdin_text=f"{CANARY_PASSWORD}\n")
    assert_one_clear_error(stored, "cannot store in the keyring",
                           "keyring.backends.fail.Keyring refuses to store anything",
                           "--backend vault")
    auto = nocdeck(["credentials", "set", "core-ro", "--username", "noc", "--stdin"], env,
                   stdin_text=f"{CANARY_PASSWORD}\n")
    assert auto.code == 0, auto.output
    assert "in vault" in auto.stdout
