"""The recorder: masks a live session's streams and writes them to the store as they come.

Events are queued in memory only until the next batch (every `FLUSH_INTERVAL` seconds or
`FLUSH_BYTES` of text, whichever comes first); each batch is one committed transaction. A
session cut off (crash, kill, dropped link) so loses at most the last batch, and a long
session never sits in memory as a whole. A quiet session still writes a heartbeat every
`HEARTBEAT` seconds, so one that stops writing is known to be cut off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from nocdeck.errors import StoreError
from nocdeck.recordings.commands import CommandLog
from nocdeck.redaction import Masked, Redactor, TerminalRedactor
from nocdeck.store.sessions import (
    MARKER_SEPARATOR,
    SessionCommand,
    SessionEvent,
    SessionsMixin,
)
from nocdeck.store.types import utcnow

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.5
FLUSH_BYTES = 256 * 1024
BACKLOG_BYTES = 1024 * 1024
"""Queued text beyond which the session waits for the store (memory stays bounded)."""
HEARTBEAT = 5.0
MARK_INPUT_OFF = "input not recorded (record_input = false)"


class SessionRecorder:
    """Records one session into `store`; call `start`, feed it, then `finish`."""

    def __init__(self, store: SessionsMixin, *, device: str, user: str, platform: str = "",
                 redactor: Redactor, record_input: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.device = device
        self.user = user
        self.record_input = record_input
        self.redactor = redactor
        self.masking = TerminalRedactor(redactor, platform=platform)
        self.commands = CommandLog()
        self.session_id = ""
        self.failure: StoreError | None = None
        """Why recording stopped part-way, if the store failed (the session carries on)."""
        self._clock = clock
        self._t0 = 0.0
        self._seq = 0
        self._events: list[SessionEvent] = []
        self._queued = 0
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._task: asyncio.Task[None] | None = None
        self._last_write = 0.0
        self._closing = False

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self, cols: int, rows: int) -> str:
        """Create the SessionRecord (before any byte flows) and start writing batches."""
        self.session_id = await self.store.start_session(self.device, self.user,
                                                         cols=cols, rows=rows)
        self._t0 = self._clock()
        self._last_write = self._t0
        if not self.record_input:
            self.marker(MARK_INPUT_OFF)
        self._task = asyncio.create_task(self._flush_loop(), name=f"record {self.session_id}")
        return self.session_id

    async def finish(self, *, exit_status: int | None, complete: bool, status: str) -> None:
        """Write what is left and mark the record ended; always runs, also after a failure."""
        self._take(self.masking.release_output(), "o")
        self._take(self.masking.release_input(), "i")
        self._closing = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._flush()
        if self.failure is None:
            try:
                await self.store.finish_session(self.session_id, exit_status=exit_status,
                                                complete=complete, status=status)
            except StoreError as exc:
                self.failure = exc

    async def abandon(self) -> None:
        """Stop writing without marking the record ended (it stays `active`, then stale)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- feeding -------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self._clock() - self._t0

    @property
    def backlogged(self) -> bool:
        return self._queued > BACKLOG_BYTES

    async def drained(self) -> None:
        """Wait until the store has caught up with a backlog."""
        self._drained.clear()
        self._wake.set()
        await self._drained.wait()

    def output(self, text: str) -> None:
        self._take(self.masking.output(text), "o")

    def input(self, text: str) -> None:
        self._take(self.masking.release_output(), "o")
        masked = self.masking.input(text)
        for _ in range(masked.enters):
            self.commands.enter_pressed(utcnow(), self.now)
        self._take(masked, "i")

    def resize(self, cols: int, rows: int) -> None:
        self._event("r", f"{cols}x{rows}")

    def marker(self, label: str) -> None:
        self._event("m", label)

    def _take(self, masked: Masked, kind: str) -> None:
        if masked.text:
            if kind == "o":
                self.commands.output(masked.text)
            if kind == "o" or self.record_input:
                self._event(kind, masked.text)
        if masked.markers:
            self._event("m", MARKER_SEPARATOR.join(masked.markers))

    def _event(self, kind: str, data: str) -> None:
        if self.failure is not None:
            return
        self._events.append(SessionEvent(self._seq, round(self.now, 6), kind, data))
        self._seq += 1
        self._queued += len(data)
        if self._queued >= FLUSH_BYTES:
            self._wake.set()

    # -- writing -------------------------------------------------------------------------
    async def _flush_loop(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_INTERVAL)
            self._wake.clear()
            if not self._events:
                self._take(self.masking.release_output(), "o")
            await self._flush()

    async def _flush(self) -> None:
        heartbeat_due = self._clock() - self._last_write >= HEARTBEAT
        if self.failure is not None:
            self._events.clear()
            self._queued = 0
            self._drained.set()
            return
        fresh = [c for c in self.commands.commands if not c.stored]
        grown = {c.seq: self.commands.answer_text(c) for c in self.commands.commands
                 if c.stored and c.dirty}
        if not (self._events or fresh or grown or heartbeat_due or self._closing):
            self._drained.set()
            return
        events, self._events, self._queued = self._events, [], 0
        new_commands = [SessionCommand(c.seq, c.at, c.t, c.command, self.commands.answer_text(c))
                        for c in fresh]
        for command in self.commands.commands:
            command.stored, command.dirty = True, False
        try:
            await self.store.append_session(
                self.session_id, events, new_commands=new_commands, answers=grown,
                redaction_count=self.redactor.redactions + self._password_marks(events),
                seen_at=utcnow())
        except StoreError as exc:
            log.warning("recording of session %s stopped: %s", self.session_id, exc)
            self.failure = exc
        self._last_write = self._clock()
        self._drained.set()

    _password_count = 0

    def _password_marks(self, events: list[SessionEvent]) -> int:
        """Password inputs dropped so far: they count as redactions too."""
        self._password_count += sum(
            label.startswith("masked: input") for e in events if e.kind == "m"
            for label in e.data.split(MARKER_SEPARATOR))
        return self._password_count
