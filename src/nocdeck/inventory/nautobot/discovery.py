"""Discovery and onboarding: hosts or a CSV in, devices identified, Nautobot (or a local
inventory file) updated, counts and reasons out.

A target that cannot be reached, logged in to or identified is counted as failed with one
sentence naming it; the others go on. Nothing here prompts: a credential reference that needs
a passphrase uses the process's credential store like every connection does.
"""

from __future__ import annotations

import asyncio
import csv
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nocdeck.config import Settings
from nocdeck.credentials.resolver import resolve_credentials
from nocdeck.errors import InputError, NocdeckError
from nocdeck.inventory.local import load_inventory, write_inventory
from nocdeck.inventory.models import Device, Inventory
from nocdeck.inventory.nautobot.client import NautobotClient
from nocdeck.inventory.nautobot.configread import read_interfaces
from nocdeck.inventory.nautobot.probe import Probed, ProbeFailed, probe
from nocdeck.inventory.nautobot.sync import sync_inventory


@dataclass(frozen=True)
class Target:
    host: str
    port: int = 22
    name: str = ""
    credentials: str = ""

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class DiscoveryResult:
    discovered: list[Device] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    """Target (or device) -> why, one sentence each."""

    @property
    def status(self) -> str:
        return "failed" if self.failed and not self.discovered else "completed"


def parse_target(text: str, *, credentials: str, where: str) -> Target:
    """`HOST` or `HOST:PORT` (IPv6 as `[::1]:22`); InputError names the argument."""
    host, port = text.strip(), "22"
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        port = rest.lstrip(":") or "22"
    elif host.count(":") == 1:
        host, port = host.split(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not host or not all(part.isalnum() or "-" in part for part in host.split(".")):
            raise InputError(f"{where}: {text!r} is not HOST or HOST:PORT") from None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InputError(f"{where}: {text!r}: the port must be 1-65535")
    return Target(host, int(port), credentials=credentials)


def targets_from_hosts(hosts: Sequence[str], *, credentials: str) -> list[Target]:
    return [parse_target(h, credentials=credentials, where=f"argument {i}")
            for i, h in enumerate(hosts, start=1)]


def targets_from_csv(path: Path, *, credentials: str) -> list[Target]:
    """Columns `host` (required), `port`, `name`, `credentials`; problems name file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: CSV file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "host" not in [f.strip() for f in reader.fieldnames]:
        raise InputError(f"{path}:1: the header must name a 'host' column "
                         "(and optionally port, name, credentials)")
    targets = []
    for line, row in enumerate(reader, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in row.items() if k}
        if not row.get("host"):
            raise InputError(f"{path}:{line}: 'host' is empty")
        address = f"{row['host']}:{row['port']}" if row.get("port") else row["host"]
        target = parse_target(address, credentials=row.get("credentials") or credentials,
                              where=f"{path}:{line}")
        targets.append(Target(target.host, target.port, row.get("name", ""),
                              target.credentials))
    if not targets:
        raise InputError(f"{path}: no targets (only a header)")
    return targets


def device_from_probe(found: Probed, target: Target, *, host_key_check: bool, site: str,
                      role: str) -> Device:
    interfaces, vlans = read_interfaces(found.platform, found.config)
    name = target.name or found.hostname or f"{target.host}-{target.port}"
    return Device(name=name, platform=found.platform, host=target.host, port=target.port,
                  credentials=target.credentials, manufacturer=found.manufacturer,
                  model=found.model, software_version=found.software_version, role=role,
                  site=site, host_key_check=host_key_check, interfaces=interfaces,
                  vlans=vlans)


async def discover(targets: Iterable[Target], settings: Settings, *, host_key_check: bool = True,
                   site: str = "", role: str = "", concurrency: int = 10,
                   timeout: float | None = None  # noqa: ASYNC109
                   ) -> DiscoveryResult:
    """Probe every target (bounded concurrency); failures are counted, never raised."""
    result = DiscoveryResult()
    limit = asyncio.Semaphore(max(1, concurrency))
    known_hosts = known_hosts_file(settings) if host_key_check else None

    async def one(target: Target) -> None:
        async with limit:
            try:
                stand_in = Device(name=str(target), platform="cisco_ios", host=target.host,
                                  port=target.port, credentials=target.credentials)
                credentials = await asyncio.to_thread(resolve_credentials, stand_in,
                                                      settings=settings)
                found = await probe(target.host, target.port, credentials,
                                    known_hosts=known_hosts,
                                    timeout=timeout or settings.connect_timeout)
                result.discovered.append(device_from_probe(
                    found, target, host_key_check=host_key_check, site=site, role=role))
            except ProbeFailed as exc:
                result.failed[str(target)] = str(exc)
            except NocdeckError as exc:
                result.failed[str(target)] = f"{target}: {exc}"

    await asyncio.gather(*(one(t) for t in targets))
    order = {str(t): i for i, t in enumerate(targets)}
    result.discovered.sort(key=lambda d: order.get(f"{d.host}:{d.port}", 0))
    return result


def known_hosts_file(settings: Settings) -> Path:
    if settings.known_hosts:
        return Path(settings.known_hosts).expanduser()
    return Path.home() / ".ssh" / "known_hosts"


def onboard_nautobot(result: DiscoveryResult, client: NautobotClient) -> DiscoveryResult:
    counts = sync_inventory(client, result.discovered)
    result.created, result.updated, result.unchanged = (counts.created, counts.updated,
                                                        counts.unchanged)
    result.failed.update(counts.failed)
    return result


def onboard_file(result: DiscoveryResult, path: Path) -> DiscoveryResult:
    """Merge into a local inventory file (created if missing), by device name."""
    existing = load_inventory(path) if path.exists() else Inventory([], source=str(path))
    merged: dict[str, Device] = {d.name: d for d in existing}
    for device in result.discovered:
        before = merged.get(device.name)
        if before is None:
            result.created += 1
        elif before.model_dump() == device.model_dump():
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        merged[device.name] = device
    try:
        write_inventory(Inventory(merged.values()), path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the inventory ({exc.strerror})") from None
    return result


def job_config(targets: Sequence[Target], *, to: str, site: str, role: str) -> dict[str, Any]:
    """What the DiscoveryJob record keeps: targets and references, never a secret."""
    return {"targets": [{"host": t.host, "port": t.port, "name": t.name,
                         "credentials": t.credentials} for t in targets],
            "to": to, "site": site, "role": role}
