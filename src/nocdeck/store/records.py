"""What the store hands back: plain frozen records, never ORM objects, and the statuses.

Callers (engine, CLI, TUI) get values they can keep after the session is gone and cannot
accidentally write back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ExecutionKind(StrEnum):
    PLAN = "plan"
    RUN = "run"


class ExecutionStatus(StrEnum):
    """The data model's statuses plus `planned`, `rejected` and `interrupted`."""

    PENDING = "pending"
    RUNNING = "running"
    AWAITING_APPROVAL = "awaiting_approval"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PLANNED = "planned"
    REJECTED = "rejected"
    INTERRUPTED = "interrupted"


FINISHED_STATUSES = frozenset({
    ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED,
    ExecutionStatus.PLANNED, ExecutionStatus.REJECTED, ExecutionStatus.INTERRUPTED,
})
"""An execution in one of these has a `finished_at` and will not change by itself."""


class DeviceStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PLANNED = "planned"
    NO_CHANGE = "no_change"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    ROLLED_BACK = "rolled_back"
    INTERRUPTED = "interrupted"


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class PushOutcome(StrEnum):
    """What an interrupted push left on a device, read back after the crash."""

    APPLIED = "applied"
    PARTLY_APPLIED = "partly_applied"
    NOT_APPLIED = "not_applied"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DeviceSummary:
    name: str
    status: str
    changed: bool


@dataclass(frozen=True)
class ExecutionRecord:
    """One plan or run; `devices` is the short form of each target."""

    id: str
    kind: str
    workflow: str
    workflow_version: str
    catalog_revision: str
    request_form: str | None
    inputs: Mapping[str, Any]
    context: Mapping[str, Any] | None
    status: str
    requested_by: str
    approved_by: str | None
    approved_at: dt.datetime | None
    approval_comment: str | None
    rejected_by: str | None
    rejected_reason: str | None
    ticket: str | None
    reason: str | None
    owner: str | None
    lease_expires_at: dt.datetime | None
    created_at: dt.datetime
    scheduled_for: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None
    devices: tuple[DeviceSummary, ...] = ()


@dataclass(frozen=True)
class DeviceRecord:
    """One target device of an execution, in full."""

    execution_id: str
    name: str
    position: int
    status: str
    changed: bool
    diff: str | None
    lines_to_push: tuple[str, ...]
    pushed_lines: tuple[str, ...]
    dialogue: str | None
    backup_before_id: int | None
    backup_after_id: int | None
    outcome: str | None
    error: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class StepRecord:
    id: int
    execution_id: str
    device: str | None
    order: int
    name: str
    step_type: str
    status: str
    implementation: str | None
    rendered_content: str | None
    inputs: Mapping[str, Any] | None
    outputs: Mapping[str, Any] | None
    error: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int


@dataclass(frozen=True)
class ExecutionDetail:
    """An execution with every device and step, for `nocdeck show`."""

    execution: ExecutionRecord
    devices: tuple[DeviceRecord, ...]
    steps: tuple[StepRecord, ...]


@dataclass(frozen=True)
class EventRecord:
    execution_id: str
    seq: int
    at: dt.datetime
    type: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class DeviceChange:
    """What happened on one device of an execution; fields left None stay as they are."""

    device: str
    status: str | None = None
    changed: bool | None = None
    diff: str | None = None
    lines_to_push: Sequence[str] | None = None
    pushed_lines: Sequence[str] | None = None
    dialogue: str | None = None
    backup_before_id: int | None = None
    backup_after_id: int | None = None
    outcome: str | None = None
    error: str | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


@dataclass(frozen=True)
class NewStep:
    """A step to add to an execution (see `Store.add_steps`)."""

    order: int
    name: str
    step_type: str
    device: str | None = None
    status: str = StepStatus.PENDING
    implementation: str | None = None
    rendered_content: str | None = None
    inputs: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BackupSummary:
    id: int
    device: str
    method: str
    taken_at: dt.datetime
    sha256: str
    execution_id: str | None


@dataclass(frozen=True)
class BackupRecord:
    """A stored configuration (masked) with the device facts read with it."""

    id: int
    device: str
    backup_type: str
    method: str
    taken_at: dt.datetime
    config: str
    facts: Mapping[str, Any]
    sha256: str
    execution_id: str | None


@dataclass(frozen=True)
class DeviceLockRecord:
    device: str
    execution_id: str | None
    holder: str
    pid: int
    acquired_at: dt.datetime
    lease_expires_at: dt.datetime


@dataclass(frozen=True)
class LockAttempt:
    """The answer to a lock request: who holds the device now (us, when `acquired`)."""

    acquired: bool
    lock: DeviceLockRecord
    taken_over: DeviceLockRecord | None = field(default=None)
    """The expired lock that was taken over, if any (its holder died)."""
