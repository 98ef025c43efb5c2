"""Group commit for a run's device records: the writes that devices ask for while one
transaction is in flight go into the next one, together.

Each device still waits until its own writes are committed before its next action (the
record is never behind the device); what changes is that 50 devices waiting at once cost
one transaction, not 50 - and SQLite's single writer is never fought over by the run's own
connections (a writer that finds the file locked sleeps in SQLite's busy handler).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nocdeck.errors import StoreError
from nocdeck.store import Store
from nocdeck.store.progress import DeviceProgress

T = TypeVar("T")


class RecordWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.gate = asyncio.Lock()
        """Held while this run writes: the run's other writes (locks) take turns with it."""
        self._queue: list[tuple[DeviceProgress, asyncio.Future[StoreError | None]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def write(self, progress: DeviceProgress) -> None:
        """Commit `progress` (with whatever else is waiting); StoreError when it failed."""
        if not progress:
            return
        future: asyncio.Future[StoreError | None] = \
            asyncio.get_running_loop().create_future()
        self._queue.append((progress, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        error = await asyncio.shield(future)
        if error is not None:
            raise error

    async def exclusive(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run one store call of the run's between two group commits."""
        async with self.gate:
            return await work()

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                async with self.gate:
                    results = await self.store.record_progress([p for p, _ in batch])
            except BaseException as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
