"""Settings come from defaults, a TOML file, NOCDECK_* variables and flags, in that order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nocdeck.cli import cli
from nocdeck.config import load_settings
from nocdeck.errors import ConfigError


def test_precedence_default_file_env_flag(tmp_path: Path) -> None:
    config = tmp_path / "nocdeck.toml"
    config.write_text('concurrency = 7\nprovider = "netmiko"\ncatalog = ["/a"]\n')
    settings = load_settings(config_file=str(config), env={"NOCDECK_CONCURRENCY": "9"},
                             flags={"catalog": ("/b", "/c")})
    assert settings.concurrency == 9
    assert settings.sources["concurrency"] == "env NOCDECK_CONCURRENCY"
    assert settings.provider == "netmiko"
    assert settings.sources["provider"] == str(config)
    assert settings.catalog == ["/b", "/c"]
    assert settings.sources["catalog"] == "--catalog"
    assert settings.sources["command_timeout"] == "default"


def test_default_store_is_sqlite_in_user_data_dir(isolated_home: Path) -> None:
    settings = load_settings(env={})
    assert settings.effective_store_url.startswith("sqlite+aiosqlite:///")
    assert str(isolated_home) in settings.effective_store_url


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("concurrency = 'many'\n", "setting 'concurrency'"),
        ("bogus = 1\n", "unknown setting 'bogus'"),
        ("concurrency = [\n", "nocdeck.toml"),
        ("lab = 'maybe'\n", "setting 'lab'"),
        ("provider_host = 'sometimes'\n",
         "provider_host must be one of auto, on, off, got 'sometimes'"),
    ],
)
def test_bad_config_file_names_file_and_setting(tmp_path: Path, text: str, fragment: str) -> None:
    config = tmp_path / "nocdeck.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as excinfo:
        load_settings(config_file=str(config), env={})
    assert fragment in str(excinfo.value)


def test_bad_env_value_is_exit_2_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOCDECK_CONCURRENCY", "0")
    from nocdeck.cli import main

    with pytest.raises(SystemExit) as excinfo:
        main(["config", "show"])
    assert excinfo.value.code == 2


def test_bad_provider_host_in_env_names_the_variable(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NOCDECK_PROVIDER_HOST", "yes")
    from nocdeck.cli import main

    with pytest.raises(SystemExit) as excinfo:
        main(["config", "show"])
    assert excinfo.value.code == 2
    assert "env NOCDECK_PROVIDER_HOST: provider_host must be one of auto, on, off, got 'yes'" \
        in capsys.readouterr().err


def test_config_show_reports_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOCDECK_STORE_URL", "postgresql+asyncpg://noc:pw@127.0.0.1/x")
    result = CliRunner().invoke(cli, ["--inventory", "inv.yaml", "config", "show", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["setting"]: r for r in json.loads(result.output)}
    assert rows["inventory"] == {"setting": "inventory", "value": "inv.yaml",
                                 "source": "--inventory"}
    assert rows["store_url"]["value"] == "postgresql+asyncpg://noc:***@127.0.0.1/x"
    assert rows["store_url"]["source"] == "env NOCDECK_STORE_URL"
    assert "pw@" not in result.output
