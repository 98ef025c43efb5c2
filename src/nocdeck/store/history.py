"""Reading executions back: pages of the history, newest first, and one run in full.

Reads never take the writer lock, so `nocdeck executions` on a busy shared store does not
slow a run down.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import fields

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute, defer

from nocdeck.errors import StoreError
from nocdeck.store.base import StoreBase
from nocdeck.store.models import Execution, ExecutionDevice, ExecutionStep
from nocdeck.store.records import (
    DeviceRecord,
    DeviceSummary,
    ExecutionDetail,
    ExecutionRecord,
    StepRecord,
)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matching(column: InstrumentedAttribute[str], value: str, *, any_case: bool = False
              ) -> ColumnElement[bool]:
    """`column == value`, or a glob when it holds `*` or `?`.

    `any_case` globs the same on both databases (ILIKE; SQLite's LIKE ignores ASCII case
    anyway, PostgreSQL's does not).
    """
    if "*" not in value and "?" not in value:
        return column == value
    pattern = _like_escape(value).replace("*", "%").replace("?", "_")
    if any_case:
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None:
        raise StoreError(f"list_executions {name}={moment.isoformat()}: give a timezone "
                         f"(the store keeps UTC timestamps)")
    return moment


def execution_record(row: Execution, devices: Iterable[DeviceSummary] = ()) -> ExecutionRecord:
    values = {f.name: getattr(row, f.name) for f in fields(ExecutionRecord) if f.name != "devices"}
    values["inputs"] = dict(row.inputs or {})
    return ExecutionRecord(**values, devices=tuple(devices))


_DEVICE_TEXTS = ("diff", "dialogue")
"""A device's two large texts: its diff and the whole dialogue with it (two running configs
on a plain change, ~10 KB)."""


def device_record(row: ExecutionDevice, *, texts: bool = True) -> DeviceRecord:
    values = {f.name: getattr(row, f.name) for f in fields(DeviceRecord)
              if f.name not in {"name", "lines_to_push", "pushed_lines", *_DEVICE_TEXTS}}
    for name in _DEVICE_TEXTS:
        values[name] = getattr(row, name) if texts else None
    return DeviceRecord(**values, name=row.device, lines_to_push=tuple(row.lines_to_push or ()),
                        pushed_lines=tuple(row.pushed_lines or ()))


def step_record(row: ExecutionStep) -> StepRecord:
    return StepRecord(**{f.name: getattr(row, f.name) for f in fields(StepRecord)})


class HistoryMixin(StoreBase):
    async def list_executions(
        self,
        *,
        workflow: str | None = None,
        status: str | None = None,
        device: str | None = None,
        kind: str | None = None,
        requested_by: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ExecutionRecord]:
        """One page of executions, newest first, filtered in the query.

        `device` and `requested_by` may be globs (`core-*`, `alice*`); `since` is inclusive
        and `until` exclusive (`created_at` in [since, until)), both timezone-aware.
        """
        stmt = select(Execution)
        if workflow:
            stmt = stmt.where(Execution.workflow == workflow)
        if status:
            stmt = stmt.where(Execution.status == status)
        if kind:
            stmt = stmt.where(Execution.kind == kind)
        if requested_by:
            stmt = stmt.where(_matching(Execution.requested_by, requested_by, any_case=True))
        if since is not None:
            stmt = stmt.where(Execution.created_at >= _aware(since, "since"))
        if until is not None:
            stmt = stmt.where(Execution.created_at < _aware(until, "until"))
        if device:
            stmt = stmt.where(exists().where(ExecutionDevice.execution_id == Execution.id,
                                             _matching(ExecutionDevice.device, device)))
        stmt = (stmt.order_by(Execution.created_at.desc(), Execution.id.desc())
                .limit(limit).offset(offset))
        async with self._reading() as session:
            rows = list(await session.scalars(stmt))
            devices: dict[str, list[DeviceSummary]] = {row.id: [] for row in rows}
            found = await session.execute(
                select(ExecutionDevice.execution_id, ExecutionDevice.device,
                       ExecutionDevice.status, ExecutionDevice.changed)
                .where(ExecutionDevice.execution_id.in_(list(devices)))
                .order_by(ExecutionDevice.position, ExecutionDevice.device))
            for execution_id, name, device_status, changed in found:
                devices[execution_id].append(DeviceSummary(name, device_status, changed))
        return [execution_record(row, devices[row.id]) for row in rows]

    async def resolve_execution_id(self, text: str) -> str:
        """The full id for an id or a unique prefix of one (`ex-20261124-0fj`)."""
        text = text.strip()
        async with self._reading() as session:
            if await session.get(Execution, text) is not None:
                return text
            escaped = _like_escape(text)
            matches = list(await session.scalars(
                select(Execution.id).where(Execution.id.like(f"{escaped}%", escape="\\"))
                .order_by(Execution.id).limit(3)))
        if len(matches) == 1 and len(text) >= 6:
            return matches[0]
        if len(matches) > 1:
            raise StoreError(f"execution id {text!r} is ambiguous: {', '.join(matches)}, …")
        raise StoreError(f"no execution {text!r} in store at {self.url}")

    async def get_execution(self, execution_id: str, *, texts: bool = True) -> ExecutionDetail:
        """An execution with all its devices and steps; StoreError when there is none.

        `texts=False`: without each device's diff and dialogue (None in its record), for the
        engine's own reads of a run's state: they are most of a 200-device run's record
        (2 MB), and reading them took most of the 35 ms of each such read.
        """
        query = select(ExecutionDevice).where(ExecutionDevice.execution_id == execution_id) \
            .order_by(ExecutionDevice.position, ExecutionDevice.device)
        if not texts:
            query = query.options(*(defer(getattr(ExecutionDevice, name))
                                    for name in _DEVICE_TEXTS))
        async with self._reading() as session:
            row = await session.get(Execution, execution_id)
            if row is None:
                raise StoreError(f"no execution {execution_id!r} in store at {self.url}")
            devices = list(await session.scalars(query))
            steps = list(await session.scalars(
                select(ExecutionStep).where(ExecutionStep.execution_id == execution_id)
                .order_by(ExecutionStep.order, ExecutionStep.device, ExecutionStep.id)))
        summaries = [DeviceSummary(d.device, d.status, d.changed) for d in devices]
        return ExecutionDetail(execution=execution_record(row, summaries),
                               devices=tuple(device_record(d, texts=texts) for d in devices),
                               steps=tuple(step_record(s) for s in steps))
