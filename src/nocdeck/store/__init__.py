"""The audit store: SQLAlchemy tables and repository, on SQLite or PostgreSQL.

Use `await Store.open(url)`; every method is one committed transaction and returns plain
frozen records (`nocdeck.store.records`). No secret is ever written: the text and JSON
columns mask through `nocdeck.redaction` on their way in.

The records, statuses and errors import without SQLAlchemy; `Store` and the rest load
SQLAlchemy when first used. A `nocdeck run` with a host process (`nocdeck.store.remote`)
never loads it in its own process: a third of its start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nocdeck.errors import ExecutionStateConflict
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

if TYPE_CHECKING:
    from nocdeck.store.connect import display_url
    from nocdeck.store.migrate import SCHEMA_REVISION, SchemaUpgrade
    from nocdeck.store.store import Store

_WITH_SQLALCHEMY = {"Store": "nocdeck.store.store", "display_url": "nocdeck.store.connect",
                    "SCHEMA_REVISION": "nocdeck.store.migrate",
                    "SchemaUpgrade": "nocdeck.store.migrate"}


def __getattr__(name: str) -> Any:
    """`Store` and what else needs SQLAlchemy, imported when first asked for."""
    module = _WITH_SQLALCHEMY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

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
