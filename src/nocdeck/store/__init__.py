"""The audit store: SQLAlchemy tables and repository, on SQLite or PostgreSQL.

Use `await Store.open(url)`; every method is one committed transaction and returns plain
frozen records (`nocdeck.store.records`). No secret is ever written: the text and JSON
columns mask through `nocdeck.redaction` on their way in.
"""

from __future__ import annotations

from nocdeck.store.connect import display_url
from nocdeck.store.executions import ExecutionStateConflict
from nocdeck.store.migrate import SCHEMA_REVISION, SchemaUpgrade
from nocdeck.store.records import (
    FINISHED_STATUSES,
    BackupRecord,
    BackupSummary,
    DeviceChange,
    DeviceLockRecord,
    DeviceRecord,
    DeviceStatus,
    DeviceSummary,
    EventRecord,
    ExecutionDetail,
    ExecutionKind,
    ExecutionRecord,
    ExecutionStatus,
    LockAttempt,
    NewStep,
    PushOutcome,
    StepRecord,
    StepStatus,
)
from nocdeck.store.store import Store

__all__ = [
    "FINISHED_STATUSES",
    "SCHEMA_REVISION",
    "BackupRecord",
    "BackupSummary",
    "DeviceChange",
    "DeviceLockRecord",
    "DeviceRecord",
    "DeviceStatus",
    "DeviceSummary",
    "EventRecord",
    "ExecutionDetail",
    "ExecutionKind",
    "ExecutionRecord",
    "ExecutionStateConflict",
    "ExecutionStatus",
    "LockAttempt",
    "NewStep",
    "PushOutcome",
    "SchemaUpgrade",
    "StepRecord",
    "StepStatus",
    "Store",
    "display_url",
]
