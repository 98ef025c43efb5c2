"""A new store is migrated on first use; a newer one is refused; a dead one fails fast."""

from __future__ import annotations

import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from nocdeck.errors import StoreError
from nocdeck.store import SCHEMA_REVISION, Store
from nocdeck.store.migrate import head_revision
from nocdeck.store.models import Base
from tests.fixtures.store import sql_rows


def test_the_package_knows_its_own_head_revision() -> None:
    assert head_revision() == SCHEMA_REVISION


async def test_a_new_database_is_migrated_on_first_use(empty_store_url: str) -> None:
    store = await Store.open(empty_store_url)
    try:
        assert (store.schema.before, store.schema.after) == (None, SCHEMA_REVISION)
        async with store.engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
        assert differences == [], "the migrations and the models disagree"
    finally:
        await store.close()
    assert sql_rows(empty_store_url, "SELECT version_num FROM alembic_version") == [
        (SCHEMA_REVISION,)]

    again = await Store.open(empty_store_url)
    await again.close()
    assert (again.schema.before, again.schema.after) == (SCHEMA_REVISION, SCHEMA_REVISION)


async def test_sqlite_store_runs_in_wal_with_foreign_keys(store: Store,
                                                          store_backend: str) -> None:
    if store_backend != "sqlite":
        async with store.engine.connect() as connection:
            assert (await connection.execute(text("SHOW server_version"))).scalar()
        return
    async with store.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() >= 10_000


async def test_a_store_of_a_newer_schema_is_refused(empty_store_url: str) -> None:
    """(A database of its own: the shared test database must stay at our revision.)"""
    store = await Store.open(empty_store_url)
    async with store.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    await store.close()

    with pytest.raises(StoreError) as caught:
        await Store.open(empty_store_url)
    assert str(caught.value) == (f"store at {empty_store_url} has schema revision 9999, newer "
                                 f"than this nocdeck ({SCHEMA_REVISION}): upgrade nocdeck")
    assert caught.value.exit_code == 2
    assert sql_rows(empty_store_url, "SELECT version_num FROM alembic_version") == [("9999",)]


async def test_an_unmigrated_store_without_migration_says_to_upgrade(
        empty_store_url: str) -> None:
    with pytest.raises(StoreError, match=r"older than this nocdeck .*nocdeck db upgrade"):
        await Store.open(empty_store_url, migrate=False)


@pytest.mark.parametrize("url", [
    "postgresql+asyncpg://alice:Pa55-CANARY@127.0.0.1:1/nocdeck",
    "postgresql://alice:Pa55-CANARY@127.0.0.1:1/nocdeck",
])
async def test_an_unreachable_store_fails_fast_and_never_shows_the_password(url: str) -> None:
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        await Store.open(url)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "CANARY" not in message and "Pa55" not in message
    assert message == ("store at postgresql+asyncpg://alice:***@127.0.0.1:1/nocdeck "
                       "is unreachable: connection refused")


@pytest.mark.postgres
async def test_a_missing_postgresql_database_is_named() -> None:
    with pytest.raises(StoreError, match=r'127\.0\.0\.1:5432/no_such_nocdeck_db is unreachable: '
                                         r'database "no_such_nocdeck_db" does not exist'):
        await Store.open("postgresql+asyncpg://postgres:hunter2@127.0.0.1:5432/no_such_nocdeck_db")


@pytest.mark.parametrize(("url", "message"), [
    ("mysql://bob:Secr3tCANARY@127.0.0.1/db",
     "store URL mysql://bob:***@127.0.0.1/db: unsupported database 'mysql'"),
    ("::not a url:CANARY@", "invalid store URL"),
    ("sqlite+aiosqlite://", "give a file path"),
])
async def test_a_bad_store_url_is_named_without_its_password(url: str, message: str) -> None:
    with pytest.raises(StoreError) as caught:
        await Store.open(url)
    assert message in str(caught.value)
    assert "CANARY" not in str(caught.value)


async def test_an_unwritable_sqlite_path_is_named() -> None:
    with pytest.raises(StoreError, match=r"store at sqlite\+aiosqlite:////etc/hostname/x\.db: "
                                         r"cannot create directory /etc/hostname"):
        await Store.open("sqlite+aiosqlite:////etc/hostname/x.db")
