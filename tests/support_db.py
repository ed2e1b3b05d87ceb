"""Database fixtures shared by the store, stock and API tests: SQLite always, PostgreSQL if up.

Each test gets an empty, migrated database: a copy of a once-migrated SQLite file, or a fresh
PostgreSQL schema that is dropped afterwards. PostgreSQL cases are skipped, with the reason
shown, when no server answers at ``DISPATCH_TEST_PG_URL`` (default: 127.0.0.1:5432, db test).
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from dispatch.store.db import make_engine, session_factory
from dispatch.store.migrate import upgrade

PG_URL = os.environ.get("DISPATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@functools.cache
def pg_unavailable(url: str = PG_URL) -> str | None:
    """Why PostgreSQL cannot be used at ``url``, or None when the server answers."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"no PostgreSQL at {url}: {type(exc).__name__}"
    return None


@dataclass(frozen=True)
class Database:
    """A migrated, empty database for one test."""

    kind: str
    url: str
    schema: str | None
    engine: Engine

    @property
    def factory(self) -> sessionmaker[Session]:
        return session_factory(self.engine)


@functools.cache
def sqlite_template(directory: str) -> Path:
    """Once per run: an empty SQLite file migrated to the newest revision."""
    path = Path(directory) / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _pg_admin(action: str) -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(action))
    engine.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """An empty migrated database, once on SQLite and once on PostgreSQL."""
    yield from _database(request.param, tmp_path, tmp_path_factory)


@pytest.fixture
def sqlite_database(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """An empty migrated SQLite database (for tests whose logic does not depend on the engine)."""
    yield from _database("sqlite", tmp_path, tmp_path_factory)


def _database(kind: str, tmp_path: Path, factory: pytest.TempPathFactory) -> Iterator[Database]:
    if kind == "sqlite":
        template = sqlite_template(str(factory.getbasetemp()))
        path = tmp_path / "dispatch.sqlite3"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        yield Database(kind, url, None, engine)
        engine.dispose()
        return
    reason = pg_unavailable()
    if reason is not None:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE SCHEMA {schema}")
    engine = make_engine(PG_URL, schema=schema)
    try:
        upgrade(engine)
        yield Database(kind, PG_URL, schema, engine)
    finally:
        engine.dispose()
        _pg_admin(f"DROP SCHEMA {schema} CASCADE")
