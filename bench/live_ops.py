"""Live operations through the real HTTP server: whole-day re-optimisation and field events.

The server (``dispatch serve``, settable clock, SQLite file or a fresh PostgreSQL schema) gets
the demo world; ``--tickets`` failures of the day (``dispatch demo``'s draw) are submitted,
accepted, planned and confirmed one by one as a morning backlog at 07:00. Then:

- re-optimisation: ``POST /v1/days/reoptimise`` for the day, timed end to end (and the
  server's own planning time), with the proposal's totals; then applied (timed);
- ingestion: the clock moves to 23:00 and every engineer's booked stops are reported
  (departed, arrived, finished, plus a position after each stop), travel off the booking by
  a random +-20 %, by ``--clients`` concurrent clients (each its own engineers, in order).
  Throughput and latency percentiles per event; the CPU each event cost the server process,
  the PostgreSQL backends serving its connections and this client (the machine's other load
  inflates these least), and how many reports started a repair.

Prints one JSON object. Run:
``.venv/bin/python bench/live_ops.py [--tickets 80] [--database-url URL] [--clients 4]
[--budget S]`` (default: the server's, 3.5 s or 50 ms a ticket up to 11 s; 120 s lets the
search try every ticket on any day).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import threading
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import psutil
from service_day import _ok, served, stack_client
from sqlalchemy import create_engine, make_url, text

from api.console.demo_data import import_world
from depots.demand import draw_tickets
from depots.demo_world import load
from dispatch.timeparse import WARSAW


def book_backlog(client: httpx.Client, world: Any, tickets: Any) -> dict[str, int]:
    """Submit, accept, plan and confirm every ticket at the clock's now; counts."""
    sites = {s.id: s for s in world.sites}
    counts = {"confirmed": 0, "unservable": 0}
    for ticket in tickets:
        body = {"contract_number": sites[ticket.device.site].contract,
                "serial": ticket.device.serial}  # fmt: skip
        number = _ok(client.post("/v1/tickets", json=body))["id"]
        _ok(client.post(f"/v1/tickets/{number}/accept", json={}))
        reply = client.post(f"/v1/tickets/{number}/plan")
        if reply.status_code != 200:
            counts["unservable"] += 1
            continue
        confirmed = client.post(f"/v1/plans/{reply.json()['id']}/confirm")
        if confirmed.status_code == 409 and (confirmed.json().get("plan") or {}).get("id"):
            confirmed = client.post(f"/v1/plans/{confirmed.json()['plan']['id']}/confirm")
        counts["confirmed"] += confirmed.status_code == 200
    return counts


def reoptimise(client: httpx.Client, day: date, budget_s: float | None) -> dict[str, Any]:
    began = time.perf_counter()
    body: dict[str, Any] = {"day": day.isoformat()}
    if budget_s is not None:
        body["budget_s"] = budget_s
    proposal = _ok(client.post("/v1/days/reoptimise", json=body))
    propose_s = time.perf_counter() - began
    began = time.perf_counter()
    applied = client.post(f"/v1/proposals/{proposal['id']}/apply")
    return {
        "propose_s": round(propose_s, 2), "server_planning_ms": proposal["runtime_ms"],
        "budget_s": budget_s, "tried": proposal["tried"],
        "tickets": proposal["before"]["tickets"], "changes": len(proposal["changes"]),
        "note": proposal["note"], "improves": proposal["improves"],
        "before": proposal["before"], "after": proposal["after"],
        "apply_status": applied.status_code, "apply_s": round(time.perf_counter() - began, 2),
    }  # fmt: skip


