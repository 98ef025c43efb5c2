"""What a run is asked to do and what it hands back: requests, options, results.

Plain frozen values, so the CLI, the TUI and the tests build and read them the same way; the
options are stored with the execution, so whichever process ends up executing an approved
run executes it the way it was requested.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from nocdeck.errors import BadInput

if TYPE_CHECKING:
    from nocdeck.config import Settings

LockMode = Literal["wait", "refuse"]


def process_owner(settings: Settings) -> str:
    """user:host:pid, the owner a run's lease and a read-back claim name."""
    return f"{settings.user}:{os.uname().nodename}:{os.getpid()}"


def parse_count_or_share(option: str, text: str, *, example: int, least: int
                         ) -> tuple[int | None, float | None]:
    """`N` (a whole device count, at least `least`) or `P%` (a share, at most 100%, more
    than 0% when `least` is set): (count, None) or (None, share); BadInput naming `option`."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*", text)
    if match is None:
        raise BadInput(f"{option} {text!r}: expected a device count ({example}) or a share "
                       "(10%)")
    number, percent = match.groups()
    if percent:
        share = float(number)
        if share > 100 or (least and share <= 0):
            bounds = "more than 0% and at most 100%" if least else "at most 100%"
            raise BadInput(f"{option} {text!r}: a share is {bounds}")
        return None, share
    if "." in number or int(number) < least:
        raise BadInput(f"{option} {text!r}: a device count is a whole number"
                       + (f", at least {least}" if least else ""))
    return int(number), None


@dataclass(frozen=True)
class FailureBudget:
    """`--max-fail N|P%`: once more devices than this have failed, no new device starts."""

    count: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str) -> FailureBudget:
        count, percent = parse_count_or_share("--max-fail", text, example=2, least=0)
        return cls(count=count, percent=percent)

    def exceeded(self, failed: int, total: int) -> bool:
        """Exceeded, not equalled: `--max-fail 1` lets one device fail and stops at two."""
        if self.count is not None:
            return failed > self.count
        if self.percent is not None:
            return failed * 100 > self.percent * total
        return False

    def describe(self) -> str:
        return f"{self.percent:g}%" if self.percent is not None else str(self.count)


@dataclass(frozen=True)
class Batches:
    """`--batch N|P%`: after the canary, the devices change in batches of this many (or this
    share of them), each batch starting once the one before has finished; unset: all at
    once (as many at a time as the concurrency allows)."""

    count: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str | None) -> Batches:
        if text is None or not text.strip():
            return cls()
        count, percent = parse_count_or_share("--batch", text, example=20, least=1)
        return cls(count=count, percent=percent)

    def size(self, total: int) -> int:
        """Devices per batch out of `total` (at least 1; all of them when unset)."""
        if self.count is not None:
            return max(1, self.count)
        if self.percent is not None:
            return max(1, int(total * self.percent / 100))
        return max(1, total)


@dataclass(frozen=True)
class RunOptions:
    concurrency: int | None = None
    """Devices changed at once; None means the settings' `concurrency`."""
    canary: int = 0
    """Change this many devices first, then pause for confirmation (or go on)."""
    max_fail: FailureBudget = field(default_factory=lambda: FailureBudget(count=0))
    batch: Batches = field(default_factory=Batches)
    """After the canary, change the devices in batches, one batch after the other."""
    lock: LockMode = "wait"
    lock_timeout: float = 600.0
    """Seconds to wait for a device another run is changing, in `wait` mode."""
    lease_seconds: float = 30.0
    """How long this process's claim on the run and its device locks lasts unless renewed."""
    retries: int = 2
    """Extra attempts after a transient error (timeout, refused connection)."""
    backoff: float = 0.5
    """Seconds before the first retry; doubled for each next one."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RunOptions:
        data = dict(data or {})
        budget = data.pop("max_fail", None) or {"count": 0}
        batch = data.pop("batch", None) or {}
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known, max_fail=FailureBudget(**budget), batch=Batches(**batch))


@dataclass(frozen=True)
class RunRequest:
    workflow: str
    inputs: Mapping[str, Any]
    devices: Sequence[str] = ()
    filters: Sequence[str] = ()
    requested_by: str = ""
    ticket: str | None = None
    reason: str | None = None
    options: RunOptions = field(default_factory=RunOptions)


@dataclass(frozen=True)
class DeviceResult:
    """How one device ended; `outcome` is set when an interrupted push was read back."""

    name: str
    status: str
    changed: bool
    pushed_lines: tuple[str, ...] = ()
    error: str | None = None
    outcome: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "changed": self.changed,
                "pushed_lines": list(self.pushed_lines), "error": self.error,
                "outcome": self.outcome}


@dataclass(frozen=True)
class RunResult:
    execution_id: str
    workflow: str
    status: str
    devices: tuple[DeviceResult, ...] = ()
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status not in ("completed", "awaiting_approval")

    def as_json(self) -> dict[str, Any]:
        return {"execution_id": self.execution_id, "kind": "run", "workflow": self.workflow,
                "status": self.status, "error": self.error,
                "devices": [d.as_json() for d in self.devices]}


class CancelToken:
    """Ctrl-C or `nocdeck cancel`: stop starting devices; running ones finish or roll back."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.reason = ""

    def cancel(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        await self._event.wait()
