"""Alembic environment: nocdeck passes in a live connection (see `nocdeck.store.migrate`).

There is no alembic.ini and no offline mode: `nocdeck db upgrade` (or the first use of a
store) runs the migrations on the connection it already holds, inside its transaction.
"""

from __future__ import annotations

from alembic import context

from nocdeck.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("nocdeck's migrations run through `nocdeck db upgrade`, not alembic's CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
