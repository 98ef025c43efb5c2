"""Alembic environment: nocdeck passes in a live connection (see `nocdeck.store.migrate`).

There is no alembic.ini and no offline mode: `nocdeck db upgrade` (or the first use of a
store) runs the migrations on the connection it already holds, inside its transaction.
Imported outside a migration run (a tool walking the package), this module does nothing.
"""

from __future__ import annotations

from alembic import context
from alembic.config import Config

from nocdeck.store.models import Base


def run_migrations(config: Config) -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("nocdeck's migrations run through `nocdeck db upgrade`, "
                           "not alembic's command line")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_config: Config | None = getattr(context, "config", None)
if _config is not None:
    run_migrations(_config)
