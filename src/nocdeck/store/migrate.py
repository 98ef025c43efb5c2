"""Bring a store's schema to this nocdeck's revision, or refuse a newer one.

The migrations ship inside the package (`nocdeck/store/migrations`) and run on the
connection nocdeck already holds: no alembic.ini. On PostgreSQL an advisory lock makes two
nocdeck processes that meet a new database at once migrate it one after the other. Alembic
is imported only to migrate: every other start reads the revision with one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from nocdeck.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

SCHEMA_REVISION = "0002"
"""The newest schema revision this nocdeck knows (the head of its migrations)."""
_ADVISORY_LOCK_KEY = 0x6E6F6364  # "nocd"


@dataclass(frozen=True)
class SchemaUpgrade:
    """What `nocdeck db upgrade` (or a store's first use) did."""

    before: str | None
    """The revision found; None for a new, empty database."""
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


VERSION_TABLE = "alembic_version"
"""Alembic's table of the schema revision (its default name, kept by env.py)."""


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "nocdeck.store:migrations")
    return config


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The schema revision recorded in the database (None: a new, empty one)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    revisions = list(connection.exec_driver_sql(
        f"SELECT version_num FROM {VERSION_TABLE}").scalars())
    if len(revisions) > 1:
        raise StoreError(f"the store records several schema revisions ({', '.join(revisions)})"
                         "; it was migrated by something other than nocdeck")
    return str(revisions[0]) if revisions else None


def check_not_newer(revision: str | None, shown_url: str) -> None:
    if revision is not None and revision != SCHEMA_REVISION and revision not in known_revisions():
        raise StoreError(f"store at {shown_url} has schema revision {revision}, newer than this "
                         f"nocdeck ({SCHEMA_REVISION}): upgrade nocdeck")


def upgrade(connection: Connection, shown_url: str) -> SchemaUpgrade:
    """Migrate to the head inside the caller's transaction; refuse a newer schema."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_KEY})")
    before = current_revision(connection)
    if before == SCHEMA_REVISION:
        return SchemaUpgrade(before, before)
    check_not_newer(before, shown_url)
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    return SchemaUpgrade(before, current_revision(connection) or SCHEMA_REVISION)
