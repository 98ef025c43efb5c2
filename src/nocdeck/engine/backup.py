"""Take configuration backups: read each device's running config, concurrently, and store it.

Backups are read-only for the device. The stored text is masked by the store (no secret is
kept), so a backup is for review, diff and planning, never for blind restore; rollback pushes
the inverse of what a run applied instead (nocdeck.engine.configtext.inverse).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.errors import NocdeckError
from nocdeck.inventory.models import Device
from nocdeck.providers.base import DialogueLine
from nocdeck.providers.registry import provider_for
from nocdeck.redaction import GLOBAL_REDACTOR
from nocdeck.store import BackupRecord, Store


@dataclass(frozen=True)
class BackupOutcome:
    device: str
    backup: BackupRecord | None = None
    error: str | None = None


def device_facts(device: Device) -> dict[str, str]:
    """What the inventory knows of the device when the backup was taken."""
    return {"platform": device.platform, "manufacturer": device.manufacturer,
            "model": device.model, "software_version": device.software_version,
            "host": device.host, "site": device.site, "role": device.role}


async def backup_device(device: Device, *, settings: Settings, store: Store,
                        method: str = "cli", execution_id: str | None = None,
                        sink: ev.EventSink = ev.discard) -> BackupRecord:
    """Read one device's running config and store it as a BackupRecord."""
    def dialogue(line: DialogueLine) -> None:
        sink(ev.LogLine(execution_id=execution_id or "", device=line.device,
                        direction=line.direction, text=line.text))

    provider = provider_for(device, settings, on_dialogue=dialogue, redactor=GLOBAL_REDACTOR)
    async with provider:
        config = await provider.get_running_config()
    return await store.save_backup(device.name, config, method=f"{method}:{provider.name}",
                                   facts=device_facts(device), execution_id=execution_id)


async def backup_devices(devices: Sequence[Device], *, settings: Settings, store: Store,
                         sink: ev.EventSink = ev.discard) -> list[BackupOutcome]:
    """Back up every device with bounded concurrency; a failure names its device."""
    gate = asyncio.Semaphore(settings.concurrency)

    async def one(device: Device) -> BackupOutcome:
        async with gate:
            try:
                record = await backup_device(device, settings=settings, store=store, sink=sink)
            except NocdeckError as exc:
                return BackupOutcome(device.name, error=GLOBAL_REDACTOR.mask(str(exc)))
            return BackupOutcome(device.name, backup=record)

    return list(await asyncio.gather(*(one(d) for d in devices)))
