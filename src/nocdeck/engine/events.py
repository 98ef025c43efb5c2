"""The engine's events: the only thing the CLI, the TUI and the tests consume from a run.

Every event is a frozen dataclass carrying the execution id, the device it concerns (None for
run-wide events) and a UTC timestamp. The engine emits them to an `EventSink` callback; the
TUI coalesces `LogLine`s per frame, the CLI prints them, tests assert on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class EngineEvent:
    """Base of every event: which execution, which device, when."""

    execution_id: str
    device: str | None = None
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True, kw_only=True)
class RunStarted(EngineEvent):
    workflow: str
    kind: Literal["plan", "run"]
    devices: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class StepStarted(EngineEvent):
    step: str
    step_type: str


@dataclass(frozen=True, kw_only=True)
class StepFinished(EngineEvent):
    step: str
    status: str
    """`completed`, `failed`, `skipped`."""
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class LogLine(EngineEvent):
    """Masked device dialogue or engine commentary: one line, or (received output) the
    lines one read from the device completed, joined by newlines."""

    direction: Literal["sent", "received", "info"]
    text: str


@dataclass(frozen=True, kw_only=True)
class DiffReady(EngineEvent):
    """The planned change for one device: its unified diff and the lines to push."""

    diff: str
    lines_to_push: tuple[str, ...]
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.lines_to_push)


@dataclass(frozen=True, kw_only=True)
class DeviceStatusChanged(EngineEvent):
    status: str


@dataclass(frozen=True, kw_only=True)
class ApprovalNeeded(EngineEvent):
    workflow: str
    requested_by: str


@dataclass(frozen=True, kw_only=True)
class LockWaiting(EngineEvent):
    """The device is being changed by another run; this one waits (or is refused)."""

    holder: str
    holder_execution: str | None
    since: datetime


@dataclass(frozen=True, kw_only=True)
class CanaryDone(EngineEvent):
    """The canary devices finished; the run pauses for confirmation (or goes on)."""

    devices: tuple[str, ...]
    failed: int


@dataclass(frozen=True, kw_only=True)
class RunFinished(EngineEvent):
    status: str
    """The execution's final status (`planned`, `completed`, `failed`, …)."""
    error: str | None = None


EventSink = Callable[[EngineEvent], None]
"""Where the engine sends events; must be cheap and must not raise."""


def discard(event: EngineEvent) -> None:
    """An EventSink that drops everything (headless callers that only want the result)."""
