"""Per-device locks with leases, and the crash recovery that leases make safe.

A holder renews its lease while it works; a holder that dies stops renewing, and once its
lease has run out another run may take the device over, and `mark_interrupted` may mark its
execution `interrupted`. One host never takes over another host's live lock or run.
Leases compare this host's clock with the one that wrote them: keep jump hosts on NTP.
Marking needs no inventory (`nocdeck executions` does it); reading the devices back does, so
`devices_to_read_back` finds them later, whichever process marked them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from nocdeck.store.base import StoreBase
from nocdeck.store.events import EventsMixin
from nocdeck.store.history import device_record
from nocdeck.store.models import Backup, DeviceLock, Execution, ExecutionDevice, ExecutionStep
from nocdeck.store.records import (
    DeviceLockRecord,
    DeviceRecord,
    DeviceStatus,
    ExecutionStatus,
    LockAttempt,
    PushOutcome,
    StepStatus,
)
from nocdeck.store.types import utcnow


@dataclass(frozen=True, slots=True)
class LockRequest:
    """One device's lock request in `acquire_locks`."""

    device: str
    holder: str
    lease_seconds: float
    execution_id: str | None = None
    backed_up_since: int | None = None
    """A backup id: also say whether a newer backup of the device exists once it is held."""


def lock_record(row: DeviceLock) -> DeviceLockRecord:
    return DeviceLockRecord(device=row.device, execution_id=row.execution_id, holder=row.holder,
                            pid=row.pid, acquired_at=row.acquired_at,
                            lease_expires_at=row.lease_expires_at)


