"""A run's device records, written by group commit (`engine.groupcommit`): each device
still waits until its own writes are committed before its next action (the record is never
behind the device), but the devices that ask at once share one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nocdeck.engine.groupcommit import GroupCommit
from nocdeck.errors import StoreError
from nocdeck.store import Store
from nocdeck.store.progress import DeviceProgress

T = TypeVar("T")


class RecordWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.gate = asyncio.Lock()
        """Held while this run writes: the run's other writes (locks) take turns with it."""
        self._batches: GroupCommit[DeviceProgress, StoreError | None] = GroupCommit(
            store.record_progress, self.gate)

    async def write(self, progress: DeviceProgress) -> None:
        """Commit `progress` (with whatever else is waiting); StoreError when it failed."""
        if not progress:
            return
        error = await self._batches.submit(progress)
        if error is not None:
            raise error

    async def exclusive(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run one store call of the run's between two group commits."""
        async with self.gate:
            return await work()
