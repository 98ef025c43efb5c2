"""Discovery jobs: what a discovery run found, created, updated, and what failed and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from nocdeck.errors import StoreError
from nocdeck.store.base import StoreBase
from nocdeck.store.models import DiscoveryJob
from nocdeck.store.types import utcnow


@dataclass(frozen=True)
class DiscoveryRecord:
    id: int
    discovery_type: str
    config: dict[str, Any]
    """Targets, where the results went, the credential reference (never a secret)."""
    status: str
    devices_discovered: int
    devices_created: int
    devices_updated: int
    errors: dict[str, str]
    """Target -> why it failed."""
    run_at: dt.datetime
    requested_by: str


def _record(row: DiscoveryJob) -> DiscoveryRecord:
    return DiscoveryRecord(row.id, row.discovery_type, dict(row.config), row.status,
                           row.devices_discovered, row.devices_created, row.devices_updated,
                           {str(k): str(v) for k, v in (row.errors or {}).items()}, row.run_at,
                           row.requested_by)


class DiscoveryMixin(StoreBase):
    async def record_discovery_job(
        self, *, discovery_type: str, config: Mapping[str, Any], status: str,
        discovered: int, created: int, updated: int, errors: Mapping[str, str],
        requested_by: str,
    ) -> DiscoveryRecord:
        row = DiscoveryJob(discovery_type=discovery_type, config=dict(config), status=status,
                           devices_discovered=discovered, devices_created=created,
                           devices_updated=updated, errors=dict(errors), run_at=utcnow(),
                           requested_by=requested_by)
        async with self._writing() as session:
            session.add(row)
            await session.flush()
        return _record(row)

    async def get_discovery_job(self, job_id: int) -> DiscoveryRecord:
        async with self._reading() as session:
            row = await session.get(DiscoveryJob, job_id)
        if row is None:
            raise StoreError(f"no discovery job {job_id} in the store")
        return _record(row)

    async def list_discovery_jobs(self, *, limit: int = 50) -> list[DiscoveryRecord]:
        stmt = select(DiscoveryJob).order_by(DiscoveryJob.id.desc()).limit(limit)
        async with self._reading() as session:
            return [_record(row) for row in (await session.scalars(stmt)).all()]
