"""A run's device progress, many devices' writes committed in one transaction (group commit).

A 200-device run asks for about seven commits per device (status, steps, backups, dialogue,
lock). The devices that ask while one transaction is in flight are written together in the
next, and that transaction sends one statement per *kind* of write (an executemany), not one
per device and write: a batch of 50 devices costs about six round trips to the database, not
350. On SQLite the whole transaction is one call on the store's writer thread (see
`StoreBase._write_whole`). Each device still waits for its own commit before its
next action.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Update

from nocdeck.errors import StoreError
from nocdeck.store.backups import backup_values
from nocdeck.store.base import StoreBase
from nocdeck.store.models import Backup, DeviceLock
from nocdeck.store.records import DeviceChange
from nocdeck.store.rows import DEVICES, device_update, device_values, step_update, step_values


@dataclass
class DeviceProgress:
    """One device's back-to-back writes (status, steps, dialogue, backups, lock), committed
    together: one transaction instead of one per write."""

    execution_id: str
    device: str
    change: dict[str, Any] = field(default_factory=dict)
    """`update_device` keyword values."""
    append_dialogue: str = ""
    steps: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """(step id, `update_step` keyword values), in order."""
    backups: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Link column (`backup_before_id` / `backup_after_id`) -> (config, method)."""
    release_lock: str | None = None
    """The holder whose lock on the device (this execution's, this process's) is given back."""

    def __bool__(self) -> bool:
        return bool(self.change or self.append_dialogue or self.steps or self.backups
                    or self.release_lock)


class ProgressMixin(StoreBase):
    async def record_progress(self, batch: Sequence[DeviceProgress]) -> list[StoreError | None]:
        """Commit many devices' progress in one transaction (group commit). When that
        transaction fails, each device's writes are tried alone, so a bad write fails only
        its own device: the answer has, per item, None (committed) or its StoreError."""
        if not batch:
            return []
        try:
            await self._write_whole(lambda session: _write_progress(
                session.connection(), batch, self.url))
            return [None] * len(batch)
        except (StoreError, IntegrityError, ValueError) as exc:
            if len(batch) == 1:
                return [exc if isinstance(exc, StoreError) else StoreError(
                    f"store at {self.url}: {exc}")]
        results: list[StoreError | None] = []
        for item in batch:
            results += await self.record_progress([item])
        return results


def _write_progress(conn: Connection, batch: Sequence[DeviceProgress], url: str) -> None:
    for part in _rounds(batch):
        _write_round(conn, part, url)


def _rounds(batch: Sequence[DeviceProgress]) -> list[list[DeviceProgress]]:
    """The batch in parts holding each device at most once, in order (a device's second item
    in the second part, ...): within a part the writes of one device are one row update,
    whatever order the statements take; the parts apply a device's items in order."""
    parts: list[list[DeviceProgress]] = []
    seen: dict[tuple[str, str], int] = {}
    for item in batch:
        key = (item.execution_id, item.device)
        index = seen[key] = seen.get(key, -1) + 1
        if index == len(parts):
            parts.append([])
        parts[index].append(item)
    return parts


def _write_round(conn: Connection, batch: Sequence[DeviceProgress], url: str) -> None:
    changes = [dict(item.change) for item in batch]
    backups = [(index, link, backup_values(item.device, config, method=method,
                                           execution_id=item.execution_id))
               for index, item in enumerate(batch)
               for link, (config, method) in item.backups.items()]
    if backups:
        ids = _insert_backups(conn, [values for _, _, values in backups], url)
        for (index, link, _), backup_id in zip(backups, ids, strict=True):
            changes[index][link] = backup_id
    unchecked = _update_devices(conn, [
        (item, device_values(DeviceChange(item.device, **change)))
        for item, change in zip(batch, changes, strict=True)])
    if unchecked:
        _check_devices(conn, unchecked, url)
    merged: dict[int, dict[str, Any]] = {}
    for item in batch:
        for step_id, step in item.steps:
            merged.setdefault(step_id, {}).update(step_values(**step))
    _executemany_grouped(conn, [({"_step": step_id}, values)
                                for step_id, values in merged.items()], step_update)
    releases = [{"_device": item.device, "_holder": item.release_lock, "_pid": os.getpid(),
                 "_execution": item.execution_id}
                for item in batch if item.release_lock is not None]
    if releases:
        conn.execute(_RELEASE_LOCK, releases)


