"""`Store`: the audit store the engine, the CLI and the TUI share.

`await Store.open(url)` connects (within seconds, or a `StoreError` naming the URL),
migrates a new or older database to this nocdeck's schema, and refuses a newer one.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from nocdeck.errors import StoreError
from nocdeck.store.backups import BackupsMixin
from nocdeck.store.base import describe_failure
from nocdeck.store.connect import (
    CONNECT_TIMEOUT,
    READ_ONLY,
    display_url,
    make_engine,
    parse_store_url,
)
from nocdeck.store.discovery import DiscoveryMixin
from nocdeck.store.executions import ExecutionsMixin
from nocdeck.store.history import HistoryMixin
from nocdeck.store.leases import LeasesMixin
from nocdeck.store.migrate import (
    SCHEMA_REVISION,
    SchemaUpgrade,
    check_not_newer,
    current_revision,
    upgrade,
)
from nocdeck.store.sessions import SessionsMixin

OPEN_TIMEOUT = CONNECT_TIMEOUT * 2
"""Seconds `Store.open` may take in all (connect + schema check) before it gives up."""


async def _prepare_schema(engine: AsyncEngine, shown_url: str, migrate: bool) -> SchemaUpgrade:
    async with engine.execution_options(**{READ_ONLY: True}).connect() as connection:
        revision = await connection.run_sync(current_revision)
    if revision == SCHEMA_REVISION:
        return SchemaUpgrade(revision, revision)
    if migrate:
        async with engine.begin() as connection:
            return await connection.run_sync(upgrade, shown_url)
    check_not_newer(revision, shown_url)
    raise StoreError(f"store at {shown_url} has schema revision {revision or 'none'}, older "
                     f"than this nocdeck ({SCHEMA_REVISION}): run `nocdeck db upgrade`")


class Store(ExecutionsMixin, HistoryMixin, BackupsMixin, LeasesMixin, SessionsMixin,
            DiscoveryMixin):
    """The repository: typed methods, each one committed transaction, plain records back."""

    schema: SchemaUpgrade

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, pool_size: int = 10,
                   open_timeout: float = OPEN_TIMEOUT) -> Store:
        """Connect to the store at `url` and bring its schema up to date (`migrate`)."""
        parsed = parse_store_url(url)
        shown = display_url(parsed)
        engine = make_engine(parsed, pool_size=pool_size)
        try:
            schema = await asyncio.wait_for(_prepare_schema(engine, shown, migrate),
                                            open_timeout)
        except StoreError:
            await engine.dispose()
            raise
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            await engine.dispose()
            raise StoreError(f"store at {shown} is unreachable: {describe_failure(exc)}"
                             ) from None
        store = cls(engine, shown)
        store.schema = schema
        return store

    async def close(self) -> None:
        await self.close_writer()
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()
