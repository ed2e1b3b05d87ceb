"""API fixtures: an app on a fresh database, a frozen clock, one key per role, demo data."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.config import Settings
from api.engine_planner import engine_planner
from api.main import create_app
from api.planning import Planner
from dispatch.store.db import make_engine, transaction
from dispatch.store.keys import Role, create_key
from dispatch.timeparse import WARSAW
from tests.api.planner import NearestDepotPlanner
from tests.support_db import Database, database, sqlite_database, sqlite_template

__all__ = ["database", "sqlite_database"]

DEMO = Path(__file__).resolve().parent / "data"
IMPORT_ORDER = ("contracts", "devices", "depots", "stock", "engineers", "shifts")
START = datetime(2026, 12, 22, 10, 0, tzinfo=WARSAW)  # a Tuesday, inside 8x5 hours


@dataclass
class Clock:
    """A settable "now" for the app, given in UTC as the production clock gives it."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Harness:
    """A test client plus one key per role and handles on the clock and planner."""

    client: TestClient
    db: Database
    clock: Clock
    planner: Planner
    keys: dict[Role, str] = field(default_factory=dict)

    def headers(self, role: Role, **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role], **extra}

    def post(self, path: str, role: Role, json: object = None, **headers: str) -> Response:
        return self.client.post(path, json=json, headers=self.headers(role, **headers))

    def get(self, path: str, role: Role = Role.DISPATCHER, **params: Any) -> Response:
        return self.client.get(path, params=params, headers=self.headers(role))

    def accepted(self, body: dict[str, Any]) -> int:
        """Submit and accept a ticket; return its id."""
        ticket_id: int = self.post("/v1/tickets", Role.TICKETING, body).json()["id"]
        assert self.post(f"/v1/tickets/{ticket_id}/accept", Role.TICKETING, {}).status_code == 200
        return ticket_id

    def planned(self, body: dict[str, Any]) -> dict[str, Any]:
        """Submit, accept and plan a ticket; return the plan."""
        ticket_id = self.accepted(body)
        reply = self.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER)
        assert reply.status_code == 200, reply.text
        plan: dict[str, Any] = reply.json()
        return plan


def make_harness(
    db: Database,
    keys: Mapping[Role, str] | None = None,
    planner: Planner | None = None,
    **settings: object,
) -> Iterator[Harness]:
    """Start the app on ``db`` with a key for every role (made now unless ``keys`` are given),
    planning with ``planner`` (default: the nearest-depot stand-in)."""
    clock = Clock()
    planner = planner or NearestDepotPlanner()
    # no background worker by default: tests run the rounds themselves
    chosen: dict[str, object] = {"outbox_interval_s": 0, "escalation_interval_s": 0, **settings}
    config = Settings(
        database_url=db.url,
        database_schema=db.schema,
        migrate_on_start=False,
        **chosen,  # type: ignore[arg-type]
    )
    app = create_app(config, planner=planner, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        harness = Harness(client, db, clock, planner, dict(keys or {}))
        if keys is None:
            with transaction(db.factory) as session:
                for role in Role:
                    harness.keys[role] = create_key(
                        session=session, role=role, client=f"{role}-client", now=START
                    )
        yield harness


def import_demo(harness: Harness) -> None:
    """Load tests/api/data through the CSV import endpoint."""
    for kind in IMPORT_ORDER:
        reply = harness.client.post(
            f"/v1/import/{kind}",
            content=(DEMO / f"{kind}.csv").read_bytes(),
            headers=harness.headers(Role.ADMIN, **{"Content-Type": "text/csv"}),
        )
        assert reply.status_code == 200, reply.text


@functools.cache
def _demo_template(directory: str) -> tuple[Path, tuple[tuple[Role, str], ...]]:
    """Once per run: a migrated SQLite file with the demo data imported and a key per role."""
    path = Path(directory) / "demo-template.sqlite3"
    shutil.copyfile(sqlite_template(directory), path)
    engine = make_engine(f"sqlite:///{path}")
    for harness in make_harness(Database("sqlite", f"sqlite:///{path}", None, engine)):
        import_demo(harness)
        keys = tuple(harness.keys.items())
    engine.dispose()
    return path, keys


def demo_copy(
    tmp_path: Path, factory: pytest.TempPathFactory, planner: Planner | None
) -> Iterator[Harness]:
    template, keys = _demo_template(str(factory.getbasetemp()))
    path = tmp_path / "dispatch.sqlite3"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    db = Database("sqlite", f"sqlite:///{path}", None, engine)
    yield from make_harness(db, dict(keys), planner)
    engine.dispose()


@pytest.fixture
def api(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """The app on SQLite with the demo master data imported (a copy of a prepared file)."""
    yield from demo_copy(tmp_path, tmp_path_factory, None)


@pytest.fixture
def engine_api(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """As ``api``, planning with the real dispatch engine."""
    yield from demo_copy(tmp_path, tmp_path_factory, engine_planner())


@pytest.fixture
def both_api(database: Database) -> Iterator[Harness]:
    """The app with the demo master data, once on SQLite and once on PostgreSQL (concurrency:
    what SQLite's single writer serialises, PostgreSQL must by its locks)."""
    for harness in make_harness(database):
        import_demo(harness)
        yield harness


@pytest.fixture
def engine_both_api(database: Database) -> Iterator[Harness]:
    """As ``both_api``, planning with the real dispatch engine (field reports: their statements
    differ by database)."""
    for harness in make_harness(database, planner=engine_planner()):
        import_demo(harness)
        yield harness


def second_waits(
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    read: str,
    first: Callable[[], object],
    second: Callable[[], object],
) -> bool:
    """Run ``first`` in a thread and hold it just after its call of ``owner.read`` returns,
    start ``second``, then let both finish: whether ``second`` was still waiting 1.5 s into the
    hold (one that does not wait for ``first``'s transaction is done by then)."""
    done_reading, go_on = threading.Event(), threading.Event()
    real = getattr(owner, read)

    def held(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        if not done_reading.is_set():
            done_reading.set()
            go_on.wait(timeout=10)
        return out

    monkeypatch.setattr(owner, read, held)
    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    assert done_reading.wait(timeout=10)
    two.start()
    two.join(timeout=1.5)
    waited = two.is_alive()
    go_on.set()
    one.join()
    two.join()
    return waited


SOS_TICKET = {
    "contract_number": "C-2026-001",
    "serial": "SN-X465-0001",
    "description": "Switch reboots in a loop",
}
AHB_TICKET = {
    "contract_number": "C-2026-002",
    "serial": "SN-AP-0002",
    "description": "Access point dead",
}
