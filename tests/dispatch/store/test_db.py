"""Engines: PostgreSQL statements are planned for their actual values every time."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from depots.tables import StockUnit
from tests import support_db
from tests.support_db import Database

database = support_db.database  # the SQLite + PostgreSQL fixture


def test_postgresql_never_settles_on_a_generic_plan(database: Database) -> None:
    """Issue 18: psycopg prepares a statement on its 5th run and PostgreSQL then keeps a
    generic plan costed on the table as it was: an import's check of its units, run first
    while the table was nearly empty, kept a sequential scan as the import filled it (182,000
    units: 151 s, 135 s of it in that query; 25 s planned afresh). Every run is planned anew."""
    if database.kind != "postgresql":
        pytest.skip("SQLite has no prepared-statement plan cache to go stale")
    columns = (StockUnit.id, StockUnit.depot_id, StockUnit.sku, StockUnit.kind)
    query = select(*columns).where(StockUnit.id.in_([f"U-{n}" for n in range(500)]))
    with database.engine.begin() as connection:  # a few units, as the demo data has
        connection.execute(
            text("INSERT INTO depots (id, name, address, lat, lon) VALUES ('W', 'W', 'a', 52, 21)")
        )
        for n in range(4):
            connection.execute(
                text(
                    "INSERT INTO stock_units (id, depot_id, sku, kind, status) "
                    f"VALUES ('U-{n}', 'W', 'X', 'spare', 'available')"
                )
            )
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE stock_units"))
        for _ in range(20):
            connection.execute(query).all()
        plans = connection.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE '%FROM stock_units%'"
            )
        ).all()
    assert plans, "the query was never prepared"
    assert [(generic, custom >= 5) for generic, custom in plans] == [(0, True)]
