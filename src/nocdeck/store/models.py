"""The store's tables: the records of what happened (DESIGN.md section 3), one schema for
SQLite and PostgreSQL.

Statuses are plain strings checked by the repository (see `records`), so a later issue can
add one without a migration of a database enum. Every text column that can hold config or
device dialogue is `MaskedText`/`MaskedJSON`: no secret reaches the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nocdeck.store.types import MaskedJSON, MaskedText, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer, "sqlite")
"""64-bit ids on PostgreSQL; INTEGER on SQLite so that it is the autoincrementing rowid."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: MaskedJSON(),
                           str: String(200)}


class Execution(Base):
    """One plan or run of a workflow: who asked, what for, how far it got."""

    __tablename__ = "executions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    workflow: Mapped[str] = mapped_column(index=True)
    workflow_version: Mapped[str] = mapped_column(String(40), default="")
    catalog_revision: Mapped[str] = mapped_column(Text, default="")
    request_form: Mapped[str | None]
    inputs: Mapped[dict[str, Any]]
    context: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(24), index=True)
    requested_by: Mapped[str]
    approved_by: Mapped[str | None]
    approved_at: Mapped[dt.datetime | None]
    approval_comment: Mapped[str | None] = mapped_column(MaskedText)
    rejected_by: Mapped[str | None]
    rejected_reason: Mapped[str | None] = mapped_column(MaskedText)
    ticket: Mapped[str | None]
    reason: Mapped[str | None] = mapped_column(MaskedText)
    owner: Mapped[str | None] = mapped_column(String(300))
    lease_expires_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    scheduled_for: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(MaskedText)


class Backup(Base):
    """A device's configuration as read at one moment (masked), with its facts."""

    __tablename__ = "backups"
    __table_args__ = (Index(None, "device", "taken_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device: Mapped[str]
    backup_type: Mapped[str] = mapped_column(String(20), default="config")
    config: Mapped[str] = mapped_column(MaskedText)
    method: Mapped[str] = mapped_column(String(40))
    taken_at: Mapped[dt.datetime]
    facts: Mapped[dict[str, Any]]
    execution_id: Mapped[str | None] = mapped_column(
        ForeignKey("executions.id", ondelete="SET NULL"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    validated: Mapped[bool] = mapped_column(Boolean, default=False)
    restore_count: Mapped[int] = mapped_column(Integer, default=0)


class ExecutionDevice(Base):
    """One target device of an execution: its diff, the lines pushed and what it said."""

    __tablename__ = "execution_devices"
    __table_args__ = (UniqueConstraint("execution_id", "device"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"))
    device: Mapped[str] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(24))
    changed: Mapped[bool] = mapped_column(Boolean, default=False)
    diff: Mapped[str | None] = mapped_column(MaskedText)
    lines_to_push: Mapped[list[str] | None] = mapped_column(MaskedJSON)
    pushed_lines: Mapped[list[str] | None] = mapped_column(MaskedJSON)
    dialogue: Mapped[str | None] = mapped_column(MaskedText)
    backup_before_id: Mapped[int | None] = mapped_column(
        ForeignKey("backups.id", ondelete="SET NULL"))
    backup_after_id: Mapped[int | None] = mapped_column(
        ForeignKey("backups.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(24))
    error: Mapped[str | None] = mapped_column(MaskedText)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class ExecutionStep(Base):
    """One step of an execution, for one device or for the whole run (device is NULL)."""

    __tablename__ = "execution_steps"
    __table_args__ = (Index(None, "execution_id", "step_order"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"))
    device: Mapped[str | None]
    order: Mapped[int] = mapped_column("step_order", Integer)
    name: Mapped[str]
    step_type: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    implementation: Mapped[str | None]
    rendered_content: Mapped[str | None] = mapped_column(MaskedText)
    inputs: Mapped[dict[str, Any] | None]
    outputs: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(MaskedText)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ExecutionEvent(Base):
    """The append-only audit trail of an execution; rows are never updated or deleted."""

    __tablename__ = "execution_events"
    __table_args__ = (UniqueConstraint("execution_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime]
    type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]]


class DeviceLock(Base):
    """Who is changing a device now; a lease that a dead holder cannot renew expires."""

    __tablename__ = "device_locks"

    device: Mapped[str] = mapped_column(primary_key=True)
    execution_id: Mapped[str | None] = mapped_column(
        ForeignKey("executions.id", ondelete="CASCADE"))
    holder: Mapped[str] = mapped_column(String(300))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[dt.datetime]
    lease_expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class SessionRecord(Base):
    """An interactive terminal session to a device; the sessions issue fills it in."""

    __tablename__ = "session_records"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device: Mapped[str] = mapped_column(index=True)
    user: Mapped[str]
    session_type: Mapped[str] = mapped_column(String(20), default="ssh")
    status: Mapped[str] = mapped_column(String(20), default="active")
    started_at: Mapped[dt.datetime] = mapped_column(index=True)
    ended_at: Mapped[dt.datetime | None]
    term_cols: Mapped[int | None] = mapped_column(Integer)
    term_rows: Mapped[int | None] = mapped_column(Integer)
    exit_status: Mapped[int | None] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    redaction_count: Mapped[int] = mapped_column(Integer, default=0)
    transcript_path: Mapped[str | None] = mapped_column(String(1000))
    transcript: Mapped[str | None] = mapped_column(MaskedText)
    commands: Mapped[list[dict[str, Any]] | None] = mapped_column(MaskedJSON)


class ComplianceRun(Base):
    """One compliance check of one device; the compliance issue fills it in."""

    __tablename__ = "compliance_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device: Mapped[str] = mapped_column(index=True)
    check_name: Mapped[str]
    status: Mapped[str] = mapped_column(String(20))
    result_data: Mapped[dict[str, Any] | None]
    remediation_execution_id: Mapped[str | None] = mapped_column(
        ForeignKey("executions.id", ondelete="SET NULL"))
    run_at: Mapped[dt.datetime]
    requested_by: Mapped[str]


class UpgradePlan(Base):
    """A planned or executed OS upgrade of one device; the upgrade issue fills it in."""

    __tablename__ = "upgrade_plans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device: Mapped[str] = mapped_column(index=True)
    current_version: Mapped[str] = mapped_column(String(80))
    target_version: Mapped[str] = mapped_column(String(80))
    workflow: Mapped[str | None]
    status: Mapped[str] = mapped_column(String(20))
    pre_check_results: Mapped[dict[str, Any] | None]
    post_check_results: Mapped[dict[str, Any] | None]
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("backups.id", ondelete="SET NULL"))
    scheduled_for: Mapped[dt.datetime | None]
    execution_id: Mapped[str | None] = mapped_column(
        ForeignKey("executions.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]


class DiscoveryJob(Base):
    """One network discovery run; the discovery issue fills it in."""

    __tablename__ = "discovery_jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    discovery_type: Mapped[str] = mapped_column(String(20))
    config: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    devices_discovered: Mapped[int] = mapped_column(Integer, default=0)
    devices_created: Mapped[int] = mapped_column(Integer, default=0)
    devices_updated: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[dict[str, Any] | None]
    run_at: Mapped[dt.datetime]
    requested_by: Mapped[str]
