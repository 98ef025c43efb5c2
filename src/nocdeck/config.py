"""Settings: built-in defaults, then a TOML file, then `NOCDECK_*` variables, then flags.

Each value remembers where it came from, so `nocdeck config show` can say why a setting is
what it is. The config file is the first of: `--config`, `NOCDECK_CONFIG`, `./nocdeck.toml`,
then `config.toml` in the user config dir (platformdirs).
"""

from __future__ import annotations

import getpass
import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from nocdeck.errors import ConfigError

APP_NAME = "nocdeck"
PROVIDER_HOST_CHOICES = ("auto", "on", "off")
ENV_PREFIX = "NOCDECK_"


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_user() -> str:
    """The OS user@host, the identity recorded on every execution by default."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return f"{name}@{socket.gethostname()}"


@dataclass
class Settings:
    """Everything nocdeck can be told; each field is also a TOML key and a NOCDECK_* variable."""

    store_url: str = ""
    """SQLAlchemy async URL of the audit store; empty means SQLite in the user data dir."""
    catalog: list[str] = field(default_factory=list)
    """Catalog directories layered over the bundled catalog, later ones winning by slug."""
    inventory: str = ""
    """Path of the local inventory YAML file, or `nautobot`."""
    lab: bool = False
    """Start the built-in lab in-process and use its inventory."""
    lab_devices: int = 6
    """How many devices `--lab` starts."""
    user: str = field(default_factory=default_user)
    """Who is recorded as requesting and approving (NOCDECK_USER)."""
    allow_self_approval: bool = False
    """Whether a requester may approve their own run (NOCDECK_ALLOW_SELF_APPROVAL)."""
    provider: str = "asyncssh"
    """Default device driver where the inventory does not name one (asyncssh passes the
    provider contract suite on every lab platform; `netmiko` is the alternative)."""
    connect_timeout: float = 10.0
    """Seconds to set up a device connection before DeviceUnreachable/DeviceTimeout."""
    command_timeout: float = 30.0
    """Seconds to wait for a device's answer to one command before DeviceTimeout."""
    concurrency: int = 20
    """How many devices are worked on at once."""
    provider_host: str = "auto"
    """Where `run`, `retry` and `approve` hold their device sessions: `on`, a second process
    (the SSH work on a core of its own, the engine and store on this one), `off`, this
    process, `auto`, a second process when the machine has two cores or more."""
    known_hosts: str = ""
    """known_hosts file for host key verification; empty means ~/.ssh/known_hosts."""
    vault_path: str = ""
    """nocdeck's encrypted credential vault; empty means vault.cfg in the user data dir."""
    vault_passphrase_file: str = ""
    """A file holding the vault passphrase, for unattended use."""
    log_level: str = "WARNING"
    nautobot_url: str = ""
    """Nautobot's base URL for `--inventory nautobot` (also read from NAUTOBOT_URL)."""
    nautobot_token: str = ""
    """The Nautobot API token as a credential reference, `cred:NAME`; never the token."""
    nautobot_timeout: float = 10.0
    """Seconds to wait for one Nautobot API answer before falling back to the snapshot."""
    nautobot_snapshot_dir: str = ""
    """Where the last good Nautobot load is kept; empty means `nautobot/` in the data dir."""
    record_input: bool = True
    """Record what is typed in interactive sessions (`nocdeck ssh`); passwords never are."""
    recording_retention_days: int = 0
    """Purge session transcripts older than this many days (the record stays); 0 keeps all."""

    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Where each value came from: `default`, a file path, `env NOCDECK_X` or `--flag`."""

    @property
    def data_dir(self) -> Path:
        return user_data_dir()

    @property
    def effective_store_url(self) -> str:
        if self.store_url:
            return self.store_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'nocdeck.db'}"

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sources"}


_FIELD_TYPES: dict[str, str] = {
    f.name: str(f.type) for f in fields(Settings) if f.name != "sources"
}


def _coerce(name: str, value: Any, origin: str) -> Any:
    kind = _FIELD_TYPES[name]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(f"expected true or false, got {value!r}")
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError(f"expected a whole number, got {value!r}")
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "list[str]":
            if isinstance(value, str):
                return [part for part in value.split(os.pathsep) if part]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return list(value)
            raise ValueError(f"expected a list of strings, got {value!r}")
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return value
    except ValueError as exc:
        raise ConfigError(f"{origin}: setting {name!r}: {exc}") from None


def find_config_file(explicit: str | None, env: Mapping[str, str]) -> Path | None:
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"--config {explicit}: no such file")
        return path
    if env.get(f"{ENV_PREFIX}CONFIG"):
        path = Path(env[f"{ENV_PREFIX}CONFIG"]).expanduser()
        if not path.is_file():
            raise ConfigError(f"{ENV_PREFIX}CONFIG={path}: no such file")
        return path
    for candidate in (Path.cwd() / "nocdeck.toml", user_config_dir() / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_settings(
    *,
    config_file: str | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings in effect from every source, lowest precedence first."""
    env = os.environ if env is None else env
    settings = Settings()
    settings.sources = {name: "default" for name in _FIELD_TYPES}

    path = find_config_file(config_file, env)
    if path is not None:
        data = _read_toml(path)
        section = data.get("nocdeck", data)
        for key, value in section.items():
            name = key.replace("-", "_")
            if name not in _FIELD_TYPES:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            setattr(settings, name, _coerce(name, value, str(path)))
            settings.sources[name] = str(path)

    for name in _FIELD_TYPES:
        var = f"{ENV_PREFIX}{name.upper()}"
        if var in env:
            setattr(settings, name, _coerce(name, env[var], f"environment {var}"))
            settings.sources[name] = f"env {var}"
    if "NAUTOBOT_URL" in env and "NOCDECK_NAUTOBOT_URL" not in env:
        settings.nautobot_url = env["NAUTOBOT_URL"]
        settings.sources["nautobot_url"] = "env NAUTOBOT_URL"
    if "NOCDECK_STORE" in env and "NOCDECK_STORE_URL" not in env:
        settings.store_url = env["NOCDECK_STORE"]
        settings.sources["store_url"] = "env NOCDECK_STORE"

    for name, value in (flags or {}).items():
        if value is None or value == () or value == []:
            continue
        if name not in _FIELD_TYPES:
            raise ConfigError(f"unknown setting {name!r}")
        setattr(settings, name, _coerce(name, list(value) if isinstance(value, tuple) else value,
                                        f"--{name.replace('_', '-')}"))
        settings.sources[name] = f"--{name.replace('_', '-')}"

    if settings.concurrency < 1:
        raise ConfigError(f"{settings.sources['concurrency']}: concurrency must be at least 1")
    if settings.provider_host not in PROVIDER_HOST_CHOICES:
        raise ConfigError(f"{settings.sources['provider_host']}: provider_host must be one of "
                          f"{', '.join(PROVIDER_HOST_CHOICES)}, got {settings.provider_host!r}")
    return settings
