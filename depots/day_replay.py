"""One working day replayed on the demo world: tickets arrive, are accepted and planned live.

The day (rules chosen for the demo, see ``docs/demo.md``):

- **Arrivals** (:func:`depots.demand.draw_tickets`): ``count`` devices of the installed base
  fail, drawn without replacement with probability proportional to their model's failure rate;
  submissions follow the demand model's hour-of-day profile and each ticket is accepted after
  its verification delay (10 minutes plus an exponential delay of mean 15, at most 60).
- **Planning**: every ``batch_minutes`` in which tickets arrived, the engine plans every open
  ticket (accepted, not yet dispatched). An engineer with dispatched work starts where and when
  it ends (today's shift then starts at that time); one without starts now at the last stop
  reached (home before the first stop and after the shift). Depot stock, van stock and
  dedicated drivers are reduced by what was dispatched earlier.
- **Dispatch** (what becomes irrevocable): an AHB ticket as soon as it is planned (the parcel is
  packed or the car leaves); an SOS ticket whose part comes by a dedicated car meeting the
  engineer on site today likewise (the car leaves now); any other SOS ticket when its engineer
  must set off towards its pickup or visit before the next planning moment (later, the plan
  would slide), with every stop before these on its route. A dispatched stop keeps its times.
- **Final re-optimisation**: after the last arrival, all still-open tickets are planned together
  with a longer time limit and dispatched as planned.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from depots import events
from depots.demand import DayTicket
from depots.demo_world import DemoWorld
from depots.events import EventQueue
from dispatch.engine import plan
from dispatch.places import resolve
from dispatch.plans import Assignment, PlanResult, RouteStop
from dispatch.scenario import Scenario
from dispatch.scenario_snapshot import snapshot
from dispatch.timeparse import WARSAW
from dispatch.travel import depart_hour_of_week
from solver.travel.model import TravelModel

COURIER = {"id": "NBD", "delivery_by": "17:00", "price": 60}
COSTS = {"dedicated_per_km": 2.5, "dedicated_per_hour": 60, "engineer_per_km": 1.2}

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class Stop:
    """A dispatched stop on an engineer's day."""

    kind: str  # pickup | visit
    ticket: str
    place: str  # place name
    location: str  # text the gazetteer resolves
    arrive: datetime
    depart: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a ticket was served (``assignment`` is None when it could not be)."""

    ticket: DayTicket
    dispatched_at: datetime
    assignment: Assignment | None
    eta: datetime | None
    reason: str = ""

    @property
    def on_time(self) -> bool:
        """Served no later than the deadline."""
        return self.eta is not None and self.eta <= self.ticket.deadline()


@dataclass(frozen=True, slots=True)
class EngineCall:
    """One planning moment: when, how many open tickets, how long the engine took."""

    at: datetime
    open_tickets: int
    runtime_s: float
    final: bool = False


@dataclass(frozen=True, slots=True)
class DayResult:
    """Everything the summary and the report show."""

    day: date
    tickets: tuple[DayTicket, ...]
    outcomes: Mapping[str, Outcome]
    stops: Mapping[str, tuple[Stop, ...]]  # engineer -> dispatched stops in time order
    calls: tuple[EngineCall, ...]
    wall_s: float


@dataclass(frozen=True, slots=True)
class ReplayParams:
    """How the day is planned: batch length, engine time limits, seed."""

    batch_minutes: int = 15
    time_limit_s: float = 0.4
    final_time_limit_s: float = 3.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.batch_minutes <= 0:
            raise ValueError(f"batch_minutes must be > 0, got {self.batch_minutes}")
        if self.time_limit_s <= 0 or self.final_time_limit_s <= 0:
            raise ValueError("time limits must be > 0")


@dataclass
class _Engineer:
    """Live state of one engineer: dispatched stops and van stock."""

    row: Any
    van: dict[str, int]
    stops: list[Stop] = field(default_factory=list)

    def free(self, now: datetime) -> tuple[str, datetime]:
        """Where and from when the engineer can take new work.

        After the last dispatched stop if that is still ahead; otherwise now, at the last stop
        reached (at home before the first one, and once today's shift is over).
        """
        if self.stops and self.stops[-1].depart > now:
            return self.stops[-1].location, self.stops[-1].depart
        over = now >= _on(now, self.row.shift_end)
        where = self.stops[-1].location if self.stops and not over else str(self.row.home)
        return where, now


def _on(day: datetime, clock_text: str) -> datetime:
    """``clock_text`` (HH:MM) on the local day of ``day``."""
    return datetime.combine(day.astimezone(WARSAW).date(), time.fromisoformat(clock_text), WARSAW)


class _Day:
    """The replay's mutable state between planning moments."""

    def __init__(self, world: DemoWorld, travel: TravelModel) -> None:
        self.world = world
        self.travel = travel
        self.depots = {d.id: d for d in world.depots}
        self.stock: dict[str, dict[str, int]] = {d.id: {} for d in world.depots}
        for row in world.stock:
            self.stock[row.depot][row.sku] = row.units
        self.cars_back: dict[str, list[datetime]] = {d.id: [] for d in world.depots}
        self.engineers = {
            e.id: _Engineer(e, {s: 1 for s in e.van_stock.split(";") if s}) for e in world.engineers
        }
        self.open: dict[str, DayTicket] = {}
        self.outcomes: dict[str, Outcome] = {}

    def scenario(self, now: datetime) -> Scenario:
        """The engine's view at ``now``."""
        sk = self.world.skus
        return Scenario.from_dict(
            {
                "now": now.isoformat(),
                "skus": [
                    {"sku": s.sku, "family": s.family, "onsite_minutes": s.onsite_minutes,
                     "substitutes": [x for x in s.substitutes.split(";") if x]}
                    for s in sk
                ],
                "depots": [
                    {"id": d.id, "location": d.location,
                     "stock": {k: v for k, v in self.stock[d.id].items() if v > 0},
                     "pick_minutes": d.pick_minutes, "courier_cutoff": d.courier_cutoff,
                     "drivers": max(d.drivers - sum(b > now for b in self.cars_back[d.id]), 0)}
                    for d in self.world.depots
                ],
                "couriers": [COURIER],
                "engineers": [self._engineer(e, now) for e in self.engineers.values()],
                "tickets": [
                    {"id": t.id, "service": t.service, "tier": t.tier,
                     "accepted_at": t.accepted_at.isoformat(), "site": t.site.location,
                     "sku": t.device.sku}
                    for t in self.open.values()
                ],
                "costs": COSTS,
            }
        )  # fmt: skip

    def _engineer(self, e: _Engineer, now: datetime) -> dict[str, Any]:
        """An engineer as the engine sees them at ``now``.

        The engine has no "busy until" for an engineer, so dispatched work is expressed through
        the shift: the engineer starts where the last dispatched stop ends, and the shift starts
        when it ends (the engine applies one shift to today and tomorrow, so work ending
        tomorrow shortens today's shift too: conservative). Work running past the shift end
        blocks the rest of the shift and the on-call window (an on-call route starts at the
        shift end, so it would run concurrently).
        """
        row = e.row
        where, free_at = e.free(now)
        shift = [row.shift_start, row.shift_end]
        on_call = row.on_call
        if free_at > now:
            ready = (free_at + timedelta(seconds=59)).replace(second=0, microsecond=0)
            start_t, end_t = time.fromisoformat(row.shift_start), time.fromisoformat(row.shift_end)
            later_day = ready.date() > now.date()
            if later_day or ready.time() >= end_t:
                on_call = False
            if start_t < ready.time() < end_t:
                shift = [f"{ready:%H:%M}", row.shift_end]
            elif ready.time() >= end_t and (later_day or now < _on(now, row.shift_end)):
                shift = [f"{_on(now, row.shift_end) - timedelta(minutes=1):%H:%M}", row.shift_end]
        return {
            "id": row.id,
            "home": where,
            "skills": row.skills.split(";"),
            "shift": shift,
            "on_call": on_call,
            "cost_per_hour": row.cost_per_hour,
            "van_stock": {k: v for k, v in e.van.items() if v > 0},
        }

    def travel_s(self, origin: str, destination: str, when: datetime) -> int:
        """Road seconds between two places."""
        a, b = resolve(origin), resolve(destination)
        seconds, _ = self.travel.matrix(
            np.array([[a.lat, a.lon]]), np.array([[b.lat, b.lon]]), depart_hour_of_week(when)
        )
        return int(seconds[0, 0])

    def dispatch(self, result: PlanResult, now: datetime, until: datetime | None) -> None:
        """Make irrevocable what must start before ``until`` (everything when None)."""
        by_ticket = {a.ticket: a for a in result.assignments}
        for a in result.assignments:
            if a.ticket in self.open and a.engineer is None:
                self._take(a, now, a.eta)
        for engineer, route in result.routes.items():
            e = self.engineers[engineer]
            stops = [s for s in route if s.ref in self.open]
            cut = len(stops) if until is None else self._cut(e, stops, by_ticket, now, until)
            for ref in dict.fromkeys(s.ref for s in stops[:cut]):
                mine = [x for x in stops if x.ref == ref]
                visit = next(x for x in mine if x.kind == "visit")
                e.stops.extend(
                    Stop(x.kind, x.ref, x.at, self._location(x, by_ticket), x.arrive, x.depart)
                    for x in mine
                )
                self._take(by_ticket[ref], now, visit.arrive)
            e.stops.sort(key=lambda x: x.arrive)

    def _cut(
        self,
        e: _Engineer,
        stops: Sequence[RouteStop],
        by_ticket: Mapping[str, Assignment],
        now: datetime,
        until: datetime,
    ) -> int:
        """How many of a route's first stops to dispatch now.

        Those the engineer must set off for before ``until``; those up to a visit today whose
        part rides in a dedicated car that leaves now (``meet``); and everything up to the last stop
        of a ticket already included, so dispatched stops form a prefix of the route.
        """
        today = now.date()
        cut = max(
            (
                i + 1
                for i, s in enumerate(stops)
                if by_ticket[s.ref].source == "meet" and s.arrive.date() == today
            ),
            default=0,
        )
        prev, _ = e.free(now)
        for i, s in enumerate(stops):
            where = self._location(s, by_ticket)
            if s.arrive - timedelta(seconds=self.travel_s(prev, where, now)) >= until:
                break
            cut, prev = max(cut, i + 1), where
        last = {s.ref: i for i, s in enumerate(stops)}
        k = 0
        while k < cut:
            cut = max(cut, last[stops[k].ref] + 1)
            k += 1
        return cut

    def _location(self, stop: RouteStop, by_ticket: Mapping[str, Assignment]) -> str:
        if stop.kind == "pickup":
            depot = by_ticket[stop.ref].depot
            assert depot is not None  # a pickup is always at a depot
            return self.depots[depot].location
        return self.open[stop.ref].site.location

    def _take(self, a: Assignment, now: datetime, eta: datetime) -> None:
        """Record the outcome and take the unit, and the car when one drives."""
        ticket = self.open.pop(a.ticket)
        if a.source == "van":
            assert a.engineer is not None
            self.engineers[a.engineer].van[a.sku] -= 1
        elif a.depot is not None:
            self.stock[a.depot][a.sku] -= 1
        if a.source in ("car", "meet") and a.depot is not None:
            depot = self.depots[a.depot]
            drive = self.travel_s(depot.location, ticket.site.location, now)
            back = now + timedelta(minutes=depot.pick_minutes, seconds=2 * drive)
            self.cars_back[a.depot].append(back)
        self.outcomes[a.ticket] = Outcome(ticket, now, a, eta)

    def give_up(self, result: PlanResult, now: datetime) -> None:
        """Tickets the final plan could not serve, with the engine's reason."""
        for u in result.unassigned:
            if u.ticket in self.open:
                ticket = self.open.pop(u.ticket)
                self.outcomes[u.ticket] = Outcome(ticket, now, None, None, u.reason)


def replay(
    world: DemoWorld,
    tickets: Sequence[DayTicket],
    travel: TravelModel,
    params: ReplayParams = ReplayParams(),
    progress: Progress | None = None,
) -> DayResult:
    """Replay ``tickets`` (ordered by acceptance) through the day; see the module docstring."""
    began = clock.perf_counter()
    state = _Day(world, travel)
    calls: list[EngineCall] = []
    if not tickets:
        raise ValueError("tickets must not be empty")
    step = timedelta(minutes=params.batch_minutes)
    first = tickets[0].accepted_at
    start = first.replace(minute=first.minute - first.minute % params.batch_minutes, second=0)
    count = 1 + int((tickets[-1].accepted_at - start) / step)
    moments = [start + step * (k + 1) for k in range(count)]
    queue: EventQueue[datetime] = EventQueue()
    for i, t in enumerate(tickets):
        queue.push(t.accepted_at, "accept", i)
    for k, now in enumerate(moments):
        queue.push(now, "plan", k, priority=1)  # after the tickets accepted at that instant
    last: PlanResult | None = None
    arrived = False

    def accept(_now: datetime, i: int) -> None:
        nonlocal arrived
        state.open[tickets[i].id] = tickets[i]
        arrived = True

    def moment(now: datetime, k: int) -> None:
        nonlocal last, arrived
        if k == len(moments) - 1:  # the last arrivals go straight into the re-optimisation
            if state.open:
                final = _call(state, now, params.final_time_limit_s, params.seed, calls, final=True)
                state.dispatch(final, now, None)
                state.give_up(final, now)
            return
        if arrived:
            last = _call(state, now, params.time_limit_s, params.seed, calls, final=False)
            arrived = False
        if last is not None:
            state.dispatch(last, now, now + step)
        if progress is not None:
            progress(k + 1, len(moments), f"{now:%H:%M} open {len(state.open)}")

    events.run(queue, {"accept": accept, "plan": moment})
    end = moments[-1]
    for t in list(state.open.values()):  # planned by nobody: reported, never silently lost
        state.outcomes[t.id] = Outcome(t, end, None, None, "not in the final plan")
    if progress is not None:
        progress(len(moments), len(moments), "final re-optimisation done")
    return DayResult(
        day=tickets[0].accepted_at.date(),
        tickets=tuple(tickets),
        outcomes=dict(state.outcomes),
        stops={k: tuple(e.stops) for k, e in state.engineers.items() if e.stops},
        calls=tuple(calls),
        wall_s=clock.perf_counter() - began,
    )


def _call(
    state: _Day, now: datetime, limit: float, seed: int, calls: list[EngineCall], *, final: bool
) -> PlanResult:
    began = clock.perf_counter()
    world = snapshot(state.scenario(now))
    result = plan(world, time_limit_s=limit, travel=state.travel, seed=seed)
    calls.append(EngineCall(now, len(state.open), clock.perf_counter() - began, final))
    return result
