"""A SQLite store's write transactions, each written whole on the store's writer thread:
session transcript batches, and a run's group commits and lock batches
(`StoreBase._write_whole`).

Through the async engine each statement of a batch is a round trip between the event loop
and aiosqlite's thread (eleven per batch: cursor, execute and close for each statement,
commit, the pool's reset). While a session streams, the loop is busy and the GIL is taken,
so each trip waits its turn: the store fell behind the device (~55 MB/s of transcript on
the bench) and the session waited for it. Here the whole batch, BEGIN IMMEDIATE to COMMIT,
is one call on one thread with its own synchronous connection to the same file, tuned the
same way: one trip per batch. The tables and their column types are the same, so the
columns mask what they are given exactly as through the async engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import URL

from nocdeck.store.connect import SQLITE_BUSY_TIMEOUT_MS, tune_sqlite

T = TypeVar("T")


class ThreadWriter:
    """Runs write transactions on a SQLite file, one at a time, on its own thread (one per
    store: `StoreBase._write_whole`)."""

    def __init__(self, url: URL) -> None:
        self._engine = create_engine(
            url.set(drivername="sqlite"), pool_size=1, max_overflow=0,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        tune_sqlite(self._engine)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="nocdeck-store-writer")

    async def write(self, work: Callable[[Connection], T]) -> T:
        """`work` inside one committed transaction (rolled back if it raises).

        A transaction on the thread cannot be stopped half-way: when the caller is cancelled,
        this still waits for it to end (committed or rolled back) before the cancellation
        goes on, so nobody acts on the store while it is still being written."""

        def transaction() -> T:
            with self._engine.begin() as connection:
                return work(connection)

        done = asyncio.get_running_loop().run_in_executor(self._thread, transaction)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            await asyncio.wait([done])
            raise

    async def close(self) -> None:
        """Close the connection (on the thread that opened it) and end the thread."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self._engine.dispose)
        self._thread.shutdown(wait=False)
