"""Issue 18, finding 3: events in order per ticket and per client with several server workers.

On PostgreSQL, one worker delivered 166 pairs out of order and two workers delivered tickets'
``accepted`` before their ``submitted``. Here a real server with two worker processes (each
running the delivery loop) takes tickets from concurrent clients while its receiver fails 20 %
of requests; every event must arrive once, numbered 1, 2, 3, ... in arrival order, and each
ticket's events in the order they happened.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx

from dispatch.store.db import transaction
from dispatch.store.keys import Role, create_key
from tests.api.conftest import AHB_TICKET, DEMO, IMPORT_ORDER
from tests.api.live import live_server
from tests.api.receiver import receiving
from tests.support_db import Database

PRODUCERS = 4
TICKETS_EACH = 5
EVENTS = PRODUCERS * TICKETS_EACH * 3  # submitted, accepted, escalated


def _produce(base: str, key: str, start: threading.Barrier) -> None:
    """Submit, accept and escalate tickets one after the other on a connection of its own."""
    headers = {"X-API-Key": key}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
        start.wait()
        for _ in range(TICKETS_EACH):
            ticket = http.post("/v1/tickets", json=AHB_TICKET).json()["id"]
            http.post(f"/v1/tickets/{ticket}/accept", json={}).raise_for_status()
            reply = http.post(f"/v1/tickets/{ticket}/status", json={"status": "escalated"})
            reply.raise_for_status()


def test_two_server_workers_deliver_every_event_once_in_order(
    database: Database, tmp_path: Path
) -> None:
    """Per client: seq 1..N in arrival order, nothing missing or repeated; per ticket: its
    events in the order of its history."""
    with transaction(database.factory) as session:
        now = datetime.now(UTC)
        admin = create_key(session=session, role=Role.ADMIN, client="ops", now=now)
        ticketing = create_key(session=session, role=Role.TICKETING, client="helpdesk", now=now)
    chance = random.Random(3)
    env = {
        "DISPATCH_OUTBOX_INTERVAL_S": "0.1",
        "DISPATCH_WEBHOOK_ALLOW_PRIVATE": "true",
        "DISPATCH_WEBHOOK_TIMEOUT_S": "5",
    }
    with (
        receiving(lambda _n, _p: "fail" if chance.random() < 0.2 else "ok") as receiver,
        live_server(
            database.url, database.schema, workers=2, env=env, log=tmp_path / "server.log"
        ) as server,
        httpx.Client(base_url=server.base, timeout=60, headers={"X-API-Key": admin}) as http,
    ):
        for kind in IMPORT_ORDER:
            body = (DEMO / f"{kind}.csv").read_bytes()
            reply = http.post(
                f"/v1/import/{kind}", content=body, headers={"Content-Type": "text/csv"}
            )
            assert reply.status_code == 200, reply.text
        reply = http.put("/v1/clients/helpdesk/webhook", json={"url": receiver.url})
        assert reply.status_code == 200, reply.text
        start = threading.Barrier(PRODUCERS)
        producers = [
            threading.Thread(target=_produce, args=(server.base, ticketing, start))
            for _ in range(PRODUCERS)
        ]
        for thread in producers:
            thread.start()
        for thread in producers:
            thread.join()
        arrived = receiver.wait_for(EVENTS, timeout_s=120)
        histories = {
            p["ticket_id"]: [
                e["id"] for e in http.get(f"/v1/tickets/{p['ticket_id']}").json()["history"]
            ]
            for p in arrived
        }
    assert [p["seq"] for p in arrived] == list(range(1, EVENTS + 1))
    assert any(answer == "fail" for _m, _p, answer in receiver.requests)
    for ticket_id, history in histories.items():
        assert [p["event_id"] for p in arrived if p["ticket_id"] == ticket_id] == history
    assert len(histories) == PRODUCERS * TICKETS_EACH
