"""A real Nautobot for these tests: brought up by tests/nautobot/bringup.py, never mocked.

`.ci/run` starts the bring-up in the background at its start; here `--reuse` waits for it
(it holds a lock) and reuses its server, or brings one up when none is running. If the
bring-up fails, every test here fails with its log: nothing is skipped silently.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nocdeck.credentials.store import CredentialStore
from nocdeck.inventory.nautobot import NautobotClient
from tests.nautobot import bringup
from tests.nautobot.data import load_fixtures

BRINGUP_TIMEOUT = 1500
TEST_TIMEOUT = 600
"""The first test here may wait for a whole bring-up (minutes on a fresh machine)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith("tests/nautobot/"):
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))


@dataclass(frozen=True)
class RunningNautobot:
    url: str
    token: str
    database: str
    version: str

    def client(self, *, timeout: float = 30.0) -> NautobotClient:
        return NautobotClient(self.url, self.token, timeout=timeout,
                              token_reference="the API token cred:nautobot")


def _bring_up() -> dict[str, object]:
    state_file = bringup.default_state_file()
    try:
        done = subprocess.run([sys.executable, str(Path(bringup.__file__)), "--reuse"],
                              capture_output=True, text=True, timeout=BRINGUP_TIMEOUT,
                              check=False)
        output = done.stdout + done.stderr
        failed = done.returncode != 0
    except subprocess.TimeoutExpired as exc:
        output, failed = f"bring-up timed out after {BRINGUP_TIMEOUT} s: {exc}", True
    if failed or not state_file.exists():
        pytest.fail(f"the Nautobot bring-up failed; its log:\n{output}", pytrace=False)
    state: dict[str, object] = json.loads(state_file.read_text(encoding="utf-8"))
    return state


@pytest.fixture(scope="session")
def nautobot() -> Iterator[RunningNautobot]:
    state = _bring_up()
    running = RunningNautobot(str(state["url"]), str(state["token"]), str(state["database"]),
                              str(state["version"]))
    # Fixtures once per database, whichever xdist worker gets here first.
    marker = bringup.home() / "fixtures.done"
    with (bringup.home() / "fixtures.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists() or marker.read_text(encoding="utf-8") != running.database:
            with running.client() as client:
                load_fixtures(client)
            marker.write_text(running.database, encoding="utf-8")
    yield running


@pytest.fixture
def client(nautobot: RunningNautobot) -> Iterator[NautobotClient]:
    with nautobot.client() as opened:
        yield opened


@pytest.fixture
def token_vault(tmp_path: Path, nautobot: RunningNautobot) -> dict[str, str]:
    """A vault holding the token as `cred:nautobot`, and the settings that point at it."""
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple", encoding="utf-8")
    vault = tmp_path / "vault.cfg"
    store = CredentialStore(vault_path=vault, passphrase_file=passphrase, interactive=False)
    store.set("nautobot", username="api", password=nautobot.token, backend="vault")
    return {"vault_path": str(vault), "vault_passphrase_file": str(passphrase),
            "nautobot_url": nautobot.url, "nautobot_token": "cred:nautobot",
            "nautobot_snapshot_dir": str(tmp_path / "snapshots")}


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """`nocdeck ARGS` in-process through the real entry point (exit codes included)."""
    from click.testing import CliRunner

    from nocdeck.cli import main

    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return CliResult(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture
def nautobot_env(token_vault: dict[str, str], tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """NOCDECK_* variables for the CLI: the token vault, Nautobot, a SQLite store."""
    env = {f"NOCDECK_{key.upper()}": value for key, value in token_vault.items()}
    env["NOCDECK_STORE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    (Path(token_vault["vault_passphrase_file"])).chmod(0o600)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from nocdeck.credentials import store

    monkeypatch.setattr(store, "_session", None)
    return env
