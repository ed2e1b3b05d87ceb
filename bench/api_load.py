"""Load benchmark of the REST API: concurrent clients on loopback against a running server.

Usage::

    .venv/bin/python bench/api_load.py                          # SQLite and PostgreSQL
    .venv/bin/python bench/api_load.py --databases sqlite --tickets 2000 --clients 32
    .venv/bin/python bench/api_load.py --planner mypkg.engine:make_planner

For each database it starts the API under uvicorn (as ``dispatch serve`` does) on a fresh
database, imports the API tests' small world (tests/api/data) through the API, sends ``--warmup``
unmeasured creations (the workers' first connections and caches), then runs three phases with
``--clients`` threads, each on its own keep-alive connection (the standard library's
``http.client``: a lean generator leaves the shared cores to the server; the JSON reports its CPU
per request too): create ``--tickets`` tickets (with Idempotency-Key), accept them all, plan
``--plans`` of them (engineers are put on call from now on, so SOS tickets are plannable whenever
it runs). It prints one JSON object: per database and endpoint,
the request count, errors, throughput (requests per second of phase wall time), p50/p95/p99
latency in milliseconds, and the server's CPU time per request (user + system of the server
processes, from /proc) with the capacity that implies if the server had every core to itself: on a
machine shared with other work, throughput and latency measure the share the server got, CPU per
request measures the server. PostgreSQL (``--pg-url``) is skipped with a reason when unreachable.

The planner is the one named by ``--planner``; by default the deterministic nearest-depot
planner from the API tests (tests/api/planner.py), so this measures the API, the database and
the SLA clock around planning, not the dispatch engine's search.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch.store.db import make_engine, session_factory, transaction  # noqa: E402
from dispatch.store.keys import Role, create_key  # noqa: E402
from dispatch.store.migrate import upgrade  # noqa: E402
from tests.api.live import TEST_PLANNER, Server, live_server  # noqa: E402
from tests.support_db import pg_unavailable  # noqa: E402

DEMO = ROOT / "tests" / "api" / "data"
IMPORT_ORDER = ("contracts", "devices", "depots", "stock", "engineers", "shifts")
TICKETS = (
    {"contract_number": "C-2026-001", "serial": "SN-X465-0001", "description": "load test"},
    {"contract_number": "C-2026-002", "serial": "SN-AP-0002", "description": "load test"},
)


@contextmanager
def database(kind: str, pg_url: str) -> Iterator[tuple[str, str | None]]:
    """A fresh migrated database: a temporary SQLite file or a PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/load.sqlite3"
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            yield url, None
        return
    schema = f"load_{uuid.uuid4().hex[:10]}"
    print(
        f"PostgreSQL: a schema of its own, {schema}, in {pg_url}; dropped at the end",
        file=sys.stderr,
    )
    admin = create_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        engine = make_engine(pg_url, schema=schema)
        upgrade(engine)
        engine.dispose()
        yield pg_url, schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def shifts_around_now() -> list[dict[str, Any]]:
    """On-call shifts from now for three days for the demo engineers, so SOS tickets can be
    served whenever the benchmark runs (the demo file's shifts are on fixed dates)."""
    start = datetime.now(UTC).replace(microsecond=0)
    end = start + timedelta(days=3)
    return [
        {
            "engineer_id": e,
            "start_at": start.isoformat(),
            "end_at": end.isoformat(),
            "on_call": True,
        }
        for e in ("E-WAW-1", "E-KRK-1", "E-POZ-1")
    ]


def make_keys(url: str, schema: str | None) -> dict[Role, str]:
    engine = make_engine(url, schema=schema)
    with transaction(session_factory(engine)) as session:
        now = datetime.now(UTC)
        keys = {r: create_key(session=session, role=r, client=f"load-{r}", now=now) for r in Role}
    engine.dispose()
    return keys


@dataclass(frozen=True, slots=True)
class Reply:
    status_code: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self._connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)

    def post(self, path: str, body: Any = None, headers: Mapping[str, str] | None = None) -> Reply:
        payload = b"" if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        self._connection.request("POST", path, body=payload, headers=sent)
        response = self._connection.getresponse()
        return Reply(response.status, response.read())

    def close(self) -> None:
        self._connection.close()


