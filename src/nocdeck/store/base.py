"""The store's plumbing shared by each part of the repository: sessions and failures.

Every public method runs in its own transaction, committed before it returns, so a state
change is on disk (and visible to other processes) before the engine takes its next action.
A database that fails or goes away becomes one `StoreError` naming the store (password
masked), never a driver traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from nocdeck.errors import StoreError
from nocdeck.store.connect import READ_ONLY, mask_url_text
from nocdeck.store.transcripts import ThreadWriter

T = TypeVar("T")


def describe_failure(exc: BaseException) -> str:
    """One line saying why the database failed, from the driver's own message."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timed out"
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return mask_url_text(text)


class StoreBase:
    """Holds the engine and opens read or write transactions on it."""

    def __init__(self, engine: AsyncEngine, shown_url: str) -> None:
        self.engine = engine
        self.url = shown_url
        """The store's URL with its password masked: safe to print."""
        self._write_sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)

    def _failure(self, exc: BaseException) -> StoreError:
        return StoreError(f"store at {self.url}: {describe_failure(exc)}")

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits when the block ends (rolls back on an error)."""
        if self._closed:
            raise StoreError(f"store at {self.url} is closed")
        try:
            async with self._write_sessions() as session, session.begin():
                yield session
        except IntegrityError:
            raise
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            raise self._failure(exc) from None

    _writer: ThreadWriter | None = None
    _closed = False

    async def _write_whole(self, work: Callable[[Session], T]) -> T:
        """`work` in one committed transaction, given a synchronous ORM session. On SQLite it
        runs whole on the store's writer thread (`ThreadWriter`): through aiosqlite each of
        its statements would be a round trip to an event loop that, during a run, is busy
        with 50 SSH sessions. On PostgreSQL it runs through `run_sync` on the async engine."""
        if self.engine.dialect.name != "sqlite":
            async with self._writing() as session:
                return await session.run_sync(work)
        if self._writer is None:
            if self._closed:
                raise StoreError(f"store at {self.url} is closed")
            self._writer = ThreadWriter(self.engine.url)
        try:
            return await self._writer.write(lambda conn: work(Session(bind=conn)))
        except IntegrityError:
            raise
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            raise self._failure(exc) from None

    async def close_writer(self) -> None:
        """End the SQLite writer thread, if one was started (`Store.close` calls it); later
        writes are refused, not given a new thread."""
        self._closed = True
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.close()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._read_sessions() as session, session.begin():
                yield session
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            raise self._failure(exc) from None
