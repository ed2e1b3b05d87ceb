"""The app served by uvicorn on loopback in a background thread, with demo data and keys.

A thread (not a subprocess) so the test can freeze the app's clock and use the real engine.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from api.config import Settings
from api.console.demo_data import load_demo as load_world_demo
from api.console.demo_data import subset
from api.engine_planner import engine_planner
from api.main import create_app
from api.planning import Planner
from depots.demo_world import load
from dispatch.store.db import make_engine, transaction
from dispatch.store.keys import Role, create_key
from tests.api.conftest import DEMO, IMPORT_ORDER, START, Clock
from tests.api.live import free_port
from tests.support_db import Database, sqlite_template


@dataclass
class Console:
    """A running server: its base URL, one key per role and the app's clock."""

    base: str
    clock: Clock
    keys: dict[Role, str] = field(default_factory=dict)

    def call(self, method: str, path: str, role: Role, body: object = None) -> httpx.Response:
        headers = {"X-API-Key": self.keys[role]}
        return httpx.request(method, self.base + path, json=body, headers=headers, timeout=30)

    def ok(self, method: str, path: str, role: Role, body: object = None) -> dict[str, Any]:
        reply = self.call(method, path, role, body)
        assert reply.is_success, reply.text
        data: dict[str, Any] = reply.json()
        return data


@contextmanager
def serve(database: Database, planner: Planner | None = None) -> Iterator[Console]:
    """Run the console's app on an empty migrated database with the real engine (or
    ``planner``) and a frozen clock."""
    clock = Clock()
    settings = Settings(database_url=database.url, outbox_interval_s=0, migrate_on_start=False)
    app = create_app(settings, planner=planner or engine_planner(), clock=clock)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="console-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console's server did not start within 30 s")
        time.sleep(0.05)
    console = Console(f"http://127.0.0.1:{port}", clock)
    with transaction(database.factory) as session:
        for role in Role:
            console.keys[role] = create_key(session=session, role=role, client=role, now=START)
    try:
        yield console
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def fresh_sqlite(directory: Path) -> Database:
    """An empty migrated SQLite database in ``directory`` (a copy of the run's template)."""
    path = directory / "console.sqlite3"
    shutil.copyfile(sqlite_template(str(directory)), path)
    url = f"sqlite:///{path}"
    return Database("sqlite", url, None, make_engine(url))


def shift_world(
    console: Console, *, sites: int, tickets: int, confirmed: int
) -> tuple[list[int], list[int]]:
    """Part of the demo world with ``tickets`` open tickets; the ``confirmed`` most urgent
    plannable ones planned and confirmed with the real engine. Returns (tickets, confirmed)."""
    world = subset(load(), sites, seed=3)
    headers = {"X-API-Key": console.keys[Role.ADMIN]}
    with httpx.Client(base_url=console.base, headers=headers, timeout=60) as client:
        ids = load_world_demo(client, console.clock.now, tickets=tickets, seed=2, world=world)
    queue = console.ok("GET", "/console/api/queue", Role.DISPATCHER)["tickets"]
    done: list[int] = []
    for row in queue:
        if row["state"] in ("on_track", "at_risk") and len(done) < confirmed:
            plan = console.ok("POST", f"/v1/tickets/{row['id']}/plan", Role.DISPATCHER)
            console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
            done.append(int(row["id"]))
    return ids, done


def load_demo(console: Console) -> None:
    """Import tests/api/data through the CSV import endpoint."""
    for kind in IMPORT_ORDER:
        reply = httpx.post(
            f"{console.base}/v1/import/{kind}",
            content=(DEMO / f"{kind}.csv").read_bytes(),
            headers={"X-API-Key": console.keys[Role.PLANNER], "Content-Type": "text/csv"},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text


def open_ticket(
    console: Console, contract: str, serial: str, *, accepted_ago: timedelta | None
) -> int:
    """Submit a ticket and accept it ``accepted_ago`` before now (None: leave it submitted)."""
    now: datetime = console.clock.now
    submitted = now - (accepted_ago or timedelta()) - timedelta(minutes=5)
    body = {"contract_number": contract, "serial": serial, "submitted_at": submitted.isoformat()}
    ticket = console.ok("POST", "/v1/tickets", Role.TICKETING, body)
    ticket_id = int(str(ticket["id"]))
    if accepted_ago is not None:
        at = {"accepted_at": (now - accepted_ago).isoformat()}
        console.ok("POST", f"/v1/tickets/{ticket_id}/accept", Role.TICKETING, at)
    return ticket_id
