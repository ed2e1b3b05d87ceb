"""A demo day through the real HTTP server, then every booked day driven on the road model.

The service side: ``dispatch serve`` in its own process on loopback (SQLite file, or the
PostgreSQL given by ``--database-url`` in a fresh schema), with the settable clock on. The
demo world goes in through the master-data import; each ticket of the day (the same draw as
``dispatch demo --seed N``) is submitted at its time, accepted at its time, planned and its
recommendation confirmed at once, the clock moved by the benchmark. Then every leg the server
booked is read back (``GET /v1/legs``) and driven.

The batch side: ``dispatch demo``'s replay of the same day and world (planning every 15 min,
then a final re-optimisation), its dispatched stops driven the same way.

Driving a day: each engineer leaves for a stop when the work before it is done (or at the
booked departure, if later), at road speeds for that hour, and starts work on arrival or at the
booked start, if later. A booked leg shorter than that drive (by over a minute) is undrivable.
A ticket is on time when driven if its visit starts (car or parcel arrives) by its deadline.
Costs when driven: engineers' paid time from leaving home to coming back and their km, each
car's call-out fee, km and hours there and back, each parcel's price (the engine's prices).
Cars out: the most trips of one depot's cars under way at once, against its drivers.

With ``--noisy``, the day is driven through the server's field reports instead, with noise and
surprises, once with live operations and once re-planned by hand (``bench/noisy_day.py``).

Prints one JSON object. Run:
``.venv/bin/python bench/service_day.py [--seed 0] [--database-url URL] [--json] [--noisy]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import noisy_day
import numpy as np
from sqlalchemy import create_engine, text

from api.console.demo_data import checked as _ok
from api.console.demo_data import import_rows, import_world
from depots.demand import DayTicket, draw_tickets
from depots.demo_world import DemoWorld, load
from depots.simulation import RunResult, simulate_day
from depots.simulation_params import SimulationParams
from dispatch.places import resolve
from dispatch.timeparse import WARSAW
from dispatch.travel import depart_hour_of_week, road_model
from dispatch.world import Point

UNDRIVABLE_TOLERANCE_S = 60
NEW_DAY = timedelta(hours=6)  # a gap this long between stops: the engineer went home
ENGINEER_PER_KM_GR = 120
CAR_PER_TRIP_GR, CAR_PER_KM_GR, CAR_PER_HOUR_GR = 10_000, 250, 6_000
PARCEL_GR = 6_000
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Booked:
    """One stop of a vehicle's booked day: the leg to it and the work there."""

    kind: str  # pickup | visit | deliver | parcel
    ticket: str | None
    at: Point
    depart: datetime  # when the leg to it leaves (None-like for a first batch stop: see drive)
    arrive: datetime
    start: datetime
    finish: datetime


@dataclass
class Driven:
    """What driving the booked days gave."""

    on_time: int = 0
    served: int = 0
    promised: int = 0
    undrivable: int = 0
    legs: int = 0
    engineers_gr: int = 0
    cars_gr: int = 0
    parcels_gr: int = 0
    cars_over_drivers: int = 0
    peak_cars: dict[str, int] = field(default_factory=dict)

    @property
    def cost_gr(self) -> int:
        """Engineers, cars and parcels."""
        return self.engineers_gr + self.cars_gr + self.parcels_gr

    def summary(self) -> dict[str, Any]:
        """The figures every side reports."""
        return {
            "served": self.served, "on_time_promised": self.promised,
            "on_time_driven": self.on_time, "undrivable_legs": self.undrivable,
            "legs": self.legs, "cars_over_drivers": self.cars_over_drivers,
            "cost_driven": round(self.cost_gr / 100, 2),
            "cost_engineers": round(self.engineers_gr / 100, 2),
            "cost_cars": round(self.cars_gr / 100, 2),
            "cost_parcels": round(self.parcels_gr / 100, 2),
        }  # fmt: skip


class Road:
    """Single trips on the road model at their hour of departure."""

    def __init__(self) -> None:
        self.model = road_model()

    def trip(self, a: Point, b: Point, depart: datetime) -> tuple[int, int]:
        seconds, metres = self.model.matrix(
            np.array([[a.lat, a.lon]]), np.array([[b.lat, b.lon]]), depart_hour_of_week(depart)
        )
        return int(seconds[0, 0]), int(metres[0, 0])


