"""Backups: a device's configuration as read (masked before it is stored), newest first."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from nocdeck.errors import StoreError
from nocdeck.store.base import StoreBase
from nocdeck.store.models import Backup
from nocdeck.store.records import BackupRecord, BackupSummary
from nocdeck.store.types import mask_text, utcnow


def backup_record(row: Backup) -> BackupRecord:
    return BackupRecord(id=row.id, device=row.device, backup_type=row.backup_type,
                        method=row.method, taken_at=row.taken_at, config=row.config,
                        facts=dict(row.facts or {}), sha256=row.sha256,
                        execution_id=row.execution_id)


def backup_values(device: str, config: str, *, method: str,
                  facts: Mapping[str, Any] | None = None, execution_id: str | None = None,
                  taken_at: dt.datetime | None = None, backup_type: str = "config"
                  ) -> dict[str, Any]:
    """A new backup's column values, masked (once: the column keeps `mask_text`'s answer);
    its sha256 is of the masked text that is kept."""
    masked = mask_text(config)
    return {"device": device, "backup_type": backup_type, "config": masked, "method": method,
            "taken_at": taken_at or utcnow(), "facts": dict(facts or {}),
            "execution_id": execution_id, "validated": False, "restore_count": 0,
            "sha256": hashlib.sha256(masked.encode()).hexdigest()}


def backup_row(device: str, config: str, *, method: str,
               facts: Mapping[str, Any] | None = None, execution_id: str | None = None,
               taken_at: dt.datetime | None = None, backup_type: str = "config") -> Backup:
    """A new backup row (see `backup_values`)."""
    return Backup(**backup_values(device, config, method=method, facts=facts,
                                  execution_id=execution_id, taken_at=taken_at,
                                  backup_type=backup_type))


class BackupsMixin(StoreBase):
    async def newest_backup_id(self) -> int:
        """The id of the newest backup of any device (0: none yet): a mark to ask later
        whether a device was backed up (so possibly changed by a run) since."""
        async with self._reading() as session:
            return int(await session.scalar(select(func.max(Backup.id))) or 0)

    async def save_backup(
        self,
        device: str,
        config: str,
        *,
        method: str,
        facts: Mapping[str, Any] | None = None,
        execution_id: str | None = None,
        taken_at: dt.datetime | None = None,
        backup_type: str = "config",
    ) -> BackupRecord:
        """Store a configuration; its sha256 is of the masked text that is kept."""
        row = backup_row(device, config, method=method, facts=facts,
                         execution_id=execution_id, taken_at=taken_at, backup_type=backup_type)
        async with self._writing() as session:
            session.add(row)
            await session.flush()
        return backup_record(row)

    async def list_backups(self, device: str | None = None, *, limit: int = 50,
                           offset: int = 0) -> list[BackupSummary]:
        """One page of backups (without their text), newest first."""
        stmt = select(Backup.id, Backup.device, Backup.method, Backup.taken_at, Backup.sha256,
                      Backup.execution_id)
        if device:
            stmt = stmt.where(Backup.device == device)
        stmt = stmt.order_by(Backup.taken_at.desc(), Backup.id.desc()).limit(limit).offset(offset)
        async with self._reading() as session:
            return [BackupSummary(*row) for row in await session.execute(stmt)]

    async def get_backup(self, backup_id: int) -> BackupRecord:
        async with self._reading() as session:
            row = await session.get(Backup, backup_id)
        if row is None:
            raise StoreError(f"no backup {backup_id} in store at {self.url}")
        return backup_record(row)

    async def latest_backups(self, devices: Sequence[str]) -> dict[str, BackupRecord]:
        """The most recently stored backup of each device that has one."""
        found: dict[str, BackupRecord] = {}
        async with self._reading() as session:
            for start in range(0, len(devices), 500):
                chunk = list(devices[start:start + 500])
                latest = (select(func.max(Backup.id).label("id"))
                          .where(Backup.device.in_(chunk)).group_by(Backup.device).subquery())
                rows = await session.scalars(select(Backup).join(latest, Backup.id == latest.c.id))
                found.update((row.device, backup_record(row)) for row in rows)
        return found
