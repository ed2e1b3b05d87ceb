"""Ticket creation latency while a 20 MB master data import runs on the same server.

Usage::

    .venv/bin/python bench/import_latency.py                     # SQLite and PostgreSQL
    .venv/bin/python bench/import_latency.py --databases sqlite --megabytes 5 --clients 8

For each database it starts the API under uvicorn (as ``dispatch serve`` does) on a fresh
database and imports the demo master data. Then ``--clients`` threads create tickets on
keep-alive connections, each at up to ``--rate`` a second (100 a second in all by default, far
above a ticketing system's real pace, and leaving the import its share of the two cores):
first for ``--baseline`` seconds alone, then while one more client sends a stock import of
``--megabytes`` MB (new units spread over the demo depots, just under the server's 20 MB limit
by default). It prints one JSON object: per database, the
creation latency (p50/p95/p99/max in ms, count) alone and during the import, and the import's
size, rows, status and duration. The target is p95 <= 200 ms during the import.
"""

from __future__ import annotations

import argparse
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
    Client,
    database,
    database_options,
    make_keys,
    report_each,
)
from dispatch.store.keys import Role  # noqa: E402
from tests.api.live import live_server  # noqa: E402

DEPOTS = ("WAW", "KRK", "POZ")
SKUS = ("X465-48P", "AP5010")


def stock_file(megabytes: float) -> tuple[bytes, int]:
    """A stock CSV of about ``megabytes`` MB (below 20,000,000 bytes) and its row count."""
    limit = min(int(megabytes * 1_000_000), 19_990_000)
    lines = ["unit_id,depot_id,sku,kind\n"]
    size, n = len(lines[0]), 0
    while True:
        line = f"U-IMP-{n:08},{DEPOTS[n % 3]},{SKUS[n % 2]},spare\n"
        if size + len(line) > limit:
            break
        lines.append(line)
        size += len(line)
        n += 1
    return "".join(lines).encode(), n


def create_until(
    base: str, key: str, rate: float, stop: threading.Event, latencies: list[float]
) -> None:
    """Create ``rate`` tickets a second until ``stop``; note each one's latency in seconds.

    A creation that is late starts at once (the pace never queues up requests).
    """
    client = Client(base)
    headers = {"X-API-Key": key}
    n = 0
    due = time.perf_counter()
    while not stop.wait(max(0.0, due - time.perf_counter())):
        began = time.perf_counter()
        reply = client.post("/v1/tickets", TICKETS[n % 2], headers)
        elapsed = time.perf_counter() - began
        if reply.status_code != 201:
            raise RuntimeError(f"creation answered {reply.status_code}: {reply.body[:200]!r}")
        latencies.append(elapsed)
        n += 1
        due = max(due + 1 / rate, began)
    client.close()


def summary(latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "creations": len(ordered),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * ordered[-1], 1),
    }


def measure(base: str, key: str, args: argparse.Namespace, until: threading.Event) -> list[float]:
    latencies: list[float] = []
    threads = [
        threading.Thread(target=create_until, args=(base, key, args.rate, until, latencies))
        for _ in range(args.clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def bench_one(kind: str, args: argparse.Namespace, body: bytes, rows: int) -> dict[str, Any]:
    with database(kind, args.pg_url) as (url, schema):
        keys = make_keys(url, schema)
        with live_server(url, schema) as server:
            admin = {"X-API-Key": keys[Role.ADMIN]}
            with httpx.Client(base_url=server.base, timeout=600, headers=admin) as http:
                for name in IMPORT_ORDER:
                    http.post(
                        f"/v1/import/{name}",
                        content=(DEMO / f"{name}.csv").read_bytes(),
                        headers={"Content-Type": "text/csv"},
                    ).raise_for_status()
                ticketing = keys[Role.TICKETING]
                alone = threading.Event()
                timer = threading.Timer(args.baseline, alone.set)
                timer.start()
                baseline = measure(server.base, ticketing, args, alone)
                done = threading.Event()
                outcome: dict[str, Any] = {}

                def send_import() -> None:
                    began = time.perf_counter()
                    try:
                        reply = http.post(
                            "/v1/import/stock",
                            content=body,
                            headers={"Content-Type": "text/csv"},
                            timeout=None,
                        )
                        outcome.update(
                            status=reply.status_code,
                            answer=reply.json() if reply.status_code == 200 else reply.text[:300],
                        )
                    except httpx.HTTPError as exc:
                        outcome.update(error=f"{type(exc).__name__}: {exc}")
                    finally:
                        outcome["seconds"] = round(time.perf_counter() - began, 1)
                        done.set()  # the creating clients stop however the import ended

                importer = threading.Thread(target=send_import)
                importer.start()
                during = measure(server.base, ticketing, args, done)
                importer.join()
    return {
        "creations_alone": summary(baseline),
        "creations_during_import": summary(during),
        "import": {"bytes": len(body), "rows": rows, **outcome},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    database_options(parser)
    parser.add_argument("--megabytes", type=float, default=20.0, help="size of the stock import")
    parser.add_argument("--clients", type=int, default=4, help="threads creating tickets")
    parser.add_argument(
        "--rate", type=float, default=25.0, help="creations per second per client (at most)"
    )
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds without import")
    args = parser.parse_args()
    body, rows = stock_file(args.megabytes)
    report_each(
        "import_latency",
        {"clients": args.clients, "creations_per_s_per_client": args.rate},
        {"creation_p95_ms_during_import": 200},
        args,
        lambda kind: bench_one(kind, args, body, rows),
    )


if __name__ == "__main__":
    main()
