"""The Alembic history builds exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import depots.tables  # noqa: F401  registers the depot tables on the shared metadata
from dispatch.store.migrate import is_current, upgrade
from dispatch.store.tables import Base
from tests import support_db
from tests.support_db import Database

database = support_db.database  # the SQLite + PostgreSQL fixture


def test_migrated_schema_matches_the_declared_tables(database: Database) -> None:
    """No difference between the migrated database and ``Base.metadata``: no forgotten migration."""
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_reports_current(database: Database) -> None:
    """Running the migrations again (as every ``dispatch serve`` start does) is harmless."""
    upgrade(database.engine)
    assert is_current(database.engine)