def drive_engineer(
    road: Road, home: Point, stops: Sequence[Booked], rate_gr_h: int, out: Driven
) -> dict[str, datetime]:
    """Drive one engineer's booked stops in order, a working day at a time (from home and back
    home: at a booked return, else after a gap of ``NEW_DAY``); the start of each visit."""
    starts: dict[str, datetime] = {}
    here, free, first_leave = home, None, None
    metres_total = 0
    for stop in stops:
        if free is not None and stop.depart - free > NEW_DAY:  # home for the night
            out.engineers_gr += _home(road, here, home, free, first_leave, metres_total, rate_gr_h)
            here, free, first_leave, metres_total = home, None, None, 0
        leave = stop.depart if free is None else max(free, stop.depart)
        if stop.kind == "return":  # the booked drive home ends the working day
            if free is not None:
                out.legs += 1
                day = _home(road, here, home, leave, first_leave, metres_total, rate_gr_h)
                out.engineers_gr += day
            here, free, first_leave, metres_total = home, None, None, 0
            continue
        drive_s, metres = road.trip(here, stop.at, leave)
        booked_s = (stop.arrive - stop.depart).total_seconds()
        out.legs += 1
        if booked_s + UNDRIVABLE_TOLERANCE_S < drive_s or (free is not None and stop.depart < free):
            out.undrivable += 1
            if os.environ.get("BENCH_DEBUG"):
                print(
                    "undrivable", stop, here.name, leave, drive_s, booked_s, free, file=sys.stderr
                )
        first_leave = first_leave or leave
        arrive = leave + timedelta(seconds=drive_s)
        start = max(arrive, stop.start)
        free = start + (stop.finish - stop.start)
        here = stop.at
        metres_total += metres
        if stop.kind == "visit" and stop.ticket is not None:
            starts[stop.ticket] = start
    if free is not None:
        out.engineers_gr += _home(road, here, home, free, first_leave, metres_total, rate_gr_h)
    return starts


def _home(
    road: Road,
    here: Point,
    home: Point,
    free: datetime,
    first_leave: datetime | None,
    metres: int,
    rate_gr_h: int,
) -> int:
    """The cost of a working day that ends with the drive home from ``here``."""
    assert first_leave is not None
    back_s, back_m = road.trip(here, home, free)
    paid_s = (free - first_leave).total_seconds() + back_s
    return round(paid_s * rate_gr_h / 3600) + (metres + back_m) * ENGINEER_PER_KM_GR // 1000


def drive_car(road: Road, depot: Point, trip: Booked, out: Driven) -> tuple[datetime, datetime]:
    """A dedicated car's trip: arrival on site, and when it is back at the depot."""
    drive_s, metres = road.trip(depot, trip.at, trip.depart)
    out.legs += 1
    if (trip.arrive - trip.depart).total_seconds() + UNDRIVABLE_TOLERANCE_S < drive_s:
        out.undrivable += 1
    arrive = trip.depart + timedelta(seconds=drive_s)
    back_s, back_m = road.trip(trip.at, depot, arrive)
    hours_s = drive_s + back_s
    out.cars_gr += CAR_PER_TRIP_GR + (metres + back_m) * CAR_PER_KM_GR // 1000
    out.cars_gr += round(hours_s * CAR_PER_HOUR_GR / 3600)
    return arrive, arrive + timedelta(seconds=back_s)


def cars_out(
    trips: dict[str, list[tuple[datetime, datetime]]], drivers: dict[str, int], out: Driven
) -> None:
    """The most trips of each depot's cars under way at once, against its drivers."""
    for depot, spans in trips.items():
        events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
        now = peak = 0
        for _, step in events:
            now += step
            peak = max(peak, now)
        out.peak_cars[depot] = peak
        out.cars_over_drivers += int(peak > drivers.get(depot, 0))


# ---- the batch replay ---------------------------------------------------------------------


