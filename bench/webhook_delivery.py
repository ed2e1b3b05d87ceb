"""Webhook delivery benchmark: a receiver failing a share of requests, a real server delivering.

Usage::

    .venv/bin/python bench/webhook_delivery.py                       # SQLite and PostgreSQL
    .venv/bin/python bench/webhook_delivery.py --databases postgresql --workers 2 --fail 0.2

For each database it starts the API under uvicorn (as ``dispatch serve`` does, with its
background delivery loop at the default interval) on a fresh database, imports the demo master
data, points the ticketing client's webhook at a receiver on loopback (tests/api/receiver.py)
that answers 500 to ``--fail`` of requests (seeded), and has ``--clients`` threads each submit,
accept and escalate tickets until ``--events`` events exist. It prints one JSON object: per
database, how long after the first event the last one arrived (the target is 60 s), the
longest wait of any single event from its creation to its arrival, how many requests failed,
and whether the events arrived in order: ``seq`` 1..N per client with nothing missing or
repeated, and each ticket's events in the order of its history.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api_load import (  # noqa: E402
    DEMO,
    IMPORT_ORDER,
    TICKETS,
    database,
    database_options,
    make_keys,
    report_each,
)
from dispatch.store.keys import Role  # noqa: E402
from tests.api.live import live_server  # noqa: E402
from tests.api.receiver import receiving  # noqa: E402

EVENTS_PER_TICKET = 3  # submitted, accepted, escalated


def produce(base: str, key: str, tickets: int, created: list[float], lock: threading.Lock) -> None:
    """Submit, accept and escalate ``tickets`` tickets, noting when each event was made."""
    with httpx.Client(base_url=base, timeout=60, headers={"X-API-Key": key}) as http:
        for n in range(tickets):
            steps = [
                ("/v1/tickets", TICKETS[n % 2]),
                ("/v1/tickets/{id}/accept", {}),
                ("/v1/tickets/{id}/status", {"status": "escalated"}),
            ]
            ticket = 0
            for path, body in steps:
                reply = http.post(path.format(id=ticket), json=body)
                reply.raise_for_status()
                ticket = ticket or reply.json()["id"]
                with lock:
                    created.append(time.monotonic())


def bench_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    tickets_each = max(1, args.events // (EVENTS_PER_TICKET * args.clients))
    expected = tickets_each * EVENTS_PER_TICKET * args.clients
    chance = random.Random(args.seed)
    arrival: dict[int, float] = {}

    def answer(_n: int, payload: dict[str, Any]) -> str:
        if chance.random() < args.fail:
            return "fail"
        arrival.setdefault(payload["event_id"], time.monotonic())
        return "ok"

    env = {
        "DISPATCH_OUTBOX_INTERVAL_S": str(args.interval),
        "DISPATCH_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    with (
        database(kind, args.pg_url) as (url, schema),
        receiving(answer) as receiver,
    ):
        keys = make_keys(url, schema)
        admin = {"X-API-Key": keys[Role.ADMIN]}
        with live_server(url, schema, workers=args.workers, env=env) as server:
            with httpx.Client(base_url=server.base, timeout=60, headers=admin) as http:
                for name in IMPORT_ORDER:
                    body = (DEMO / f"{name}.csv").read_bytes()
                    http.post(
                        f"/v1/import/{name}", content=body, headers={"Content-Type": "text/csv"}
                    ).raise_for_status()
                http.put(
                    "/v1/clients/load-ticketing/webhook", json={"url": receiver.url}
                ).raise_for_status()
            created: list[float] = []
            lock = threading.Lock()
            ticketing = keys[Role.TICKETING]
            threads = [
                threading.Thread(
                    target=produce, args=(server.base, ticketing, tickets_each, created, lock)
                )
                for _ in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            received = receiver.wait_for(expected, timeout_s=args.timeout)
            with httpx.Client(base_url=server.base, timeout=60, headers=admin) as http:
                histories = {
                    t: [e["id"] for e in http.get(f"/v1/tickets/{t}").json()["history"]]
                    for t in {p["ticket_id"] for p in received}
                }
    first, last = min(created), max(arrival.values())
    seqs = [p["seq"] for p in received]
    in_order_per_ticket = all(
        [p["event_id"] for p in received if p["ticket_id"] == t] == history
        for t, history in histories.items()
    )
    return {
        "events": expected,
        "delivered": len(arrival),
        "requests": len(receiver.requests),
        "failed_requests": sum(1 for _m, _p, a in receiver.requests if a == "fail"),
        "all_delivered_after_first_event_s": round(last - first, 2),
        "after_last_event_s": round(last - max(created), 2),
        "seq_1_to_n_in_arrival_order": seqs == list(range(1, expected + 1)),
        "in_order_per_ticket": in_order_per_ticket,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    database_options(parser)
    parser.add_argument("--events", type=int, default=48, help="events to deliver (about)")
    parser.add_argument("--fail", type=float, default=0.2, help="share of requests answered 500")
    parser.add_argument("--clients", type=int, default=4, help="threads making tickets")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--interval", type=float, default=2.0, help="DISPATCH_OUTBOX_INTERVAL_S")
    parser.add_argument("--timeout", type=float, default=600, help="give up after (s)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    report_each(
        "webhook_delivery",
        {"fail_share": args.fail, "workers": args.workers, "outbox_interval_s": args.interval},
        {"all_delivered_after_first_event_s": 60, "in_order_per_ticket": True},
        args,
        lambda kind: bench_one(kind, args),
    )


if __name__ == "__main__":
    main()
