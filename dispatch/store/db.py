"""Engines and sessions for SQLite (embedded default) and PostgreSQL (by URL).

SQLite gets ``BEGIN IMMEDIATE`` for every writing transaction, after its turn in a
:class:`~dispatch.store.writers.WriterQueue`, so that writers queue instead of failing half-way
with "database is locked" when two requests race for the same row; read-only work
(``reader(engine)``) begins deferred and, with WAL, never waits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, Select, create_engine, event, inspect, make_url
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from dispatch.errors import InvalidInput, NotFound
from dispatch.store.writers import WriterQueue

Row = TypeVar("Row")

DEFAULT_DATABASE_URL = "sqlite:///dispatch.sqlite3"
SQLITE_BUSY_TIMEOUT_S = 30


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """Create an engine for ``url``; ``schema`` puts PostgreSQL tables in that schema (tests)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _tune_sqlite(engine)
        return engine
    # psycopg prepares a statement on its 5th run, and PostgreSQL then settles on a generic
    # plan costed with the statistics of that moment: a table that was nearly empty then (a
    # fresh database, the start of a large import) keeps a sequential scan as it grows, and a
    # 600,000-unit import went quadratic (182,000 rows: 348 s; custom plans: 25 s).
    options = ["-cplan_cache_mode=force_custom_plan"]
    if schema is not None:
        options.append(f"-csearch_path={schema}")
    connect_args: dict[str, Any] = {"options": " ".join(options)}
    return create_engine(url, connect_args=connect_args, pool_size=10, max_overflow=20)


def open_engine(url: str, *, schema: str | None = None, field: str) -> Engine:
    """:func:`make_engine`, connected once, so that a bad URL, a missing directory, a server
    that does not answer or a file that is not a database fails here, in one sentence.

    Raises
    ------
    InvalidInput
        Naming ``field`` (where the URL came from) and why the database cannot be opened.
    """
    try:
        engine = make_engine(url, schema=schema)
    except (ArgumentError, ImportError, OSError, ValueError) as exc:
        raise InvalidInput(field, _why_not(url, exc)) from None
    try:
        with engine.connect():
            pass
    except (DBAPIError, OSError) as exc:
        engine.dispose()
        raise InvalidInput(field, _why_not(url, exc)) from None
    return engine


def schema_exists(engine: Engine, schema: str) -> bool:
    """Whether PostgreSQL has ``schema`` (its tables go there); other databases ignore it."""
    if engine.dialect.name != "postgresql":
        return True
    return schema in inspect(engine).get_schema_names()


def _why_not(url: str, exc: Exception) -> str:
    """One line on why ``url`` cannot be opened (its password hidden)."""
    if isinstance(exc, NoSuchModuleError):
        scheme = url.partition(":")[0]
        return f"unknown database kind {scheme!r} (use sqlite:///PATH or postgresql+psycopg://...)"
    if isinstance(exc, ArgumentError | ValueError):
        return "not a database URL (use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)"
    shown = make_url(url).render_as_string(hide_password=True)
    if isinstance(exc, ImportError):
        return f"cannot open {shown}: its driver {exc.name!r} is not installed"
    if isinstance(exc, OSError) and exc.filename:
        detail = f"{exc.strerror}: {exc.filename}"
    else:
        detail = str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)
    return f"cannot open {shown}: {' '.join(detail.split())}"


def _tune_sqlite(engine: Engine) -> None:
    writers = WriterQueue(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        if not connection.info.get(_HOLDS_WRITERS):
            writers.acquire()
            connection.info[_HOLDS_WRITERS] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_HOLDS_WRITERS, False):
            writers.release()


_HOLDS_WRITERS = "dispatch_holds_writers_lock"


READ_ONLY = "dispatch_read_only"


def reader(engine: Engine) -> Engine:
    """The same engine (and pool) for transactions that only read: no write lock on SQLite."""
    return engine.execution_options(**{READ_ONLY: True})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so handlers can read what they wrote."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session


class UtcDateTime(TypeDecorator[datetime]):
    """An aware instant stored as UTC; read back aware on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002  (same on every dialect; the signature is SQLAlchemy's)
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upsert_many(
    session: Session,
    model: type[Any],
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``rows`` into ``model``'s table, or on a key clash set the ``update`` columns.

    One ``INSERT ... ON CONFLICT DO UPDATE`` sent for all rows (SQLite and PostgreSQL both
    have it), instead of a read and a write per row: imports of hundreds of thousands of rows
    then take seconds, and each chunk holds SQLite's write lock only briefly.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert(model) if dialect == "sqlite" else postgresql_insert(model)
    statement = insert.on_conflict_do_update(
        index_elements=list(keys), set_={c: insert.excluded[c] for c in update}
    )
    session.execute(statement, list(rows))


def one_or_not_found(
    session: Session, query: Select[Row], *, kind: str, ident: object, for_update: bool
) -> Row:
    """The single row ``query`` selects, row-locked (PostgreSQL) when about to change.

    Raises
    ------
    NotFound
        Naming ``kind`` and ``ident`` when there is no such row.
    """
    row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise NotFound(kind, str(ident))
    return row