def batch_day(world: DemoWorld, tickets: Sequence[DayTicket], road: Road, seed: int) -> Driven:
    day = tickets[0].accepted_at.date()
    result = simulate_day(world, tickets, road.model, SimulationParams.demo_day(day, seed))
    out = Driven()
    places = {d.id: _point(d.location) for d in world.depots}
    rates = {e.id: e.cost_per_hour * 100 for e in world.engineers}
    homes = {e.id: _point(e.home) for e in world.engineers}
    starts: dict[str, datetime] = {}
    for engineer, stops in result.stops.items():
        booked = []
        previous: datetime | None = None
        for s in stops:
            at = _point(s.location)
            service = world_onsite(world, result, s.ticket) if s.kind == "visit" else timedelta(0)
            start = s.depart - service
            depart = previous
            if depart is None or s.arrive - depart > NEW_DAY:  # leaves home to arrive as booked
                drive_s, _ = road.trip(homes[engineer], at, s.arrive)
                depart = s.arrive - timedelta(seconds=drive_s)
            booked.append(Booked(s.kind, s.ticket, at, depart, s.arrive, start, s.depart))
            previous = s.depart
        starts |= drive_engineer(road, homes[engineer], booked, rates[engineer], out)
    trips: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for ticket_id, outcome in result.outcomes.items():
        a = outcome.assignment
        deadline = outcome.ticket.deadline()
        if a is None:
            continue
        out.served += 1
        out.promised += outcome.on_time
        if a.source in ("car", "meet") and a.depot is not None:
            depot = world_depot(world, a.depot)
            leave = outcome.dispatched_at + timedelta(minutes=depot.pick_minutes)
            site = _point(outcome.ticket.site.location)
            drive_s, _ = road.trip(places[a.depot], site, leave)
            trip = Booked("deliver", ticket_id, site, leave, leave + timedelta(seconds=drive_s),
                          leave, leave)  # fmt: skip
            arrive, back = drive_car(road, places[a.depot], trip, out)
            trips[a.depot].append((leave, back))
            if a.source == "car":
                out.on_time += arrive <= deadline
        if a.source == "parcel":
            out.parcels_gr += PARCEL_GR
            out.on_time += a.eta <= deadline
        if a.mode == "engineer":
            out.on_time += ticket_id in starts and starts[ticket_id] <= deadline
    cars_out(trips, {d.id: d.drivers for d in world.depots}, out)
    return out


def world_onsite(world: DemoWorld, result: RunResult, ticket: str) -> timedelta:
    sku = result.outcomes[ticket].ticket.device.sku
    return timedelta(minutes=next(s.onsite_minutes for s in world.skus if s.sku == sku))


def world_depot(world: DemoWorld, depot_id: str) -> Any:
    return next(d for d in world.depots if d.id == depot_id)


def _point(text: str) -> Point:
    place = resolve(text)
    return Point(place.lat, place.lon, place.name)


# ---- the service through HTTP --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(database_url: str | None, start: datetime) -> Iterator[tuple[str, str]]:
    """A ``dispatch serve`` process with the settable clock; (base URL, admin key)."""
    dispatch = str(Path(sys.executable).with_name("dispatch"))
    with contextlib.ExitStack() as stack:
        env = dict(
            os.environ,
            DISPATCH_CLOCK_CONTROL="true",
            DISPATCH_CLOCK_START=start.isoformat(),
            DISPATCH_OUTBOX_INTERVAL_S="0",
            DISPATCH_ESCALATION_INTERVAL_S="0",
        )
        if database_url is None:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{folder}/service-day.sqlite3"
        else:
            url = database_url
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = create_engine(url)
            with admin.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            stack.callback(_drop_schema, admin, schema)
            env["DISPATCH_DATABASE_SCHEMA"] = schema
        env["DISPATCH_DATABASE_URL"] = url
        key = subprocess.run(
            [dispatch, "keys", "create", "--role", "admin", "--client", "bench"],
            env=env, check=True, capture_output=True, text=True, cwd=ROOT,
        ).stdout.strip()  # fmt: skip
        port = _free_port()
        server = subprocess.Popen(
            [dispatch, "serve", "--port", str(port)], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        stack.callback(_stop, server)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not start: {server.stderr.read() if server.stderr else ''}"
                )
            time.sleep(0.2)
        yield base, key


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=20)


