"""Executions, their target devices and steps: created, advanced and read back.

Each method is one committed transaction. A status change takes the execution's row lock
(PostgreSQL `FOR UPDATE`; SQLite's writer lock) and can require the status it expects, so
two processes that approve the same run at once cannot both start it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nocdeck.errors import StoreError
from nocdeck.redaction import GLOBAL_REDACTOR, MASK_CHAR
from nocdeck.store.base import StoreBase
from nocdeck.store.events import EventsMixin
from nocdeck.store.ids import new_id
from nocdeck.store.models import Execution, ExecutionDevice, ExecutionStep
from nocdeck.store.records import (
    FINISHED_STATUSES,
    DeviceRecord,
    DeviceStatus,
    DeviceSummary,
    ExecutionDetail,
    ExecutionKind,
    ExecutionRecord,
    ExecutionStatus,
    NewStep,
    StepRecord,
    StepStatus,
)
from nocdeck.store.types import utcnow

CREDENTIAL_PREFIX = "cred:"


class ExecutionStateConflict(StoreError):
    """The execution is not in the status the caller expected (someone else moved it)."""

    def __init__(self, execution_id: str, actual: str, expected: Collection[str]) -> None:
        self.execution_id = execution_id
        self.actual = actual
        wanted = " or ".join(sorted(expected))
        super().__init__(f"execution {execution_id} is {actual}, not {wanted}")


def _check(value: str, allowed: type[Any], what: str) -> str:
    if value not in {member.value for member in allowed}:
        choices = ", ".join(member.value for member in allowed)
        raise ValueError(f"unknown {what} {value!r}: one of {choices}")
    return value


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


def execution_record(row: Execution, devices: Iterable[DeviceSummary] = ()) -> ExecutionRecord:
    values = {f.name: getattr(row, f.name) for f in fields(ExecutionRecord) if f.name != "devices"}
    values["inputs"] = dict(row.inputs or {})
    return ExecutionRecord(**values, devices=tuple(devices))


def device_record(row: ExecutionDevice) -> DeviceRecord:
    values = {f.name: getattr(row, f.name) for f in fields(DeviceRecord)
              if f.name not in {"name", "lines_to_push", "pushed_lines"}}
    return DeviceRecord(**values, name=row.device, lines_to_push=tuple(row.lines_to_push or ()),
                        pushed_lines=tuple(row.pushed_lines or ()))


def step_record(row: ExecutionStep) -> StepRecord:
    return StepRecord(**{f.name: getattr(row, f.name) for f in fields(StepRecord)})


class ExecutionsMixin(EventsMixin, StoreBase):
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
    ) -> ExecutionRecord:
        """Record a new plan or run with its target devices (each `pending`)."""
        _check(kind, ExecutionKind, "execution kind")
        _check(status, ExecutionStatus, "execution status")
        for _attempt in range(5):
            now = utcnow()
            row = Execution(
                id=new_id("ex", now), kind=kind, workflow=workflow,
                workflow_version=workflow_version, catalog_revision=catalog_revision,
                request_form=request_form, inputs=stored_inputs(inputs, secret_inputs),
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
        _check(status, ExecutionStatus, "execution status")
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
            payload: dict[str, Any] = {"from": previous, "to": status}
            for key, value in (("error", error), ("approved_by", approved_by),
                               ("comment", approval_comment), ("rejected_by", rejected_by),
                               ("reason", rejected_reason), ("owner", owner)):
                if value is not None:
                    payload[key] = value
            await self._add_event(session, execution_id, "status", payload)
            await session.flush()
            return execution_record(row, await self._summaries(session, [execution_id]))

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
        """Record what happened on one device; arguments left None are left as they are."""
        values: dict[str, Any] = {
            key: value for key, value in (
                ("status", status and _check(status, DeviceStatus, "device status")),
                ("changed", changed), ("diff", diff), ("dialogue", dialogue),
                ("lines_to_push", None if lines_to_push is None else list(lines_to_push)),
                ("pushed_lines", None if pushed_lines is None else list(pushed_lines)),
                ("backup_before_id", backup_before_id), ("backup_after_id", backup_after_id),
                ("outcome", outcome), ("error", error), ("started_at", started_at),
                ("finished_at", finished_at),
            ) if value is not None}
        if append_dialogue is not None:
            values["dialogue"] = func.coalesce(ExecutionDevice.dialogue, "") + append_dialogue
        if not values:
            return
        async with self._writing() as session:
            result = await session.execute(
                update(ExecutionDevice)
                .where(ExecutionDevice.execution_id == execution_id,
                       ExecutionDevice.device == device)
                .values(values))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise StoreError(f"execution {execution_id} has no device {device!r} "
                                 f"in store at {self.url}")

    async def add_steps(self, execution_id: str, steps: Sequence[NewStep]) -> list[int]:
        """Record steps (in one transaction, for a thousand devices at once); their ids."""
        now = utcnow()
        async with self._writing() as session:
            rows = [ExecutionStep(
                execution_id=execution_id, device=step.device, order=step.order,
                name=step.name, step_type=step.step_type,
                status=_check(step.status, StepStatus, "step status"),
                implementation=step.implementation, rendered_content=step.rendered_content,
                inputs=dict(step.inputs) if step.inputs is not None else None, attempts=0,
                started_at=now if step.status == StepStatus.RUNNING else None)
                for step in steps]
            session.add_all(rows)
            await session.flush()
            return [row.id for row in rows]

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
        now = utcnow()
        values: dict[str, Any] = {
            key: value for key, value in (
                ("status", status and _check(status, StepStatus, "step status")),
                ("implementation", implementation), ("rendered_content", rendered_content),
                ("inputs", None if inputs is None else dict(inputs)),
                ("outputs", None if outputs is None else dict(outputs)),
                ("error", error), ("attempts", attempts),
            ) if value is not None}
        if status == StepStatus.RUNNING:
            values["started_at"] = func.coalesce(ExecutionStep.started_at, now)
        elif status is not None and status != StepStatus.PENDING:
            values["finished_at"] = now
        if not values:
            return
        async with self._writing() as session:
            result = await session.execute(
                update(ExecutionStep).where(ExecutionStep.id == step_id).values(values))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise StoreError(f"no execution step {step_id} in store at {self.url}")

    async def _summaries(self, session: AsyncSession, ids: Sequence[str]
                         ) -> list[DeviceSummary]:
        rows = await session.execute(
            select(ExecutionDevice.device, ExecutionDevice.status, ExecutionDevice.changed)
            .where(ExecutionDevice.execution_id.in_(ids))
            .order_by(ExecutionDevice.position, ExecutionDevice.device))
        return [DeviceSummary(name, status, changed) for name, status, changed in rows]

    async def list_executions(
        self,
        *,
        workflow: str | None = None,
        status: str | None = None,
        device: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ExecutionRecord]:
        """One page of executions, newest first; `device` may be a glob (`core-*`)."""
        stmt = select(Execution)
        if workflow:
            stmt = stmt.where(Execution.workflow == workflow)
        if status:
            stmt = stmt.where(Execution.status == status)
        if kind:
            stmt = stmt.where(Execution.kind == kind)
        if device:
            target = ExecutionDevice.device == device
            if "*" in device or "?" in device:
                pattern = (device.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                           .replace("*", "%").replace("?", "_"))
                target = ExecutionDevice.device.like(pattern, escape="\\")
            stmt = stmt.where(exists().where(ExecutionDevice.execution_id == Execution.id,
                                             target))
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
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            matches = list(await session.scalars(
                select(Execution.id).where(Execution.id.like(f"{escaped}%", escape="\\"))
                .order_by(Execution.id).limit(3)))
        if len(matches) == 1 and len(text) >= 6:
            return matches[0]
        if len(matches) > 1:
            raise StoreError(f"execution id {text!r} is ambiguous: {', '.join(matches)}, …")
        raise StoreError(f"no execution {text!r} in store at {self.url}")

    async def get_execution(self, execution_id: str) -> ExecutionDetail:
        """An execution with all its devices and steps; StoreError when there is none."""
        async with self._reading() as session:
            row = await session.get(Execution, execution_id)
            if row is None:
                raise StoreError(f"no execution {execution_id!r} in store at {self.url}")
            devices = list(await session.scalars(
                select(ExecutionDevice).where(ExecutionDevice.execution_id == execution_id)
                .order_by(ExecutionDevice.position, ExecutionDevice.device)))
            steps = list(await session.scalars(
                select(ExecutionStep).where(ExecutionStep.execution_id == execution_id)
                .order_by(ExecutionStep.order, ExecutionStep.device, ExecutionStep.id)))
        summaries = [DeviceSummary(d.device, d.status, d.changed) for d in devices]
        return ExecutionDetail(execution=execution_record(row, summaries),
                               devices=tuple(device_record(d) for d in devices),
                               steps=tuple(step_record(s) for s in steps))