def run_phase(
    server: Server,
    clients: int,
    jobs: list[Any],
    call: Callable[[Client, Any], Reply],
) -> dict[str, Any]:
    """Run ``call`` for every job on ``clients`` threads; latency, throughput and server CPU."""
    base = server.base
    pending: queue.Queue[Any] = queue.Queue()
    for job in jobs:
        pending.put(job)
    latencies: list[float] = []
    results: list[Reply] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        client = Client(base)
        while True:
            try:
                job = pending.get_nowait()
            except queue.Empty:
                client.close()
                return
            start = time.perf_counter()
            try:
                reply = call(client, job)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(type(exc).__name__)
                client.close()
                client = Client(base)
                continue
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                results.append(reply)
                if reply.status_code >= 400:
                    errors.append(str(reply.status_code))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    cpu_before = server.cpu_s()
    client_cpu_before = time.process_time()
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    cpu_ms = 1000 * (server.cpu_s() - cpu_before) / max(len(latencies), 1)
    client_cpu_ms = 1000 * (time.process_time() - client_cpu_before) / max(len(latencies), 1)
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "requests": len(jobs),
        "errors": len(errors),
        "error_codes": sorted(set(errors)),
        "throughput_per_s": round(len(latencies) / wall, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(1000 * statistics.fmean(ordered), 1),
        "wall_s": round(wall, 2),
        "server_cpu_ms_per_request": round(cpu_ms, 2),
        "client_cpu_ms_per_request": round(client_cpu_ms, 2),
        "server_capacity_per_s_all_cores": round(1000 * (os.cpu_count() or 1) / cpu_ms, 1)
        if cpu_ms > 0
        else None,
        "_replies": results,
    }


def bench_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with database(kind, args.pg_url) as (url, schema):
        keys = make_keys(url, schema)
        with live_server(url, schema, planner=args.planner, workers=args.workers) as server:
            admin = {"X-API-Key": keys[Role.ADMIN]}
            with httpx.Client(base_url=server.base, timeout=60) as http:
                for kind_name in IMPORT_ORDER:
                    reply = http.post(
                        f"/v1/import/{kind_name}",
                        content=(DEMO / f"{kind_name}.csv").read_bytes(),
                        headers={**admin, "Content-Type": "text/csv"},
                    )
                    reply.raise_for_status()
                reply = http.post("/v1/import/shifts", json=shifts_around_now(), headers=admin)
                reply.raise_for_status()
            ticketing = {"X-API-Key": keys[Role.TICKETING]}
            dispatcher = {"X-API-Key": keys[Role.DISPATCHER]}
            run_tag = uuid.uuid4().hex[:8]

            def create(http: Client, n: int) -> Reply:
                headers = {**ticketing, "Idempotency-Key": f"{run_tag}-{n}"}
                return http.post("/v1/tickets", TICKETS[n % 2], headers)

            warm_up = range(args.tickets, args.tickets + args.warmup)
            run_phase(server, args.clients, list(warm_up), create)  # first connections, caches
            created = run_phase(server, args.clients, list(range(args.tickets)), create)
            ids = [r.json()["id"] for r in created.pop("_replies") if r.status_code == 201]

            def accept(http: Client, ticket_id: int) -> Reply:
                return http.post(f"/v1/tickets/{ticket_id}/accept", {}, ticketing)

            accepted = run_phase(server, args.clients, ids, accept)
            accepted.pop("_replies")

            def plan(http: Client, ticket_id: int) -> Reply:
                return http.post(f"/v1/tickets/{ticket_id}/plan", None, dispatcher)

            planned = run_phase(server, args.clients, ids[: args.plans], plan)
            planned.pop("_replies")
    return {
        "POST /v1/tickets": created,
        "POST /v1/tickets/{id}/accept": accepted,
        "POST /v1/tickets/{id}/plan": planned,
    }


def database_options(parser: argparse.ArgumentParser) -> None:
    """``--databases`` and ``--pg-url``, as every API benchmark takes them."""
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "DISPATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )


def report_each(
    name: str,
    settings: dict[str, Any],
    targets: dict[str, Any],
    args: argparse.Namespace,
    bench: Callable[[str], dict[str, Any]],
) -> None:
    """Run ``bench`` per database of ``--databases`` (PostgreSQL skipped with the reason when
    unreachable) and print the JSON report."""
    report: dict[str, Any] = {
        "benchmark": name,
        **settings,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "targets": targets,
        "results": {},
    }
    for kind in args.databases.split(","):
        reason = pg_unavailable(args.pg_url) if kind == "postgresql" else None
        report["results"][kind] = {"skipped": reason} if reason else bench(kind)
    print(json.dumps(report, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    database_options(parser)
    parser.add_argument("--tickets", type=int, default=1000, help="tickets created and accepted")
    parser.add_argument("--plans", type=int, default=300, help="tickets planned (of those)")
    parser.add_argument(
        "--warmup", type=int, default=200, help="creations sent first and not measured"
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--planner", default=TEST_PLANNER, help="module:factory of the Planner")
    args = parser.parse_args()
    report_each(
        "api_load",
        {"clients": args.clients, "workers": args.workers, "planner": args.planner},
        {"ticket_creations_per_s": 200, "plan_p95_ms": 300},
        args,
        lambda kind: bench_one(kind, args),
    )


if __name__ == "__main__":
    main()