def _drop_schema(engine: Any, schema: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def service_day(
    world: DemoWorld,
    tickets: Sequence[DayTicket],
    road: Road,
    day: date,
    database_url: str | None,
    reoptimise_every: timedelta | None = None,
) -> tuple[Driven, list[float], int, int, int]:
    """The day through the server: what driving it gave, plan latencies (ms), confirm
    conflicts, how many tickets the confirmed plans promised on time, and how many
    re-optimisation proposals were applied.

    With ``reoptimise_every``, the dispatcher's habit is played too: at each such step of the
    clock the day and the next one are re-optimised and a proposal that improves is applied."""
    latencies: list[float] = []
    conflicts = promised = applied = 0
    unplanned: list[str] = []
    start = datetime.combine(day, datetime.min.time(), WARSAW)
    next_reoptimise = start + reoptimise_every if reoptimise_every else None
    with served(database_url, start) as (base, key):
        client = stack_client(base, key)
        import_world(client, world, day)
        sites = {s.id: s for s in world.sites}
        events = sorted(
            [(t.submitted_at, 0, t) for t in tickets] + [(t.accepted_at, 1, t) for t in tickets],
            key=lambda e: (e[0], e[1], e[2].id),
        )
        ids: dict[str, int] = {}
        deadlines: dict[str, datetime] = {}
        for at, step, ticket in events:
            while reoptimise_every and next_reoptimise and next_reoptimise <= at:
                applied += reoptimise(client, next_reoptimise)
                next_reoptimise += reoptimise_every
            _ok(client.put("/v1/admin/clock", json={"now": at.isoformat()}))
            if step == 0:
                body = {"contract_number": sites[ticket.device.site].contract,
                        "serial": ticket.device.serial}  # fmt: skip
                ids[ticket.id] = int(_ok(client.post("/v1/tickets", json=body))["id"])
                continue
            number = ids[ticket.id]
            accepted = _ok(client.post(f"/v1/tickets/{number}/accept", json={}))
            deadlines[str(number)] = datetime.fromisoformat(accepted["deadline"])
            began = time.perf_counter()
            reply = client.post(f"/v1/tickets/{number}/plan")
            latencies.append((time.perf_counter() - began) * 1000)
            if reply.status_code != 200:
                unplanned.append(f"{ticket.id}: {reply.status_code} {reply.text[:160]}")
                continue  # nothing can serve it: not on time
            plan = reply.json()
            promised += plan["recommendation"]["slack_s"] >= 0
            confirmed = client.post(f"/v1/plans/{plan['id']}/confirm")
            if confirmed.status_code == 409:
                conflicts += 1
                fresh = confirmed.json().get("plan")
                if fresh:
                    _ok(client.post(f"/v1/plans/{fresh['id']}/confirm"))
            elif not confirmed.is_success:
                raise RuntimeError(
                    f"confirm {plan['id']}: {confirmed.status_code} {confirmed.text}"
                )
        legs = []
        seen = set()
        for offset in range(4):
            for leg in _ok(
                client.get("/v1/legs", params={"day": str(day + timedelta(days=offset))})
            ):
                key_ = (leg["vehicle"], leg["kind"], leg["ticket_id"], leg["depart_at"])
                if key_ not in seen:
                    seen.add(key_)
                    legs.append(leg)
        depots = {d["depot_id"]: d for d in import_rows(world, day)["depots"]}
    if unplanned:
        print("not planned:", *unplanned, sep="\n  ", file=sys.stderr)
    driven = drive_legs(world, legs, deadlines, depots, road)
    return driven, latencies, conflicts, promised, applied


def reoptimise(client: httpx.Client, at: datetime) -> int:
    """Re-optimise the day of ``at`` and the next at that time; apply what improves. How many
    proposals were applied (a stale one, 409, is left: the next step proposes again)."""
    _ok(client.put("/v1/admin/clock", json={"now": at.isoformat()}))
    applied = 0
    for offset in (0, 1):
        day = (at + timedelta(days=offset)).date().isoformat()
        proposal = _ok(client.post("/v1/days/reoptimise", json={"day": day}))
        if proposal["improves"]:
            applied += client.post(f"/v1/proposals/{proposal['id']}/apply").is_success
    return applied


def stack_client(base: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120)


def drive_legs(
    world: DemoWorld,
    legs: list[dict[str, Any]],
    deadlines: dict[str, datetime],
    depots: dict[str, dict[str, Any]],
    road: Road,
) -> Driven:
    out = Driven()
    homes = {e.id: _point(e.home) for e in world.engineers}
    rates = {e.id: e.cost_per_hour * 100 for e in world.engineers}
    by_vehicle: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for leg in legs:
        by_vehicle[leg["vehicle"]].append(leg)
    on_site: dict[str, datetime] = {}
    trips: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for vehicle, mine in by_vehicle.items():
        mine.sort(key=lambda g: (g["depart_at"], g["kind"] == "return"))
        if vehicle.startswith("courier:"):
            for leg in mine:
                out.parcels_gr += PARCEL_GR
                on_site[str(leg["ticket_id"])] = datetime.fromisoformat(leg["arrive_at"])
            continue
        if vehicle.startswith("car:"):
            depot_id = vehicle.removeprefix("car:")
            depot = Point(depots[depot_id]["lat"], depots[depot_id]["lon"], depot_id)
            for leg in (g for g in mine if g["kind"] == "deliver"):
                trip = _booked(leg)
                arrive, back = drive_car(road, depot, trip, out)
                trips[depot_id].append((trip.depart, back))
                ticket = str(leg["ticket_id"])
                on_site.setdefault(ticket, arrive)  # an engineer's visit outranks a meeting car
            continue
        stops = [_booked(g) for g in mine]
        on_site |= drive_engineer(road, homes[vehicle], stops, rates[vehicle], out)
    cars_out(trips, {d.id: d.drivers for d in world.depots}, out)
    for ticket, deadline in deadlines.items():
        if ticket in on_site:
            out.served += 1
            out.on_time += on_site[ticket] <= deadline
    return out


def _booked(leg: dict[str, Any]) -> Booked:
    dest = leg["destination"]
    return Booked(
        leg["kind"],
        None if leg["ticket_id"] is None else str(leg["ticket_id"]),
        Point(dest["lat"], dest["lon"], dest["name"]),
        datetime.fromisoformat(leg["depart_at"]),
        datetime.fromisoformat(leg["arrive_at"]),
        datetime.fromisoformat(leg["start_at"]),
        datetime.fromisoformat(leg["finish_at"]),
    )


def noisy(
    world: DemoWorld, tickets: Sequence[DayTicket], day: date, database_url: str | None
) -> dict[str, Any]:
    """``bench/noisy_day.py``'s two variants side by side, each on a fresh server."""
    out: dict[str, Any] = {"benchmark": "service_day_noisy", "day": day.isoformat(),
                           "database": "postgresql" if database_url else "sqlite"}  # fmt: skip
    for name, live in (("live", True), ("by_hand", False)):
        start = datetime.combine(day, datetime.min.time(), WARSAW)
        began = time.perf_counter()
        with served(database_url, start) as (base, key):
            client = stack_client(base, key)
            import_world(client, world, day)
            out[name] = noisy_day.run(client, world, tickets, day, live)
        out[name]["seconds"] = round(time.perf_counter() - began, 1)
    out["load_1min"] = round(os.getloadavg()[0], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--date", default="2026-12-02")
    parser.add_argument("--tickets", type=int, default=80)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    parser.add_argument(
        "--noisy", action="store_true",
        help="the day with field reports, noise and surprises: live operations vs by hand",
    )  # fmt: skip
    parser.add_argument(
        "--reoptimise-every", type=int, default=None, metavar="MINUTES",
        help="the service side also re-optimises today and tomorrow every MINUTES of the "
        "clock and applies what improves (a dispatcher's habit); default: insertion only",
    )  # fmt: skip
    args = parser.parse_args()
    day = date.fromisoformat(args.date)
    world = load()
    tickets = draw_tickets(world, day, args.tickets, np.random.default_rng(args.seed))
    if args.noisy:
        print(json.dumps(noisy(world, tickets, day, args.database_url) | {"seed": args.seed}))
        return
    road = Road()
    batch = batch_day(world, tickets, road, args.seed)
    every = timedelta(minutes=args.reoptimise_every) if args.reoptimise_every else None
    service, latencies, conflicts, promised, applied = service_day(
        world, tickets, road, day, args.database_url, every
    )
    service.promised = promised
    p95 = float(np.percentile(latencies, 95)) if latencies else None
    print(json.dumps({
        "benchmark": "service_day", "day": args.date, "seed": args.seed,
        "database": "postgresql" if args.database_url else "sqlite",
        "load_1min": round(os.getloadavg()[0], 2),
        "batch": {"tickets": len(tickets), **batch.summary()},
        "service": {"tickets": len(tickets), **service.summary(),
                    "plan_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
                    "plan_p95_ms": None if p95 is None else round(p95, 1),
                    "confirm_conflicts": conflicts,
                    "reoptimise_every_min": args.reoptimise_every,
                    "proposals_applied": applied},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
