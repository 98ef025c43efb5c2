"""`--inventory nautobot`: the same Inventory interface, fed by Nautobot or its snapshot.

Online, one bulk load replaces the snapshot. Offline (Nautobot unreachable), the snapshot
serves read-only and says how old it is; a refused token or a missing endpoint is never
papered over by the snapshot, it is an error the user must fix.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path

from nocdeck.config import Settings
from nocdeck.credentials.store import CredentialStore, session_store
from nocdeck.errors import ConfigError, CredentialError
from nocdeck.inventory.models import Device, Inventory
from nocdeck.inventory.nautobot.client import NautobotClient, NautobotUnreachable
from nocdeck.inventory.nautobot.loader import NautobotData, convert, fetch
from nocdeck.inventory.nautobot.snapshot import (
    age_of,
    describe_age,
    load_snapshot,
    save_snapshot,
)

log = logging.getLogger(__name__)
CRED_PREFIX = "cred:"


class NautobotInventory(Inventory):
    """Devices from Nautobot, plus what could not be managed and where the data came from."""

    def __init__(self, devices: Iterable[Device], *, url: str, version: str,
                 unmanageable: dict[str, str], loaded_at: float, offline: bool = False,
                 client: NautobotClient | None = None) -> None:
        super().__init__(devices, source=url)
        self.url = url
        self.version = version
        self.unmanageable = dict(unmanageable)
        """Device name -> why nocdeck cannot log in to it; listed, never silently dropped."""
        self.loaded_at = loaded_at
        self.offline = offline
        """True when served from the snapshot: read-only, no write-back."""
        self.client = client

    @property
    def read_only(self) -> bool:
        return self.offline or self.client is None

    def status_line(self) -> str:
        """One line for the status bar and the CLI: where the devices come from, how fresh."""
        managed = f"{len(self)} devices"
        skipped = f", {len(self.unmanageable)} not manageable" if self.unmanageable else ""
        if self.offline:
            age = describe_age(time.time() - self.loaded_at)
            return (f"Nautobot {self.url} unreachable: read-only snapshot from {age} ago "
                    f"({managed}{skipped})")
        return f"Nautobot {self.url} (v{self.version}): {managed}{skipped}"


def snapshot_dir(settings: Settings) -> Path:
    if settings.nautobot_snapshot_dir:
        return Path(settings.nautobot_snapshot_dir).expanduser()
    return settings.data_dir / "nautobot"


def nautobot_url(settings: Settings) -> str:
    url = settings.nautobot_url.strip().rstrip("/")
    if not url:
        raise ConfigError("--inventory nautobot needs Nautobot's URL: set nautobot_url in the "
                          "config file, NOCDECK_NAUTOBOT_URL or NAUTOBOT_URL")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{settings.sources.get('nautobot_url', 'nautobot_url')}: "
                          f"nautobot_url {url!r} must start with http:// or https://")
    return url


def token_name(settings: Settings) -> str:
    """The credential holding the token; a token given in clear is refused, not used."""
    ref = settings.nautobot_token.strip()
    where = settings.sources.get("nautobot_token", "nautobot_token")
    if not ref:
        raise ConfigError("--inventory nautobot needs the API token as a credential "
                          "reference: store it with `nocdeck credentials set nautobot` (the "
                          "token as the password) and set nautobot_token = \"cred:nautobot\"")
    if not ref.startswith(CRED_PREFIX):
        raise ConfigError(f"{where}: nautobot_token must be a credential reference "
                          "'cred:NAME', never the token itself; store the token with "
                          "`nocdeck credentials set NAME` (as the password)")
    return ref[len(CRED_PREFIX):]


def connect(settings: Settings, *, store: CredentialStore | None = None,
            timeout: float | None = None) -> NautobotClient:
    """A client for the configured Nautobot, its token resolved from the credential chain;
    `timeout` overrides nautobot_timeout (bulk writes take longer than reads)."""
    url = nautobot_url(settings)
    name = token_name(settings)
    try:
        resolved = (store or session_store(settings)).resolve(name)
    except CredentialError as exc:
        raise CredentialError(f"Nautobot API token: {exc}") from None
    if not resolved.password:
        raise CredentialError(f"Nautobot API token: credential {name!r} has no password; "
                              f"store the token as its password: nocdeck credentials set {name}")
    return NautobotClient(url, resolved.password, timeout=timeout or settings.nautobot_timeout,
                          token_reference=f"the API token cred:{name}")


def inventory_from_data(data: NautobotData, *, offline: bool,
                        client: NautobotClient | None) -> NautobotInventory:
    converted = convert(data)
    for reason in converted.unmanageable.values():
        log.warning("not manageable: %s", reason)
    return NautobotInventory(converted.devices, url=data.url, version=data.version,
                             unmanageable=converted.unmanageable, loaded_at=data.loaded_at,
                             offline=offline, client=client)


def load_nautobot_inventory(settings: Settings, *, client: NautobotClient | None = None
                            ) -> NautobotInventory:
    """Load every device from Nautobot (bulk), keep the snapshot; offline, use the snapshot."""
    url = nautobot_url(settings)
    directory = snapshot_dir(settings)
    try:
        client = client or connect(settings)
        data = fetch(client)
    except NautobotUnreachable as exc:
        snapshot = load_snapshot(directory, url)
        if snapshot is None:
            raise NautobotUnreachable(f"{exc}; and there is no snapshot of an earlier load "
                                      f"in {directory}. Use the local inventory meanwhile: "
                                      "--inventory FILE") from None
        log.warning("%s; using the snapshot from %s ago", exc,
                    describe_age(age_of(snapshot)))
        return inventory_from_data(snapshot, offline=True, client=None)
    try:
        save_snapshot(directory, data)
    except OSError as exc:
        log.warning("cannot keep the Nautobot snapshot in %s: %s", directory, exc)
    return inventory_from_data(data, offline=False, client=client)
