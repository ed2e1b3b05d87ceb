"""The API and console served on loopback with the demo world loaded (``dispatch demo --serve``).

A fresh SQLite file gets the schema, an admin key (to import the world and open tickets) and a
dispatcher key (for the console), then the demo world goes in through the ordinary master-data
import, so what the console shows is exactly what the API holds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

from api.config import Settings
from api.console.demo_data import load_demo
from api.main import create_app
from depots.demo_world import DemoWorld
from dispatch.store.db import make_engine, session_factory, transaction
from dispatch.store.keys import Role, create_key
from dispatch.store.migrate import upgrade

STARTUP_TIMEOUT_S = 30.0


@dataclass(slots=True)
class DemoServer:
    """A running server: its URL, the dispatcher's key, and how to stop it."""

    url: str
    dispatcher_key: str
    tickets: list[int]
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        """Ask uvicorn to finish and wait for it."""
        self._server.should_exit = True
        self._thread.join(timeout=STARTUP_TIMEOUT_S)

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C in the terminal)."""
        self._thread.join()


def start(
    database: Path,
    *,
    port: int = 8000,
    tickets: int = 30,
    seed: int = 1,
    world: DemoWorld | None = None,
) -> DemoServer:
    """Start the server on 127.0.0.1:``port`` with the demo world and ``tickets`` open tickets.

    ``database`` is replaced by a fresh SQLite file.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as session:
        admin = create_key(session=session, role=Role.ADMIN, client="demo", now=now)
        dispatcher = create_key(session=session, role=Role.DISPATCHER, client="console", now=now)
    engine.dispose()
    app = create_app(Settings(database_url=url, migrate_on_start=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, headers={"X-API-Key": admin}, timeout=300) as client:
        _wait_until_up(client, server)
        opened = load_demo(client, now, tickets=tickets, seed=seed, world=world)
    return DemoServer(base, dispatcher, opened, server, thread)


def _wait_until_up(client: httpx.Client, server: uvicorn.Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start within {STARTUP_TIMEOUT_S:.0f} s")
        time.sleep(0.05)
    client.get("/v1/health").raise_for_status()