def field_script(
    legs: list[dict[str, Any]], rng: np.random.Generator, now: datetime
) -> dict[str, list[Any]]:
    """Per engineer, the reports of their day up to ``now`` in order, travel off by up to
    +-20 %."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for leg in sorted(legs, key=lambda g: (g["vehicle"], g["depart_at"])):
        if leg["kind"] not in ("pickup", "visit") or leg["vehicle"].startswith(
            ("car:", "courier:")
        ):
            continue
        depart = datetime.fromisoformat(leg["depart_at"])
        drive = datetime.fromisoformat(leg["arrive_at"]) - depart
        arrive = depart + drive * float(rng.uniform(0.8, 1.2))
        work = datetime.fromisoformat(leg["finish_at"]) - datetime.fromisoformat(leg["start_at"])
        common = {"vehicle": leg["vehicle"], "ticket_id": leg["ticket_id"], "stop": leg["kind"]}
        n = len(out[leg["vehicle"]])
        if arrive + work > now:
            continue  # not over yet when the reports are sent
        for kind, at in (("departed", depart), ("arrived", arrive), ("finished", arrive + work)):
            out[leg["vehicle"]].append({"event_id": f"{leg['vehicle']}-{n}-{kind}", "kind": kind,
                                        "at": at.isoformat(), **common})  # fmt: skip
        dest = leg["destination"]
        out[leg["vehicle"]].append({
            "event_id": f"{leg['vehicle']}-{n}-pos", "vehicle": leg["vehicle"], "kind": "position",
            "lat": dest["lat"], "lon": dest["lon"], "at": (arrive + work).isoformat(),
        })  # fmt: skip
    return out


def ingest(
    base: str, key: str, script: dict[str, list[Any]], clients: int, database_url: str | None
) -> dict[str, Any]:
    """Send the script with ``clients`` threads; throughput, latencies and CPU per event."""
    vehicles = sorted(script)
    shares = [vehicles[i::clients] for i in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []
    repairs = 0
    lock = threading.Lock()

    def run(mine: list[str]) -> None:
        with stack_client(base, key) as client:
            for vehicle in mine:
                for event in script[vehicle]:
                    began = time.perf_counter()
                    reply = client.post("/v1/field/events", json=event)
                    spent = (time.perf_counter() - began) * 1000
                    with lock:
                        latencies.append(spent)
                        if reply.status_code != 200:
                            failures.append(f"{reply.status_code} {reply.text[:120]}")
                        elif reply.json().get("repair_for"):
                            nonlocal repairs
                            repairs += 1

    threads = [threading.Thread(target=run, args=(share,)) for share in shares]
    backends = Backends(database_url)
    cpu_before, client_before = server_cpu_s(), time.process_time()
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    count = max(len(latencies), 1)
    per_event = {
        "server": server_cpu_s() - cpu_before,
        "database": backends.cpu_s(),
        "client": time.process_time() - client_before,
    }
    return {
        **{f"{k}_cpu_ms_per_event": None if v is None else round(1000 * v / count, 2)
           for k, v in per_event.items()},
        "repairs_started": repairs,
        "events": len(latencies), "clients": clients, "seconds": round(elapsed, 2),
        "events_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "p99_ms": round(float(np.percentile(latencies, 99)), 1),
        "refused": len(failures), "first_refusals": failures[:3],
    }  # fmt: skip


def _servers() -> list[psutil.Process]:
    """The server processes this benchmark started."""
    out = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "serve" in " ".join(child.cmdline()):
                out.append(child)
    return out


def _cpu_s(processes: list[psutil.Process]) -> dict[int, float]:
    """User and system CPU seconds of each process still running, by pid."""
    out = {}
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            out[process.pid] = times.user + times.system
    return out


def server_cpu_s() -> float:
    """CPU seconds the server processes this benchmark started have used (a measure of the
    work per event that the machine's other load does not inflate)."""
    return sum(_cpu_s(_servers()).values())


class Backends:
    """The PostgreSQL backends serving the server's connections (found by the server's ports
    in ``pg_stat_activity``), to count the CPU the database spends on its requests: the other
    half of the work on these 2 cores. Nothing for SQLite, or when the backends cannot be read
    (another machine, another user)."""

    def __init__(self, database_url: str | None) -> None:
        self.url = database_url
        self.before = _cpu_s(self._processes())

    def _processes(self) -> list[psutil.Process]:
        if self.url is None:
            return []
        ports = [c.laddr.port for s in _servers() for c in s.net_connections("tcp")
                 if c.raddr and c.raddr.port == (make_url(self.url).port or 5432)]  # fmt: skip
        engine = create_engine(self.url)
        with engine.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE client_port = ANY(:ports)"),
                {"ports": ports},
            ).scalars()
            found = [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]
        engine.dispose()
        return found

    def cpu_s(self) -> float | None:
        """CPU seconds since this was made (a backend opened in between counts whole)."""
        if self.url is None:
            return None
        after = _cpu_s(self._processes())
        if not after:
            return None
        return sum(spent - self.before.get(pid, 0.0) for pid, spent in after.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--date", default="2026-12-02")
    parser.add_argument("--tickets", type=int, default=80)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="re-optimisation budget, s (default: the server's)",
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    day = date.fromisoformat(args.date)
    world = load()
    rng = np.random.default_rng(args.seed)
    tickets = draw_tickets(world, day, args.tickets, rng)
    morning = datetime.combine(day, datetime.min.time(), WARSAW) + timedelta(hours=7)
    with served(args.database_url, morning) as (base, key):
        client = stack_client(base, key)
        import_world(client, world, day)
        began = time.perf_counter()
        counts = book_backlog(client, world, tickets)
        booking_s = time.perf_counter() - began
        replan = reoptimise(client, day, args.budget)
        evening = morning + timedelta(hours=16)
        _ok(client.put("/v1/admin/clock", json={"now": evening.isoformat()}))
        legs = _ok(client.get("/v1/legs", params={"day": day.isoformat()}))
        script = field_script(legs, rng, evening)
        ingestion = ingest(base, key, script, args.clients, args.database_url)
    print(json.dumps({
        "benchmark": "live_ops", "day": args.date, "seed": args.seed,
        "database": "postgresql" if args.database_url else "sqlite",
        "load_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "tickets": args.tickets, "booked": counts, "booking_s": round(booking_s, 1),
        "reoptimise": replan, "ingestion": ingestion,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
