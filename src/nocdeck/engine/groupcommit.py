"""Group commit: the store requests that a run's devices make while one transaction is in
flight go into the next one, together; each device still waits for its own answer.

50 devices asking at once cost one transaction, not 50, and the run's own writes never
fight over SQLite's single writer (a writer that finds the file locked sleeps in SQLite's
busy handler). `engine.recorder` batches the records this way, `engine.locks` the locks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

Request = TypeVar("Request")
Answer = TypeVar("Answer")


class GroupCommit(Generic[Request, Answer]):
    """Calls `commit(batch)` (one transaction, one answer per request, in order) with the
    requests waiting; `gate` is held around each call (the run's writes take turns). With
    `key`, a batch holds at most one request per key; the others wait for the next."""

    def __init__(self, commit: Callable[[list[Request]], Awaitable[Sequence[Answer]]],
                 gate: asyncio.Lock, *, key: Callable[[Request], Hashable] | None = None
                 ) -> None:
        self._commit = commit
        self._gate = gate
        self._key = key
        self._queue: list[tuple[Request, asyncio.Future[Answer]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, request: Request) -> Answer:
        """The answer to `request`, committed with whoever asks meanwhile."""
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        return await asyncio.shield(future)

    def _next_batch(self) -> list[tuple[Request, asyncio.Future[Answer]]]:
        queued, self._queue = self._queue, []
        if self._key is None:
            return queued
        batch: list[tuple[Request, asyncio.Future[Answer]]] = []
        seen: set[Hashable] = set()
        for item in queued:
            key = self._key(item[0])
            (self._queue if key in seen else batch).append(item)
            seen.add(key)
        return batch

    async def _drain(self) -> None:
        while self._queue:
            batch = self._next_batch()
            try:
                async with self._gate:
                    answers = await self._commit([request for request, _ in batch])
            except BaseException as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), answer in zip(batch, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
