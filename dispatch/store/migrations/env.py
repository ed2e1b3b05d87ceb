"""Alembic environment: runs on a connection handed over by ``dispatch.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import depots.tables  # noqa: F401  registers the depot tables on the shared metadata
from dispatch.store.tables import Base


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("run migrations through dispatch.store.migrate.upgrade(engine)")
_run(_connection)