class LeasesMixin(EventsMixin, StoreBase):
    async def acquire_lock(
        self,
        device: str,
        *,
        holder: str,
        lease_seconds: float,
        execution_id: str | None = None,
        pid: int | None = None,
    ) -> LockAttempt:
        """Take the device's lock, renew our own, or take over an expired one.

        Never waits: when another live holder has it, the answer names that holder and the
        caller decides whether to wait and try again or refuse.
        """
        [(attempt, _)] = await self.acquire_locks(
            [LockRequest(device, holder, lease_seconds, execution_id)], pid=pid)
        return attempt

    async def acquire_lock_checked(self, device: str, *, holder: str, lease_seconds: float,
                                   execution_id: str | None, backed_up_since: int
                                   ) -> tuple[LockAttempt, bool]:
        """`acquire_lock`, and whether a backup of the device newer than `backed_up_since`
        exists (another run locked and changed it since a config was read from it): a run
        that reads a device before it locks it knows, once it holds it, if that read is stale.
        """
        [answer] = await self.acquire_locks(
            [LockRequest(device, holder, lease_seconds, execution_id, backed_up_since)])
        return answer

    async def acquire_locks(self, requests: Sequence[LockRequest], *, pid: int | None = None
                            ) -> list[tuple[LockAttempt, bool]]:
        """`acquire_lock` (and its backup check, for a request with `backed_up_since`) for many
        devices in one transaction: the devices a run starts at once. Per request, in order:
        the attempt and whether a newer backup of the device exists (False when not held)."""
        if not requests:
            return []
        if len({r.device for r in requests}) != len(requests):
            raise ValueError("acquire_locks: one request per device")
        pid = os.getpid() if pid is None else pid
        for _attempt in range(5):
            try:  # on SQLite, whole on the store's writer thread (see _write_whole)
                return await self._write_whole(lambda session: _take_locks(session, requests,
                                                                           pid))
            except IntegrityError:
                continue  # another process inserted a lock between our read and insert
        raise AssertionError("unreachable: a lock row either exists or can be inserted")

    async def renew_locks(self, *, holder: str, lease_seconds: float,
                          execution_id: str | None = None, pid: int | None = None) -> int:
        """Extend every lock this holder still has; how many it still had."""
        pid = os.getpid() if pid is None else pid
        async with self._writing() as session:
            result = await session.execute(
                update(DeviceLock)
                .where(DeviceLock.holder == holder, DeviceLock.pid == pid,
                       DeviceLock.execution_id.is_(None) if execution_id is None
                       else DeviceLock.execution_id == execution_id)
                .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease_seconds)))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def release_lock(self, device: str, *, holder: str, execution_id: str | None = None,
                           pid: int | None = None) -> bool:
        """Give the device back; False when the lock was no longer ours (taken over)."""
        pid = os.getpid() if pid is None else pid
        async with self._writing() as session:
            result = await session.execute(
                delete(DeviceLock)
                .where(DeviceLock.device == device, DeviceLock.holder == holder,
                       DeviceLock.pid == pid,
                       DeviceLock.execution_id.is_(None) if execution_id is None
                       else DeviceLock.execution_id == execution_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get_lock(self, device: str) -> DeviceLockRecord | None:
        async with self._reading() as session:
            row = await session.get(DeviceLock, device)
            return None if row is None else lock_record(row)

    async def list_locks(self) -> list[DeviceLockRecord]:
        async with self._reading() as session:
            rows = await session.scalars(select(DeviceLock).order_by(DeviceLock.device))
            return [lock_record(row) for row in rows]

    async def renew_lease(self, execution_id: str, *, owner: str, lease_seconds: float) -> bool:
        """Extend a run's lease; False when the run is no longer ours or no longer active."""
        async with self._writing() as session:
            result = await session.execute(
                update(Execution)
                .where(Execution.id == execution_id, Execution.owner == owner,
                       Execution.status.in_([ExecutionStatus.PENDING, ExecutionStatus.RUNNING]))
                .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease_seconds)))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_interrupted(self, now: dt.datetime | None = None) -> list[str]:
        """Mark runs whose owner's lease has expired `interrupted`, with their running steps
        and devices; release their locks. Never touches a run whose lease is still live.

        A read first: with nothing to mark (nearly always) it takes no write lock, and a
        store role that may only read (an auditor's) fails only when there is a run to mark.
        """
        now = now or utcnow()
        expired = (Execution.status.in_([ExecutionStatus.PENDING, ExecutionStatus.RUNNING]),
                   Execution.lease_expires_at.is_not(None), Execution.lease_expires_at < now)
        async with self._reading() as session:
            if (await session.scalar(select(Execution.id).where(*expired).limit(1))) is None:
                return []
        marked: list[str] = []
        async with self._writing() as session:
            rows = list(await session.scalars(
                select(Execution).where(*expired).with_for_update(skip_locked=True)))
            for row in rows:
                previous = row.status
                row.status, row.finished_at = ExecutionStatus.INTERRUPTED, now
                lapsed = f"{row.lease_expires_at:%Y-%m-%d %H:%M:%S}"
                row.error = row.error or (f"interrupted: {row.owner or 'its process'} stopped "
                                          f"renewing its lease, which ran out at {lapsed} UTC")
                await session.execute(
                    update(ExecutionStep)
                    .where(ExecutionStep.execution_id == row.id,
                           ExecutionStep.status == StepStatus.RUNNING)
                    .values(status=StepStatus.INTERRUPTED, finished_at=now))
                await session.execute(
                    update(ExecutionDevice)
                    .where(ExecutionDevice.execution_id == row.id,
                           ExecutionDevice.status == DeviceStatus.RUNNING)
                    .values(status=DeviceStatus.INTERRUPTED, finished_at=now))
                await session.execute(delete(DeviceLock).where(DeviceLock.execution_id == row.id))
                await self._add_event(session, row.id, "status",
                                      {"from": previous, "to": ExecutionStatus.INTERRUPTED,
                                       "owner": row.owner or ""})
                marked.append(row.id)
        return marked

    async def devices_to_read_back(self) -> list[DeviceRecord]:
        """The `interrupted` devices of interrupted runs with no outcome recorded yet (not
        read back), whoever marked them; without their diff and dialogue. Through the
        executions' status index and the devices' (execution, device) one: it reads only the
        device rows of interrupted runs, which are few, and none when there is none."""
        query = (select(ExecutionDevice)
                 .join(Execution, Execution.id == ExecutionDevice.execution_id)
                 .where(Execution.status == ExecutionStatus.INTERRUPTED,
                        ExecutionDevice.status == DeviceStatus.INTERRUPTED,
                        ExecutionDevice.outcome.is_(None))
                 .order_by(ExecutionDevice.execution_id, ExecutionDevice.position,
                           ExecutionDevice.device)
                 .options(defer(ExecutionDevice.diff), defer(ExecutionDevice.dialogue)))
        async with self._reading() as session:
            rows = list(await session.scalars(query))
        return [device_record(row, texts=False) for row in rows]


    async def claim_read_back(self, execution_id: str, device: str, *, by: str) -> bool:
        """Take the read-back of one interrupted device: True for exactly one caller, however
        many processes start at once (its outcome goes from none to `unknown`, `by` in its
        error until the read-back writes the real outcome)."""
        async with self._writing() as session:
            result = await session.execute(
                update(ExecutionDevice)
                .where(ExecutionDevice.execution_id == execution_id,
                       ExecutionDevice.device == device,
                       ExecutionDevice.outcome.is_(None))
                .values(outcome=PushOutcome.UNKNOWN,
                        error=f"interrupted mid-run; being read back by {by}"))
        return bool(getattr(result, "rowcount", 0) == 1)


