"""The column values (and UPDATE statements) of an execution's device and step records.

One definition for the single-row methods (`update_device`, `update_step`) and the
group commit (`record_progress`), so both check the same statuses and set the same times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy.sql import Update

from nocdeck.store.models import ExecutionDevice, ExecutionStep
from nocdeck.store.records import DeviceChange, DeviceStatus, PushOutcome, StepStatus
from nocdeck.store.types import utcnow

DEVICES = cast(Table, ExecutionDevice.__table__)
STEPS = cast(Table, ExecutionStep.__table__)

_ALLOWED: dict[type[Any], frozenset[str]] = {}


def check_value(value: str, allowed: type[Any], what: str) -> str:
    """`value` if it is one of the enum `allowed`'s values, else ValueError naming `what`."""
    values = _ALLOWED.get(allowed)
    if values is None:
        values = _ALLOWED[allowed] = frozenset(member.value for member in allowed)
    if value not in values:
        choices = ", ".join(member.value for member in allowed)
        raise ValueError(f"unknown {what} {value!r}: one of {choices}")
    return value


_CHANGE_COLUMNS = tuple(f.name for f in fields(DeviceChange) if f.name != "device")


def device_values(change: DeviceChange) -> dict[str, Any]:
    """The columns a DeviceChange sets (None: left as it is)."""
    values = {name: value for name in _CHANGE_COLUMNS
              if (value := getattr(change, name)) is not None}
    if "status" in values:
        check_value(values["status"], DeviceStatus, "device status")
    if "outcome" in values:
        check_value(values["outcome"], PushOutcome, "push outcome")
    for key in ("lines_to_push", "pushed_lines"):
        if key in values:
            values[key] = list(values[key])
    return values


def step_values(*, status: str | None = None, implementation: str | None = None,
                rendered_content: str | None = None, inputs: Mapping[str, Any] | None = None,
                outputs: Mapping[str, Any] | None = None, error: str | None = None,
                attempts: int | None = None) -> dict[str, Any]:
    """The columns a step's progress sets; its start and finish times follow its status
    (`started_at` only where none is recorded yet: see `step_update`)."""
    now = utcnow()
    values: dict[str, Any] = {
        key: value for key, value in (
            ("status", status and check_value(status, StepStatus, "step status")),
            ("implementation", implementation), ("rendered_content", rendered_content),
            ("inputs", None if inputs is None else dict(inputs)),
            ("outputs", None if outputs is None else dict(outputs)),
            ("error", error), ("attempts", attempts),
        ) if value is not None}
    if status == StepStatus.RUNNING:
        values["started_at"] = now
    elif status is not None and status != StepStatus.PENDING:
        values["finished_at"] = now
    return values


@lru_cache(maxsize=256)
def device_update(keys: tuple[str, ...], append_dialogue: bool = False) -> Update:
    """UPDATE one execution's device (`_execution`, `_device`) setting `keys` (bound by
    name): one statement for an executemany over many devices. With `append_dialogue`, the
    same statement also appends `_text` to the dialogue (after `dialogue`, when `keys` sets
    it): one write of the row, not two. Built once per shape (a statement is immutable):
    a group commit reuses it, and SQLAlchemy its compiled form and cache key."""
    values: dict[str, Any] = {key: bindparam(key, type_=DEVICES.c[key].type) for key in keys}
    if append_dialogue:
        dialogue = DEVICES.c.dialogue
        values["dialogue"] = (values.get("dialogue", func.coalesce(dialogue, ""))
                              + bindparam("_text", type_=dialogue.type))
    return update(DEVICES).where(DEVICES.c.execution_id == bindparam("_execution"),
                                 DEVICES.c.device == bindparam("_device")).values(values)


@lru_cache(maxsize=256)
def step_update(keys: tuple[str, ...]) -> Update:
    """UPDATE one step (`_step`) setting `keys` (bound by name); a step keeps its first
    start time (a retried step does not move it). Built once per shape, as `device_update`."""
    values: dict[str, Any] = {}
    for key in keys:
        column = STEPS.c[key]
        value = bindparam(key, type_=column.type)
        values[key] = func.coalesce(column, value) if key == "started_at" else value
    return update(STEPS).where(STEPS.c.id == bindparam("_step")).values(values)
