"""Turn a store URL into an async engine: SQLite tuned for several writers, PostgreSQL
with a bounded connect time, and a URL that is safe to print (password masked).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from nocdeck.errors import StoreError

CONNECT_TIMEOUT = 5.0
"""Seconds to reach a PostgreSQL server before the store is reported unreachable."""
SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another (another nocdeck process) to commit."""
READ_ONLY = "nocdeck_read_only"
"""Execution option: a SQLite transaction that only reads starts with a plain BEGIN."""

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
_PASSWORD_IN_TEXT = re.compile(r"(?<=:)[^@\s]+(?=@)")


def mask_url_text(text: str) -> str:
    """Mask any `user:password@` inside a text, also one that is not a valid URL."""
    return _PASSWORD_IN_TEXT.sub("***", text)


def display_url(url: URL | str) -> str:
    """The URL as shown to a user: never with its password."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return mask_url_text(url)


def parse_store_url(text: str) -> URL:
    """Parse and normalise a store URL (`postgresql://` -> asyncpg, `sqlite:///` -> aiosqlite)."""
    try:
        url = make_url(text.strip())
    except (ArgumentError, ValueError):
        raise StoreError(
            f"invalid store URL {mask_url_text(text)!r}: expected sqlite+aiosqlite:///PATH or "
            "postgresql+asyncpg://USER@HOST:PORT/DATABASE") from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise StoreError(
            f"store URL {display_url(url)}: unsupported database {url.drivername!r}; "
            "use sqlite+aiosqlite:///PATH or postgresql+asyncpg://…")
    url = url.set(drivername=driver)
    if driver.startswith("sqlite"):
        if not url.database or url.database == ":memory:":
            raise StoreError(f"store URL {display_url(url)}: give a file path "
                             "(an in-memory store would forget every record)")
        url = url.set(database=str(Path(url.database).expanduser()))
    return url


def tune_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for writers (on the sync
    engine of an async one, or on a sync engine of its own).

    pysqlite's own transaction handling starts transactions late and as readers; two
    processes that then both try to write deadlock at once instead of waiting. nocdeck
    takes the write lock up front for transactions that write (the SQLAlchemy recipe).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: URL, *, pool_size: int = 10) -> AsyncEngine:
    """An engine for a parsed store URL; no connection is made yet."""
    if url.drivername.startswith("sqlite"):
        path = Path(url.database or "")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"store at {display_url(url)}: cannot create directory {path.parent}: "
                             f"{exc.strerror}") from None
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                                     pool_size=pool_size, max_overflow=pool_size)
        tune_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(
        url,
        connect_args={"timeout": CONNECT_TIMEOUT, "server_settings": {"application_name":
                                                                      "nocdeck"}},
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=CONNECT_TIMEOUT * 6,
    )
