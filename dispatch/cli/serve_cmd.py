"""``dispatch serve``, ``dispatch keys create|list|revoke`` and ``dispatch db upgrade``.

The database comes from ``--database-url`` or ``DISPATCH_DATABASE_URL`` (default: the SQLite
file ``dispatch.sqlite3`` in the working directory). Migrations run once before the server
starts, so several workers never race to migrate.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from dispatch.cli import add_topic
from dispatch.errors import InvalidInput
from dispatch.store.db import (
    DEFAULT_DATABASE_URL,
    open_engine,
    schema_exists,
    session_factory,
    transaction,
)
from dispatch.store.keys import Role, create_key, listing, revoke
from dispatch.store.migrate import upgrade

URL_HELP = (
    "SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
    "(default: $DISPATCH_DATABASE_URL, else sqlite:///dispatch.sqlite3)"
)


def register(topics: Any) -> None:
    """Add ``serve``, ``keys create|list|revoke`` and ``db upgrade``."""
    serve = add_topic(topics, "serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--database-url", help=URL_HELP)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(handler=_serve)

    keys = add_topic(topics, "keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print it (shown once)")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--client", help="calling system's name (default: the role name)")
    create.add_argument("--database-url", help=URL_HELP)
    create.set_defaults(handler=_create_key)
    listed = key_commands.add_parser("list", help="list keys: prefix, client, role, created, state")
    listed.add_argument("--database-url", help=URL_HELP)
    listed.set_defaults(handler=_list_keys)
    gone = key_commands.add_parser("revoke", help="revoke a key; its next request gets 401")
    gone.add_argument("prefix", help="the key's prefix (the part after 'dpl_', see 'keys list')")
    gone.add_argument("--database-url", help=URL_HELP)
    gone.set_defaults(handler=_revoke_key)

    db = add_topic(topics, "db")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser("upgrade", help="apply all migrations")
    up.add_argument("--database-url", help=URL_HELP)
    up.set_defaults(handler=_upgrade)


def _url(args: argparse.Namespace) -> str:
    url: str = args.database_url or os.environ.get("DISPATCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    return url


def _engine(args: argparse.Namespace) -> Engine:
    """The migrated database of ``--database-url`` (PostgreSQL schema from
    ``DISPATCH_DATABASE_SCHEMA``); one that cannot be opened is refused naming where its URL
    came from: the flag, else the environment variable.
    """
    from_env = not args.database_url and os.environ.get("DISPATCH_DATABASE_URL")
    field = "DISPATCH_DATABASE_URL" if from_env else "--database-url"
    schema = os.environ.get("DISPATCH_DATABASE_SCHEMA") or None
    engine = open_engine(_url(args), schema=schema, field=field)
    if schema is not None and not schema_exists(engine, schema):
        engine.dispose()
        raise InvalidInput(
            "DISPATCH_DATABASE_SCHEMA",
            f"no schema {schema!r} in that database (CREATE SCHEMA first)",
        )
    upgrade(engine)
    return engine


def _upgrade(args: argparse.Namespace) -> int:
    engine = _engine(args)
    engine.dispose()
    print(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")
    return 0


def _create_key(args: argparse.Namespace) -> int:
    role = Role.parse(args.role)
    client = role.value if args.client is None else args.client.strip()
    if not client:
        raise InvalidInput("--client", "must not be empty (omit it to use the role name)")
    engine = _engine(args)
    with transaction(session_factory(engine)) as session:
        key = create_key(session=session, role=role, client=client, now=datetime.now(UTC))
    engine.dispose()
    print(key)
    return 0


def _list_keys(args: argparse.Namespace) -> int:
    engine = _engine(args)
    with transaction(session_factory(engine)) as session:
        keys = listing(session)
        width = max((len(k.prefix) for k in keys), default=6)
        print(f"{'prefix':<{width}}  {'client':<20} {'role':<10} {'created':<10}  state")
        for key in keys:
            state = "active" if key.revoked_at is None else f"revoked {key.revoked_at:%Y-%m-%d}"
            print(
                f"{key.prefix:<{width}}  {key.client:<20} {key.role:<10} "
                f"{key.created_at:%Y-%m-%d}  {state}"
            )
    engine.dispose()
    return 0


def _revoke_key(args: argparse.Namespace) -> int:
    engine = _engine(args)
    with transaction(session_factory(engine)) as session:
        found = revoke(session=session, prefix=args.prefix, now=datetime.now(UTC))
    engine.dispose()
    if not found:
        raise InvalidInput(
            "prefix", f"no key with prefix {args.prefix!r} (see 'dispatch keys list')"
        )
    print(f"key {args.prefix} revoked")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # imported here: the other commands do not need the server stack

    if not 0 < args.port < 65536:
        raise InvalidInput("--port", f"must be 1..65535, got {args.port}")
    if args.workers < 1:
        raise InvalidInput("--workers", f"must be >= 1, got {args.workers}")
    from api.config import Settings

    settings = Settings()
    if settings.clock_control and settings.production:
        raise InvalidInput(
            "DISPATCH_CLOCK_CONTROL", "is refused in production (DISPATCH_PRODUCTION)"
        )
    if settings.clock_control and args.workers > 1:
        raise InvalidInput("--workers", "the settable clock lives in one process: run one worker")
    engine = _engine(args)
    engine.dispose()
    _check_port_free(args.host, args.port)
    os.environ["DISPATCH_DATABASE_URL"] = _url(args)
    os.environ["DISPATCH_MIGRATE_ON_START"] = "false"
    base = f"http://{args.host}:{args.port}"
    print(
        f"serving {base} (API {base}/v1, console {base}/console, API docs {base}/v1/docs)\n"
        f"database {engine.url.render_as_string(hide_password=True)}; Ctrl-C stops the server",
        flush=True,
    )
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Refuse in one line, before the server starts, a port another process listens on (the
    server binds the same way: address reuse on, so a port in TIME_WAIT is not refused)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = "already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise InvalidInput("--port", f"{host}:{port}: {reason}") from None