def _take_locks(session: Session, requests: Sequence[LockRequest], pid: int
                ) -> list[tuple[LockAttempt, bool]]:
    """`acquire_locks`' transaction (the session's): lock rows read in one order, taken,
    renewed or taken over; then, per taken device, whether a newer backup exists. Core
    statements, one executemany per kind of write (the ORM's unit of work cost ~0.3 ms of
    the store's thread per device)."""
    conn = session.connection()
    now = utcnow()
    rows = {row.device: row for row in conn.execute(
        select(_LOCKS).where(_LOCKS.c.device.in_([r.device for r in requests]))
        .order_by(_LOCKS.c.device).with_for_update())}  # one order: no deadlock
    attempts: list[LockAttempt] = []
    taken: list[dict[str, object]] = []
    renewed: list[dict[str, object]] = []
    created: list[dict[str, object]] = []
    for request in requests:
        expires = now + dt.timedelta(seconds=request.lease_seconds)
        row = rows.get(request.device)
        mine = DeviceLockRecord(request.device, request.execution_id, request.holder, pid,
                                now, expires)
        if row is None:
            created.append({"device": request.device, **_lock_values(mine)})
            attempts.append(LockAttempt(True, mine))
            continue
        held = DeviceLockRecord(row.device, row.execution_id, row.holder, row.pid,
                                row.acquired_at, row.lease_expires_at)
        if (held.execution_id, held.holder, held.pid) == (mine.execution_id, mine.holder, pid):
            renewed.append({"_device": request.device, "lease_expires_at": expires})
            attempts.append(LockAttempt(True, replace(held, lease_expires_at=expires)))
        elif held.lease_expires_at > now:
            attempts.append(LockAttempt(False, held))
        else:
            taken.append({"_device": request.device, **_lock_values(mine)})
            attempts.append(LockAttempt(True, mine, taken_over=held))
    if created:
        conn.execute(_INSERT, created)
    if renewed:
        conn.execute(_RENEW, renewed)
    if taken:
        conn.execute(_TAKE_OVER, taken)
    stale: set[str] = set()
    marks: dict[int, list[str]] = {}
    for request, attempt in zip(requests, attempts, strict=True):
        if attempt.acquired and request.backed_up_since is not None:
            marks.setdefault(request.backed_up_since, []).append(request.device)
    for mark, devices in marks.items():
        stale.update(conn.execute(select(Backup.device).distinct().where(
            Backup.device.in_(devices), Backup.id > mark)).scalars())
    return [(attempt, request.device in stale)
            for request, attempt in zip(requests, attempts, strict=True)]


_LOCKS = cast(Table, DeviceLock.__table__)
_LOCK_COLUMNS = ("execution_id", "holder", "pid", "acquired_at", "lease_expires_at")
_INSERT = insert(_LOCKS)
_RENEW = update(_LOCKS).where(_LOCKS.c.device == bindparam("_device")).values(
    lease_expires_at=bindparam("lease_expires_at", type_=_LOCKS.c.lease_expires_at.type))
_TAKE_OVER = update(_LOCKS).where(_LOCKS.c.device == bindparam("_device")).values(
    {name: bindparam(name, type_=_LOCKS.c[name].type) for name in _LOCK_COLUMNS})


def _lock_values(lock: DeviceLockRecord) -> dict[str, object]:
    """The lock's columns but its device (the key)."""
    return {name: getattr(lock, name) for name in _LOCK_COLUMNS}
