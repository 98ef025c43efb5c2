"""Coalescing engine events per frame: the engine thread appends, the UI drains at ~20 Hz.

200 devices can send 5,000 log lines a second; posting one Textual message per line would
queue faster than the UI paints. The sink only appends to a list under a lock (cheap, never
raises); the screen's timer swaps the list out and applies a whole batch in one refresh.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nocdeck.engine.events import EngineEvent


class EventBuffer:
    """An EventSink that batches; `drain()` returns everything since the last drain."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[EngineEvent] = []
        self.received = 0

    def __call__(self, event: EngineEvent) -> None:
        with self._lock:
            self._events.append(event)
            self.received += 1

    def drain(self) -> list[EngineEvent]:
        with self._lock:
            events, self._events = self._events, []
        return events