_RELEASE_LOCK = delete(DeviceLock).where(
    DeviceLock.device == bindparam("_device"), DeviceLock.holder == bindparam("_holder"),
    DeviceLock.pid == bindparam("_pid"), DeviceLock.execution_id == bindparam("_execution"))


def _update_devices(conn: Connection, rows: Sequence[tuple[DeviceProgress, dict[str, Any]]]
                    ) -> list[DeviceProgress]:
    """UPDATE each device's row once (its columns and its dialogue's append together), one
    executemany per shape; the items whose device row is not known to exist afterwards: not
    updated at all, or in a statement whose row count does not say that every device was
    found (PostgreSQL's executemany does not count). `rows`: one item per device."""
    groups: dict[tuple[tuple[str, ...], bool], list[dict[str, Any]]] = {}
    members: dict[tuple[tuple[str, ...], bool], list[DeviceProgress]] = {}
    unchecked: list[DeviceProgress] = []
    for item, values in rows:
        if not values and not item.append_dialogue:
            unchecked.append(item)
            continue
        shape = (tuple(sorted(values)), bool(item.append_dialogue))
        params = {**values, "_execution": item.execution_id, "_device": item.device}
        if item.append_dialogue:
            params["_text"] = item.append_dialogue
        groups.setdefault(shape, []).append(params)
        members.setdefault(shape, []).append(item)
    dialect = conn.dialect
    for shape, sets in groups.items():
        result = conn.execute(device_update(*shape), sets)
        counted = (dialect.supports_sane_multi_rowcount if len(sets) > 1
                   else dialect.supports_sane_rowcount)
        # (execution_id, device) is unique: each parameter set updates at most one row.
        if not counted or result.rowcount != len(sets):
            unchecked += members[shape]
    return unchecked


def _insert_backups(conn: Connection, rows: list[dict[str, Any]], url: str) -> list[int]:
    """Insert backups; their ids, in the order of `rows`."""
    if conn.dialect.name != "sqlite":
        return [int(row[0]) for row in conn.execute(_INSERT_BACKUPS_RETURNING, rows)]
    # SQLite cannot tie a batched INSERT … RETURNING to its parameters; under this
    # transaction's write lock (BEGIN IMMEDIATE) the new rowids follow the largest one.
    before = conn.execute(_NEWEST_BACKUP).scalar() or 0
    conn.execute(_INSERT_BACKUPS, rows)
    ids = list(conn.execute(_BACKUPS_SINCE, {"_before": before}).scalars())
    if len(ids) != len(rows):
        raise StoreError(f"store at {url}: stored {len(rows)} backups but found "
                         f"{len(ids)} new backup ids")
    return ids


# Built once: building a statement costs more than SQLite takes to run these (~70 us each).
_INSERT_BACKUPS = insert(Backup)
_INSERT_BACKUPS_RETURNING = insert(Backup).returning(Backup.id, sort_by_parameter_order=True)
_NEWEST_BACKUP = select(func.max(Backup.id))
_BACKUPS_SINCE = select(Backup.id).where(Backup.id > bindparam("_before")).order_by(Backup.id)


def _check_devices(conn: Connection, batch: Sequence[DeviceProgress], url: str) -> None:
    """Refuse progress for a device the execution does not target."""
    wanted = {(item.execution_id, item.device) for item in batch}
    found = {(str(execution_id), str(device)) for execution_id, device in (
        conn.execute(select(DEVICES.c.execution_id, DEVICES.c.device).where(
            DEVICES.c.execution_id.in_(sorted({e for e, _ in wanted})),
            DEVICES.c.device.in_(sorted({d for _, d in wanted})))))}
    missing = sorted(wanted - found)
    if missing:
        execution_id, device = missing[0]
        raise StoreError(f"execution {execution_id} has no device {device!r} in store at {url}")


def _executemany_grouped(conn: Connection,
                         rows: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
                         statement: Callable[[tuple[str, ...]], Update]) -> None:
    """UPDATE rows that set the same columns in one executemany each: (where, values)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for where, values in rows:
        if values:
            groups.setdefault(tuple(sorted(values)), []).append({**values, **where})
    for keys, params in groups.items():
        conn.execute(statement(keys), params)
