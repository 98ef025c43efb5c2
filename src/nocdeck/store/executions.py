"""Executions, their target devices and steps: created, advanced and read back.

Each method is one committed transaction. A status change takes the execution's row lock
(PostgreSQL `FOR UPDATE`; SQLite's writer lock) and can require the status it expects, so
two processes that approve the same run at once cannot both start it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nocdeck.errors import StoreError
from nocdeck.redaction import GLOBAL_REDACTOR, MASK_CHAR
from nocdeck.store.base import StoreBase
from nocdeck.store.events import EventsMixin
from nocdeck.store.history import execution_record
from nocdeck.store.ids import new_id
from nocdeck.store.models import Execution, ExecutionDevice, ExecutionStep
from nocdeck.store.progress import ProgressMixin
from nocdeck.store.records import (
    FINISHED_STATUSES,
    DeviceChange,
    DeviceStatus,
    DeviceSummary,
    ExecutionKind,
    ExecutionRecord,
    ExecutionStatus,
    NewStep,
    StepStatus,
)
from nocdeck.store.rows import check_value, device_values, step_update, step_values
from nocdeck.store.types import utcnow

CREDENTIAL_PREFIX = "cred:"


class ExecutionStateConflict(StoreError):
    """The execution is not in the status the caller expected (someone else moved it)."""

    def __init__(self, execution_id: str, actual: str, expected: Collection[str]) -> None:
        self.execution_id = execution_id
        self.actual = actual
        wanted = " or ".join(sorted(expected))
        super().__init__(f"execution {execution_id} is {actual}, not {wanted}")


def stored_inputs(inputs: Mapping[str, Any], secret_inputs: Collection[str]) -> dict[str, Any]:
    """The inputs as recorded: a secret input keeps only its `cred:` reference, never a value."""
    stored = dict(inputs)
    for name in secret_inputs:
        value = stored.get(name)
        if value is None or (isinstance(value, str) and value.startswith(CREDENTIAL_PREFIX)):
            continue
        if isinstance(value, str):
            GLOBAL_REDACTOR.add_secret(value)
        stored[name] = MASK_CHAR * 8
    return stored


NEVER_STARTED = frozenset({ExecutionStatus.AWAITING_APPROVAL, ExecutionStatus.PENDING,
                           ExecutionStatus.SCHEDULED})
"""A run in one of these has touched no device: rejecting or cancelling it ends its devices
and steps too."""


class ExecutionsMixin(EventsMixin, ProgressMixin, StoreBase):
    async def create_execution(
        self,
        *,
        kind: str,
        workflow: str,
        requested_by: str,
        inputs: Mapping[str, Any],
        secret_inputs: Collection[str] = (),
        workflow_version: str = "",
        catalog_revision: str = "",
        status: str = ExecutionStatus.PENDING,
        devices: Sequence[str] = (),
        request_form: str | None = None,
        ticket: str | None = None,
        reason: str | None = None,
        owner: str | None = None,
        lease_seconds: float | None = None,
        scheduled_for: dt.datetime | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> ExecutionRecord:
        """Record a new plan or run with its target devices (each `pending`)."""
        check_value(kind, ExecutionKind, "execution kind")
        check_value(status, ExecutionStatus, "execution status")
        for _attempt in range(5):
            now = utcnow()
            row = Execution(
                id=new_id("ex", now), kind=kind, workflow=workflow,
                workflow_version=workflow_version, catalog_revision=catalog_revision,
                request_form=request_form, inputs=stored_inputs(inputs, secret_inputs),
                context=dict(context) if context is not None else None,
                status=status, requested_by=requested_by, ticket=ticket, reason=reason,
                owner=owner, created_at=now, scheduled_for=scheduled_for,
                lease_expires_at=(now + dt.timedelta(seconds=lease_seconds)
                                  if lease_seconds is not None else None),
                started_at=now if status == ExecutionStatus.RUNNING else None,
                finished_at=now if status in FINISHED_STATUSES else None,
            )
            try:
                async with self._writing() as session:
                    session.add(row)
                    await session.flush()
                    await self._insert_devices(session, row.id, devices, 0)
                    await self._add_event(session, row.id, "created",
                                          {"kind": kind, "workflow": workflow, "status": status,
                                           "requested_by": requested_by})
            except IntegrityError:
                continue
            return execution_record(row, (DeviceSummary(name, DeviceStatus.PENDING, False)
                                          for name in devices))
        raise StoreError(f"store at {self.url}: could not allocate an execution id")

    async def _insert_devices(self, session: AsyncSession, execution_id: str,
                              names: Sequence[str], start: int) -> None:
        if names:
            await session.execute(insert(ExecutionDevice), [
                {"execution_id": execution_id, "device": name, "position": start + index,
                 "status": DeviceStatus.PENDING, "changed": False}
                for index, name in enumerate(names)])

    async def add_devices(self, execution_id: str, names: Sequence[str]) -> None:
        """Add target devices to an execution (after the ones it has)."""
        async with self._writing() as session:
            await self._locked_execution(session, execution_id)
            count = await session.scalar(select(func.count()).where(
                ExecutionDevice.execution_id == execution_id)) or 0
            await self._insert_devices(session, execution_id, names, count)

    async def _locked_execution(self, session: AsyncSession, execution_id: str) -> Execution:
        row = await session.scalar(
            select(Execution).where(Execution.id == execution_id).with_for_update())
        if row is None:
            raise StoreError(f"no execution {execution_id!r} in store at {self.url}")
        return row

    async def set_status(
        self,
        execution_id: str,
        status: str,
        *,
        expected: Collection[str] | None = None,
        error: str | None = None,
        approved_by: str | None = None,
        approval_comment: str | None = None,
        rejected_by: str | None = None,
        rejected_reason: str | None = None,
        context: Mapping[str, Any] | None = None,
        owner: str | None = None,
        lease_seconds: float | None = None,
    ) -> ExecutionRecord:
        """Move an execution to `status`, committed before this returns.

        With `expected`, refuse (ExecutionStateConflict) unless the execution is in one of
        those statuses: the compare-and-set that makes "exactly one process runs it" true.
        """
        check_value(status, ExecutionStatus, "execution status")
        async with self._writing() as session:
            row = await self._locked_execution(session, execution_id)
            if expected is not None and row.status not in expected:
                raise ExecutionStateConflict(execution_id, row.status, expected)
            now = utcnow()
            previous = row.status
            row.status = status
            if status == ExecutionStatus.RUNNING and row.started_at is None:
                row.started_at = now
            if status in FINISHED_STATUSES:
                row.finished_at = now
            if error is not None:
                row.error = error
            if approved_by is not None:
                row.approved_by, row.approved_at = approved_by, now
                row.approval_comment = approval_comment
            if rejected_by is not None:
                row.rejected_by, row.rejected_reason = rejected_by, rejected_reason
            if context is not None:
                row.context = dict(context)
            if owner is not None:
                row.owner = owner
            if lease_seconds is not None:
                row.lease_expires_at = now + dt.timedelta(seconds=lease_seconds)
            if status in (ExecutionStatus.REJECTED, ExecutionStatus.CANCELLED) \
                    and previous in NEVER_STARTED:
                # Nothing will run: its devices and steps say so, not `pending` forever.
                why = (f"rejected by {rejected_by}: {rejected_reason}" if rejected_by
                       else error or "cancelled")
                await session.execute(
                    update(ExecutionDevice)
                    .where(ExecutionDevice.execution_id == execution_id,
                           ExecutionDevice.status == DeviceStatus.PENDING)
                    .values(status=DeviceStatus.CANCELLED, finished_at=now,
                            error=f"not started: {why}"))
                await session.execute(
                    update(ExecutionStep)
                    .where(ExecutionStep.execution_id == execution_id,
                           ExecutionStep.status == StepStatus.PENDING)
                    .values(status=StepStatus.CANCELLED))
            payload: dict[str, Any] = {"from": previous, "to": status}
            for key, value in (("error", error), ("approved_by", approved_by),
                               ("comment", approval_comment), ("rejected_by", rejected_by),
                               ("reason", rejected_reason), ("owner", owner)):
                if value is not None:
                    payload[key] = value
            await self._add_event(session, execution_id, "status", payload)
            await session.flush()
            return execution_record(row)

    async def update_device(
        self,
        execution_id: str,
        device: str,
        *,
        status: str | None = None,
        changed: bool | None = None,
        diff: str | None = None,
        lines_to_push: Sequence[str] | None = None,
        pushed_lines: Sequence[str] | None = None,
        dialogue: str | None = None,
        append_dialogue: str | None = None,
        backup_before_id: int | None = None,
        backup_after_id: int | None = None,
        outcome: str | None = None,
        error: str | None = None,
        started_at: dt.datetime | None = None,
        finished_at: dt.datetime | None = None,
    ) -> None:
        """Record what happened on one device; arguments left None stay as they are.
        `append_dialogue` adds to the dialogue log (write the intent before the first byte)."""
        change = DeviceChange(device, status=status, changed=changed, diff=diff,
                              lines_to_push=lines_to_push, pushed_lines=pushed_lines,
                              dialogue=dialogue, backup_before_id=backup_before_id,
                              backup_after_id=backup_after_id, outcome=outcome, error=error,
                              started_at=started_at, finished_at=finished_at)
        await self.update_devices(execution_id, [change], append_dialogue=(
            {device: append_dialogue} if append_dialogue is not None else None))

    async def update_devices(self, execution_id: str, changes: Sequence[DeviceChange], *,
                             append_dialogue: Mapping[str, str] | None = None) -> None:
        """Record many devices' results in one transaction (a plan of a thousand devices)."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for change in changes:
            values = device_values(change)
            if values:
                groups.setdefault(tuple(sorted(values)), []).append(
                    {**values, "_device": change.device})
        appends = [{"_device": device, "_text": text}
                   for device, text in (append_dialogue or {}).items()]
        names = {row["_device"] for rows in groups.values() for row in rows}
        names.update(row["_device"] for row in appends)
        if not names:
            return
        table = cast(Table, ExecutionDevice.__table__)
        target = (table.c.execution_id == execution_id) & (table.c.device == bindparam("_device"))
        async with self._writing() as session:
            known = set(await session.scalars(
                select(ExecutionDevice.device).where(ExecutionDevice.execution_id == execution_id,
                                                     ExecutionDevice.device.in_(names))))
            if names - known:
                raise StoreError(f"execution {execution_id} has no device "
                                 f"{min(names - known)!r} in store at {self.url}")
            for keys, rows in groups.items():
                await session.execute(
                    update(table).where(target).values(
                        {key: bindparam(key, type_=table.c[key].type) for key in keys}),
                    rows)
            if appends:
                await session.execute(
                    update(table).where(target).values(dialogue=func.coalesce(
                        table.c.dialogue, "") + bindparam("_text", type_=table.c.dialogue.type)),
                    appends)

    async def add_steps(self, execution_id: str, steps: Sequence[NewStep]) -> list[int]:
        """Record steps (in one transaction, for a thousand devices at once); their ids."""
        now = utcnow()
        rows = [{"execution_id": execution_id, "device": step.device, "order": step.order,
                 "name": step.name, "step_type": step.step_type,
                 "status": check_value(step.status, StepStatus, "step status"),
                 "implementation": step.implementation,
                 "rendered_content": step.rendered_content,
                 "inputs": dict(step.inputs) if step.inputs is not None else None,
                 "attempts": 0, "started_at": now if step.status == StepStatus.RUNNING else None}
                for step in steps]
        if not rows:
            return []
        async with self._writing() as session:
            if self.engine.dialect.name != "sqlite":
                returned = await session.scalars(
                    insert(ExecutionStep).returning(ExecutionStep.id,
                                                    sort_by_parameter_order=True), rows)
                return list(returned)
            # SQLite cannot tie a batched INSERT … RETURNING to its parameters, so SQLAlchemy
            # would send one INSERT per row (3,000 round trips for a plan of 1,000 devices).
            # One executemany instead: under this transaction's write lock each new rowid is
            # the largest so far plus one, so the new ids, in order, are the steps' ids.
            before = await session.scalar(select(func.max(ExecutionStep.id))) or 0
            await session.execute(insert(ExecutionStep), rows)
            ids = list(await session.scalars(
                select(ExecutionStep.id).where(ExecutionStep.id > before)
                .order_by(ExecutionStep.id)))
            if len(ids) != len(rows):
                raise StoreError(f"store at {self.url}: recorded {len(rows)} steps but found "
                                 f"{len(ids)} new step ids")
            return ids

    async def update_step(
        self,
        step_id: int,
        *,
        status: str | None = None,
        implementation: str | None = None,
        rendered_content: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        outputs: Mapping[str, Any] | None = None,
        error: str | None = None,
        attempts: int | None = None,
    ) -> None:
        """Record a step's progress; start and finish times follow from its status."""
        values = step_values(status=status, implementation=implementation,
                             rendered_content=rendered_content, inputs=inputs,
                             outputs=outputs, error=error, attempts=attempts)
        if not values:
            return
        async with self._writing() as session:
            result = await session.execute(step_update(tuple(sorted(values))),
                                           {**values, "_step": step_id})
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise StoreError(f"no execution step {step_id} in store at {self.url}")
