"""A discrete-event simulation of a period of tickets planned by the real dispatch engine.

Events run on the kernel of :mod:`depots.events` (ordered by time, then the order they were
scheduled), so a run is a pure function of its parameters and the ``numpy.random.Generator``
passed in. Kinds:

- ``day``: local midnight. The engine's world for the day is encoded once
  (:func:`dispatch.encode.encode`: places, travel matrix rows from a table precomputed once per
  process, business-day shifts and on-call gaps from the engine's calendar, SLA deadlines) with
  one slot for each ticket accepted that day; a slot is only a lookup row, the planner first
  sees a ticket at its acceptance. Engineers still busy on earlier days' work are
  ``available_from`` its end, at its ``position``; drivers out on a trip stay out.
- ``fail``: a device of the installed base fails and is reported (:mod:`depots.demand`).
- ``accept``: verification is over; with ``planner = "phase1"`` (the faster mode) the ticket
  is planned at once with the engine's phase-1 decision
  (:class:`dispatch.sources.SourceState`: every option from
  :func:`solver.candidates.options`, the best taken: on time first, then cheapest, else the
  fastest, flagged late). The state is first brought to the acceptance instant: no engineer or
  driver starts before it and parcels are collected by today's courier only if packed before
  the cutoff. ``commit`` takes the unit, the driver's trip and the engineer's time, so later
  tickets see engineers busy, cars away and stock depleted.
- ``plan`` (``planner = "routing"``, the default, or ``"rolling"``): accepted tickets wait,
  open, for the next planning moment (every ``batch_minutes``, 15 by default, after the
  acceptances of that instant), where :func:`dispatch.engine.plan` plans every open ticket
  together as the service does (the joint stock allocation, then engineers' days with the
  routing core; the exact path only with ``exact``) against what earlier moments committed.
  ``"routing"`` commits the whole plan. ``"rolling"`` (the demo day's rules, ``docs/demo.md``)
  commits an AHB ticket, and an SOS ticket whose part rides in a car meeting the engineer
  today, at once; any other SOS ticket only when its engineer must set off before the next
  moment (with every stop before it on the route); the rest stays open, re-planned with later
  arrivals; after the last acceptance one final call (``final_time_limit_s``) commits all.
  A committed stop keeps its times: the engineer is busy until the last one ends, there;
  an engineer idle since earlier work today waits where it ended until the shift is over.
  A dedicated car is away for pick-and-pack plus the drive there and back.
- ``return``: the failed unit reaches the central warehouse, uniformly within the return loop's
  ``max_days`` of the service (:class:`depots.demand.ReturnLoop`).
- ``restock``: ``repair_days + transfer_days`` later, a good unit of the SKU that left (one for
  one: a substitute sent is replaced by the substitute) is back where the spare came from: its
  depot's shelf or the engineer's van.

Every ticket ends ``on_time``, ``late`` (planned, the ETA after the deadline) or ``unassigned``
(no feasible option, with the engine's reason). Stock is only ever taken by ``commit``, which
draws units that exist, so it never goes negative.

A day replay (``dispatch demo``) is a one-day run of this simulation (:func:`simulate_day`):
the day's tickets drawn by :func:`depots.demand.draw_tickets`, the real road model, the
``"rolling"`` rules; the routing planners also keep each ticket's :class:`Outcome`, the
engineers' committed :class:`Stop` s and every :class:`EngineCall` for the day's report.
"""

from __future__ import annotations

import dataclasses
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from depots import events
from depots.demand import (
    DAY_S,
    DayTicket,
    FailureRates,
    Failures,
    InstalledBase,
    day_start_s,
    draw_failures,
    own_generator,
    own_stream,
)
from depots.demo_world import DemoWorld, load
from depots.events import EventQueue
from depots.network_cost import yearly_costs
from depots.simulation_params import SimulationParams
from dispatch.calendar import from_epoch, is_business_day
from dispatch.encode import World, encode
from dispatch.engine import plan as engine_plan
from dispatch.errors import InvalidInput
from dispatch.explain import unassigned_reason
from dispatch.places import Place, resolve
from dispatch.plans import Assignment, PlanResult, RouteStop
from dispatch.scenario import Costs, Courier, Depot, Engineer, Scenario, TicketSpec
from dispatch.scenario_snapshot import snapshot
from dispatch.sla import deadline_s
from dispatch.sources import SourceState
from dispatch.tiers import Tier
from dispatch.timeparse import WARSAW
from dispatch.travel import depart_hour_of_week
from dispatch.world import Service, Sku
from solver.candidates import Mode, Options
from solver.travel.model import TravelModel

COURIER = Courier("NBD", time(17, 0), 60.0)
# The outcome table's columns (a period without tickets still has them) and their defaults.
TICKET_COLUMNS = ("ticket", "device", "site", "voivodeship", "tier", "service", "sku",
                  "submitted_s", "accepted_s", "deadline_s", "units_available", "status",
                  "eta_s", "lateness_h", "mode", "depot", "engineer", "part", "cost_pln",
                  "reason")  # fmt: skip
_TICKET_DEFAULTS = ("", "", "", "", "", "", "", -1, -1, -1, -1, "", -1, 0.0, "", "", "", "",
                    0.0, "")  # fmt: skip
Progress = Callable[[int, int, str], None]  # (minutes simulated, minutes in the period, note)


class TravelTable:
    """A ``TravelModel`` answering from one matrix of known points, computed once per run.

    Every location of a simulation (sites, depots, engineers' homes) is known in advance, so one
    road matrix (free flow) replaces a road query per simulated day.
    """

    def __init__(
        self,
        points: NDArray[np.float64],
        travel_s: NDArray[np.int64],
        distance_m: NDArray[np.int64],
    ) -> None:
        self._index = {(float(a), float(b)): i for i, (a, b) in enumerate(points)}
        self._travel_s = travel_s
        self._distance_m = distance_m

    def matrix(
        self,
        origins: NDArray[np.float64],
        destinations: NDArray[np.float64],
        depart_hour_of_week: float | None = None,  # noqa: ARG002 (free flow: one time only)
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Rows and columns of the table for points it holds.

        Raises
        ------
        InvalidInput
            When a point is not one of the table's points.
        """
        rows, cols = self._rows(origins), self._rows(destinations)
        return self._travel_s[np.ix_(rows, cols)], self._distance_m[np.ix_(rows, cols)]

    def _rows(self, points: NDArray[np.float64]) -> NDArray[np.int64]:
        try:
            return np.array([self._index[float(a), float(b)] for a, b in points], dtype=np.int64)
        except KeyError as exc:
            raise InvalidInput(
                "location", f"point {exc.args[0]} is not in the travel table"
            ) from None


@dataclass(frozen=True, slots=True)
class Network:
    """The static side of a scenario in the engine's terms, prepared once per process."""

    world: DemoWorld
    base: InstalledBase
    rates: FailureRates  # the world's catalogue times the scenario's rate_scale
    skus: dict[str, Sku]
    depots: tuple[Depot, ...]
    engineers: tuple[Engineer, ...]
    site_location: tuple[str, ...]
    site_tier: tuple[Tier, ...]
    site_service: tuple[Service, ...]
    site_region: tuple[str, ...]  # voivodeship
    places: dict[str, Place]
    travel: TravelModel  # a TravelTable, or a day replay's road model
    stock: dict[str, NDArray[np.int64]]  # SKU -> units per depot at the start
    van: dict[str, NDArray[np.int64]]  # SKU -> units per engineer at the start

    def resolve(self, text: str, field: str) -> Place:
        """The engine's resolver over the prepared places."""
        place = self.places.get(text)
        return place if place is not None else resolve(text, field=field)


@cache
def _world(world_dir: Path) -> DemoWorld:
    return load(world_dir)


@cache
def _places(locations: tuple[str, ...]) -> dict[str, Place]:
    """Every location resolved by the gazetteer (about 1 ms each)."""
    return {text: resolve(text, field="location") for text in locations}


@cache
def _geography(locations: tuple[str, ...]) -> tuple[dict[str, Place], TravelTable]:
    """Places of every location and the road matrix between them (the run's slow setup)."""
    from dispatch.travel import road_model

    places = _places(locations)
    points = np.unique(
        np.array([[p.lat, p.lon] for p in places.values()], dtype=np.float64), axis=0
    )
    travel_s, distance_m = road_model().matrix(points, points)
    return places, TravelTable(points, travel_s, distance_m)


def prepare(
    params: SimulationParams, world: DemoWorld | None = None, travel: TravelModel | None = None
) -> Network:
    """The world (``params.world_dir``'s unless given), layout and travel of ``params``: the
    free-flow travel table unless a model is given (cached per process where it is slow).

    Raises
    ------
    InvalidInput
        When the layout closes or stocks an unknown depot or SKU, or a place does not resolve.
    """
    world = _world(params.world_dir) if world is None else world
    layout = params.layout
    known = {d.id for d in world.depots}
    for depot_id in layout.close:
        if depot_id not in known:
            raise InvalidInput("layout.close", f"unknown depot {depot_id!r}")
    skus = {
        s.sku: Sku(
            s.sku, s.family, s.onsite_minutes, tuple(x for x in s.substitutes.split(";") if x)
        )
        for s in world.skus
    }
    depots = [
        Depot(d.id, d.location, {}, d.pick_minutes, time.fromisoformat(d.courier_cutoff), d.drivers)
        for d in world.depots
        if d.id not in layout.close
    ]
    depots += [
        Depot(d.id, d.location, {}, d.pick_minutes, d.courier_cutoff, d.drivers)
        for d in layout.open
    ]
    if not depots:
        raise InvalidInput("layout.close", "every depot is closed")
    index = {d.id: i for i, d in enumerate(depots)}
    if len(index) != len(depots):
        raise InvalidInput("layout.open", "a new depot reuses an existing id")
    rows = layout.stock_rows
    if rows is None:
        rows = tuple((r.depot, r.sku, round(r.units * layout.stock_scale)) for r in world.stock)
    rows += tuple((d.id, sku, units) for d in layout.open for sku, units in d.stock.items())
    stock = {sku: np.zeros(len(depots), dtype=np.int64) for sku in skus}
    for depot_id, sku, units in rows:
        if sku not in skus:
            raise InvalidInput("stock", f"unknown SKU {sku!r}")
        if depot_id in index:
            stock[sku][index[depot_id]] += units
        elif depot_id not in known:
            raise InvalidInput("stock", f"unknown depot {depot_id!r}")
    engineers = tuple(
        Engineer(
            e.id,
            e.home,
            frozenset(e.skills.split(";")),
            (time.fromisoformat(e.shift_start), time.fromisoformat(e.shift_end)),
            e.on_call,
            float(e.cost_per_hour),
            {s: 1 for s in e.van_stock.split(";") if s},
        )
        for e in world.engineers
        if layout.engineers is None or e.id in layout.engineers
    )
    for sku in params.echelons.central_stock:
        if sku not in skus:
            raise InvalidInput("echelons.central_stock", f"unknown SKU {sku!r}")
    unknown = sorted(set(layout.engineers or ()) - {e.id for e in world.engineers})
    if unknown:
        raise InvalidInput("layout.engineers", f"unknown engineer(s) {', '.join(unknown)}")
    van = {sku: np.array([e.van_stock.get(sku, 0) for e in engineers], np.int64) for sku in skus}
    locations = sorted(
        {s.location for s in world.sites}
        | {d.location for d in depots}
        | {e.home for e in engineers}
    )
    if travel is None:
        places, travel = _geography(tuple(locations))
    else:
        places = _places(tuple(locations))
    return Network(
        world=world,
        base=InstalledBase.from_world(world),
        rates=FailureRates.from_world(world, params.demand.rate_scale),
        skus=skus,
        depots=tuple(depots),
        engineers=engineers,
        site_location=tuple(s.location for s in world.sites),
        site_tier=tuple(Tier.parse(s.tier, field=f"sites.{s.id}.tier") for s in world.sites),
        site_service=tuple(Service(s.service) for s in world.sites),
        site_region=tuple(places[s.location].voivodeship for s in world.sites),
        places=places,
        travel=travel,
        stock=stock,
        van=van,
    )


@dataclass(frozen=True, slots=True)
class Stop:
    """A committed stop on an engineer's day."""

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
class RunResult:
    """One replication: per-ticket outcomes, engineers, daily stock, and the event trace; with
    a routing planner also each ticket's outcome, the engineers' stops and the engine calls."""

    name: str
    replication: int  # index under the scenario seed's ``SeedSequence``
    tickets: pd.DataFrame
    engineers: pd.DataFrame
    stock: pd.DataFrame
    trace: tuple[tuple[int, str, str], ...]
    runtime_s: float
    time_in: dict[str, float]  # seconds spent per activity (encode, plan, events)
    costs: dict[str, float] = dataclasses.field(default_factory=dict)  # PLN a year, by line
    moves: dict[str, int] = dataclasses.field(default_factory=dict)  # stock moves, by kind
    outcomes: dict[str, Outcome] = dataclasses.field(default_factory=dict)  # by ticket
    stops: dict[str, tuple[Stop, ...]] = dataclasses.field(default_factory=dict)  # by engineer
    calls: tuple[EngineCall, ...] = ()


class _Run:
    """Mutable state of one replication."""

    def __init__(
        self,
        params: SimulationParams,
        net: Network,
        rng: np.random.Generator,
        trace: bool,
        tickets: Sequence[DayTicket] | None = None,
    ) -> None:
        self.params, self.net, self.rng = params, net, rng
        # A quote's new sites draw failures and return loops from their own stream
        self.own_rng = own_generator(rng) if params.demand.own_stream_sites else rng
        if tickets is None:
            self.failures: Failures = draw_failures(
                net.base, net.rates, params.demand, params.start, params.days, rng, self.own_rng
            )
            self.ids = [f"T{i + 1:05d}" for i in range(len(self.failures))]
        else:  # a day's drawn tickets, ordered by acceptance
            self.failures = _failures(net.base, tickets)
            self.ids = [t.id for t in tickets]
        self.tickets = tickets
        self.failure_index = {ticket: i for i, ticket in enumerate(self.ids)}
        self.own = own_stream(net.base, params.demand)[self.failures.device]
        self.stock = {sku: units.copy() for sku, units in net.stock.items()}
        self.van = {sku: units.copy() for sku, units in net.van.items()}
        self.stocked = np.sum([units > 0 for units in self.stock.values()], axis=0)
        self.driver_free_abs: list[list[int]] = [[0] * d.drivers for d in net.depots]
        self.pick_s = np.array([d.pick_minutes * 60 for d in net.depots], dtype=np.int64)
        n_eng = len(net.engineers)
        self.busy_until = np.zeros(n_eng, dtype=np.int64)
        self.last_place = [e.home for e in net.engineers]  # where the latest job ends
        self.busy: list[list[tuple[int, int]]] = [[] for _ in range(n_eng)]  # epoch s
        self.jobs = np.zeros(n_eng, dtype=np.int64)
        self.engineer_index = {e.id: j for j, e in enumerate(net.engineers)}
        self.depot_index = {d.id: j for j, d in enumerate(net.depots)}
        self.events: EventQueue[int] = EventQueue()  # times in epoch seconds
        self.trace: list[tuple[int, str, str]] | None = [] if trace else None
        self.rows: list[dict[str, object]] = []
        self.snapshots: list[dict[str, object]] = []
        self.returns: list[tuple[str, int, str, str]] = []  # (where kind, index, SKU, ticket)
        self.restock_at: list[int] = []  # per return: when a good unit is back on the shelf
        self.central = dict(params.echelons.central_stock)  # the central warehouse's spares
        self.moves = {"central_resupplies": 0, "lateral_transfers": 0}
        self.world: World | None = None
        self.state: SourceState | None = None
        self.first = 0  # index of the current day's first ticket
        self.day_tickets: tuple[TicketSpec, ...] = ()  # the current day's, as in its scenario
        # routing planners: tickets accepted, not committed; whether some arrived since the
        # last engine call, a moment is scheduled, how many were accepted, the last plan
        self.open: list[int] = []
        self.arrived = self.pending = False
        self.accepted = 0
        self.last: PlanResult | None = None
        self.stops: list[list[Stop]] = [[] for _ in range(n_eng)]
        self.outcomes: dict[str, Outcome] = {}
        self.calls: list[EngineCall] = []
        self.time_in = {"encode_s": 0.0, "plan_s": 0.0}
        self.progress: Progress | None = None  # set by run, with the period's minutes
        self.period_min = 0

    def log(self, at: int, kind: str, ref: str) -> None:
        if self.trace is not None:
            self.trace.append((at, kind, ref))

    def ticket_id(self, i: int) -> str:
        return self.ids[i]

    def run(self, progress: Progress | None) -> None:
        accepted = self.failures.accepted_s
        last_day = from_epoch(int(accepted[-1])).date() if len(accepted) else self.params.start
        days = [
            self.params.start + timedelta(days=d)
            for d in range(max((last_day - self.params.start).days + 1, self.params.days))
        ]
        self.day_starts = [day_start_s(d) for d in days]
        for k, start in enumerate(self.day_starts):
            self.events.push(start, "day", k)
        for i, submitted in enumerate(self.failures.submitted_s):
            self.events.push(int(submitted), "fail", i)
        batched = self.params.planner != "phase1"
        self.progress, self.period_min = progress, len(days) * DAY_S // 60

        def on_day(at: int, k: int) -> None:
            self.on_day(at, k, days[k])
            self.report(at)

        def on_fail(at: int, i: int) -> None:
            self.log(at, "fail", self.ticket_id(i))
            self.events.push(int(self.failures.accepted_s[i]), "accept", i)

        def on_return(at: int, r: int) -> None:
            self.log(at, "return", self.returns[r][3])
            self.events.push(self.restock_at[r], "restock", r)

        events.run(
            self.events,
            {
                "day": on_day,
                "fail": on_fail,
                "accept": self.on_accept_batched if batched else self.on_accept,
                "plan": lambda at, _: self.on_plan(at),
                "return": on_return,
                "restock": self.on_restock,
            },
        )

    def on_day(self, at: int, k: int, day: date) -> None:
        self.log(at, "day", day.isoformat())
        began = clock.perf_counter()
        accepted = self.failures.accepted_s
        self.first = int(np.searchsorted(accepted, at))
        end = int(
            np.searchsorted(
                accepted, self.day_starts[k + 1] if k + 1 < len(self.day_starts) else at + 2 * DAY_S
            )
        )
        net = self.net
        tickets = self.day_tickets = tuple(self._ticket(i) for i in range(self.first, end))
        engineers = tuple(self._engineer(j, at) for j in range(len(net.engineers)))
        now = from_epoch(at)
        scenario = Scenario(now, net.skus, net.depots, (COURIER,), engineers, tickets, Costs())
        self.world = encode(snapshot(scenario, net.resolve), net.travel)
        state = SourceState.start(self.world)
        state.depot_units, state.van_units = self.stock, self.van
        self.state = state
        self.courier_cache: dict[tuple[bool, ...], NDArray[np.int64]] = {}
        self.cutoff_s = [
            int(datetime.combine(day, d.courier_cutoff, WARSAW).timestamp()) - d.pick_minutes * 60
            for d in net.depots
        ]
        self.snapshots.extend(
            {
                "day": day,
                "depot": d.id,
                "units": int(sum(u[j] for u in self.stock.values())),
                "stocked_skus": int(self.stocked[j]),
                "empty_skus": int(
                    sum(u[j] == 0 for u in self.stock.values())
                    - (len(self.stock) - self.stocked[j])
                ),
            }
            for j, d in enumerate(net.depots)
        )
        self.time_in["encode_s"] += clock.perf_counter() - began

    def _engineer(self, j: int, at: int) -> Engineer:
        """Engineer ``j`` at ``at``: still busy on earlier work until it ends, where it ends;
        idle since work today, where that ended (:meth:`_free`)."""
        engineer = self.net.engineers[j]
        where, free_at = self._free(j, at)
        if free_at > at:
            return dataclasses.replace(engineer, available_from=from_epoch(free_at), position=where)
        return engineer if where == engineer.home else dataclasses.replace(engineer, position=where)

    def _free(self, j: int, at: int) -> tuple[str, int]:
        """Where and from when engineer ``j`` can take new work: after the last committed work
        if that is still ahead; else now, where today's last work ended until the shift is
        over, and at home otherwise."""
        engineer, until = self.net.engineers[j], int(self.busy_until[j])
        if until > at:
            return self.last_place[j], until
        now = from_epoch(at)
        if until and from_epoch(until).date() == now.date() and now.time() < engineer.shift[1]:
            return self.last_place[j], at
        return engineer.home, at

    def _ticket(self, i: int) -> TicketSpec:
        net = self.net
        device = int(self.failures.device[i])
        site = int(net.base.device_site[device])
        return TicketSpec(
            id=self.ticket_id(i),
            service=net.site_service[site],
            tier=net.site_tier[site],
            accepted_at=from_epoch(int(self.failures.accepted_s[i])),
            site=net.site_location[site],
            sku=net.base.skus[int(net.base.device_sku[device])],
        )

    def on_accept(self, at: int, i: int) -> None:
        began = clock.perf_counter()
        world, state = self.world, self.state
        assert world is not None and state is not None  # a day event always comes first
        t = i - self.first
        ticket = self.day_tickets[t]
        self.log(at, "accept", ticket.id)
        rel = at - world.now_s
        state.advance_to(rel)
        # Drivers' free times as waits after now (candidates add the packing time to them),
        # the pickup's packing done no earlier than now + packing time.
        state.driver_free = [[max(f - at, 0) for f in d] for d in self.driver_free_abs]
        world.net.depot_pick_s[:] = rel + self.pick_s
        world.net.courier_eta_s[:] = self._courier_eta(at)
        stock, van = state.usable(t)
        opts = state.options_for(t)
        deadline = int(world.deadline_rel_s[t])
        ranked = opts.ranked(deadline)
        row = self._row(i, ticket, at, world.now_s + deadline, int(stock.sum() + van.sum()))
        if len(ranked) == 0:
            row.update(status="unassigned", reason=unassigned_reason(world, t, opts))
            self.log(at, "unassigned", ticket.id)
        else:
            self._commit(at, t, opts, int(ranked[0]), row)
        self.rows.append(row)
        self.time_in["plan_s"] += clock.perf_counter() - began

    def on_accept_batched(self, at: int, i: int) -> None:
        """Routing planners: the ticket waits, open, for the next planning moment."""
        self.log(at, "accept", self.ticket_id(i))
        self.open.append(i)
        self.accepted += 1
        self.arrived = True
        if not self.pending:
            step = self.params.batch_minutes * 60
            self._moment(-(-at // step) * step)

    def _moment(self, at: int) -> None:
        """A planning moment at ``at``, after the acceptances of that instant."""
        self.events.push(at, "plan", 0, priority=1)
        self.pending = True

    def on_plan(self, at: int) -> None:
        """Routing planners: the full engine (:func:`dispatch.engine.plan`) on the open tickets
        at ``at`` (when some arrived since its last call), against what earlier moments
        committed; then the planner's rule commits (module docstring)."""
        began = clock.perf_counter()
        params, self.pending = self.params, False
        rolling = params.planner == "rolling"
        final = not rolling or self.accepted == len(self.failures)
        if self.open and (self.arrived or final):
            limit = params.final_time_limit_s if rolling and final else params.time_limit_s
            self.last = self._call(at, limit, final=rolling and final)
            self.arrived = False
        plan = self.last
        if plan is not None and self.open:
            step = params.batch_minutes * 60
            self._commit_plan(plan, at, None if final else at + step)
        if final:
            for i in self.open:  # planned by nobody: reported, never silently lost
                self._give_up(i, at, "not in the final plan")
            self.open = []
        elif self.open:
            self._moment(at + params.batch_minutes * 60)
        self.report(at)
        self.time_in["plan_s"] += clock.perf_counter() - began

    def _call(self, at: int, limit: float, *, final: bool) -> PlanResult:
        """The engine on every open ticket against stock, drivers and engineers left."""
        began = clock.perf_counter()
        net = self.net
        depots = tuple(
            dataclasses.replace(
                d,
                stock={sku: int(u[j]) for sku, u in self.stock.items() if u[j] > 0},
                drivers=sum(f <= at for f in self.driver_free_abs[j]),
            )
            for j, d in enumerate(net.depots)
        )
        engineers = tuple(
            dataclasses.replace(
                self._engineer(j, at),
                van_stock={sku: int(u[j]) for sku, u in self.van.items() if u[j] > 0},
            )
            for j in range(len(net.engineers))
        )
        tickets = tuple(self._ticket(i) for i in self.open)
        scenario = Scenario(
            from_epoch(at), net.skus, depots, (COURIER,), engineers, tickets, Costs()
        )
        plan = engine_plan(
            snapshot(scenario, net.resolve),
            time_limit_s=limit,
            travel=net.travel,
            seed=self.params.seed,
            exact=self.params.exact,
        )
        runtime = clock.perf_counter() - began
        self.calls.append(EngineCall(from_epoch(at), len(tickets), runtime, final))
        return plan

    def _commit_plan(self, plan: PlanResult, at: int, until: int | None) -> None:
        """Commit what must start before ``until`` (all of ``plan`` when None); with None,
        a ticket the plan could not serve is unassigned with the engine's reason."""
        where = {self.ticket_id(i): i for i in self.open}
        by_ticket = {a.ticket: a for a in plan.assignments if a.ticket in where}
        stops: dict[str, list[RouteStop]] = {
            a.ticket: [] for a in by_ticket.values() if a.engineer is None
        }
        for engineer, route in plan.routes.items():
            mine = [s for s in route if s.ref in by_ticket]
            cut = len(mine) if until is None else self._cut(engineer, mine, by_ticket, at, until)
            for s in mine[:cut]:
                stops.setdefault(s.ref, []).append(s)
        for ticket, a in by_ticket.items():
            if ticket in stops:
                self._dispatch(where.pop(ticket), a, stops[ticket], at)
        if until is None:
            for u in plan.unassigned:
                if u.ticket in where:
                    self._give_up(where.pop(u.ticket), at, u.reason)
        self.open = list(where.values())

    def _cut(
        self,
        engineer: str,
        stops: Sequence[RouteStop],
        by_ticket: dict[str, Assignment],
        at: int,
        until: int,
    ) -> int:
        """How many of a route's first stops to commit now (the ``"rolling"`` rule).

        Those the engineer must set off for before ``until``; those up to a visit today whose
        part rides in a dedicated car that leaves now (``meet``); and everything up to the last
        stop of a ticket already included, so committed stops form a prefix of the route.
        """
        today = from_epoch(at).date()
        cut = max(
            (
                i + 1
                for i, s in enumerate(stops)
                if by_ticket[s.ref].source == "meet" and s.arrive.date() == today
            ),
            default=0,
        )
        prev, _ = self._free(self.engineer_index[engineer], at)
        for i, s in enumerate(stops):
            where = self._location(s, by_ticket[s.ref])
            if int(s.arrive.timestamp()) - self._drive_s(prev, where, at) >= until:
                break
            cut, prev = max(cut, i + 1), where
        last = {s.ref: i for i, s in enumerate(stops)}
        k = 0
        while k < cut:
            cut = max(cut, last[stops[k].ref] + 1)
            k += 1
        return cut

    def _location(self, stop: RouteStop, a: Assignment) -> str:
        """The text of a stop's place: the depot of a pickup, else the ticket's site."""
        if stop.kind == "pickup":
            assert a.depot is not None  # a pickup is always at a depot
            return self.net.depots[self.depot_index[a.depot]].location
        return self._ticket(self.failure_index[a.ticket]).site

    def _dispatch(self, i: int, a: Assignment, stops: Sequence[RouteStop], at: int) -> None:
        """Commit ticket ``i``'s assignment ``a`` at ``at``: its outcome, the unit, the car
        when one drives, and the engineer's ``stops``."""
        net = self.net
        ticket = self._ticket(i)
        row = self._row(
            i, ticket, int(self.failures.accepted_s[i]), int(a.deadline.timestamp()), -1
        )
        eta = int(a.eta.timestamp())
        mode = Mode.of(a.mode, a.source)
        row.update(
            status="on_time" if a.on_time else "late",
            eta_s=eta,
            lateness_h=max(eta - row["deadline_s"], 0) / 3600,  # type: ignore[operator]
            mode=mode.label,
            depot=a.depot or "",
            engineer=a.engineer or "",
            part=a.sku,
            cost_pln=a.cost,
        )
        self.rows.append(row)
        self.outcomes[ticket.id] = Outcome(self._day_ticket(i), from_epoch(at), a, a.eta)
        d = self.depot_index[a.depot] if a.depot is not None else -1
        if mode in (Mode.DEDICATED, Mode.MEET):
            depot = net.depots[d]
            back = at + depot.pick_minutes * 60 + 2 * self._drive_s(depot.location, ticket.site, at)
            free = self.driver_free_abs[d]
            free[int(np.argmin(free))] = back
        e = self.engineer_index[a.engineer] if a.engineer is not None else -1
        self._take(i, at, ticket, "van" if mode is Mode.VAN else "depot",
                   e if mode is Mode.VAN else d, a.sku, eta)  # fmt: skip
        if not stops or e < 0:
            return
        places = [self._location(s, a) for s in stops]
        committed = self.stops[e]
        committed += (
            Stop(s.kind, s.ref, s.at, place, s.arrive, s.depart)
            for s, place in zip(stops, places, strict=True)
        )
        committed.sort(key=lambda s: s.arrive)
        # on the road from the stop before, when it was the same day; from home otherwise
        k = next(k for k, s in enumerate(committed) if s.ticket == a.ticket)
        same_day = k and committed[k - 1].depart.date() == stops[0].arrive.date()
        prev = committed[k - 1].location if same_day else net.engineers[e].home
        leave = int(stops[0].arrive.timestamp()) - self._drive_s(prev, places[0], at)
        end = int(committed[-1].depart.timestamp())
        if end >= self.busy_until[e]:
            self.busy_until[e] = end
            self.last_place[e] = committed[-1].location
        self.busy[e].append((leave, int(stops[-1].depart.timestamp())))
        self.jobs[e] += 1

    def _give_up(self, i: int, at: int, reason: str) -> None:
        """Ticket ``i`` unassigned at ``at`` with ``reason``."""
        ticket = self._ticket(i)
        due = deadline_s(ticket.tier, int(ticket.accepted_at.timestamp()))
        row = self._row(i, ticket, int(self.failures.accepted_s[i]), due, -1)
        row.update(status="unassigned", reason=reason)
        self.log(at, "unassigned", ticket.id)
        self.rows.append(row)
        self.outcomes[ticket.id] = Outcome(self._day_ticket(i), from_epoch(at), None, None, reason)

    def _day_ticket(self, i: int) -> DayTicket:
        """Failure ``i`` as a ticket of the world's rows (the day's own when it has them)."""
        if self.tickets is not None:
            return self.tickets[i]
        world = self.net.world
        device = world.devices[int(self.failures.device[i])]
        return DayTicket(
            self.ticket_id(i),
            device,
            world.sites[int(self.net.base.device_site[int(self.failures.device[i])])],
            from_epoch(int(self.failures.submitted_s[i])),
            from_epoch(int(self.failures.accepted_s[i])),
        )

    def report(self, at: int) -> None:
        """Tell ``progress`` how far the run is and how many tickets are open."""
        if self.progress is not None:
            done = min((at - self.day_starts[0]) // 60, self.period_min)
            note = f"{from_epoch(at):%d.%m %H:%M}, open {len(self.open)}"
            self.progress(done, self.period_min, note)

    def _drive_s(self, origin: str, destination: str, at: int) -> int:
        """Road seconds between two of the run's locations, setting off at ``at``."""
        a, b = self.net.places[origin], self.net.places[destination]
        seconds, _ = self.net.travel.matrix(
            np.array([[a.lat, a.lon]]),
            np.array([[b.lat, b.lon]]),
            depart_hour_of_week(from_epoch(at)),
        )
        return int(seconds[0, 0])

    def _courier_eta(self, at: int) -> NDArray[np.int64]:
        """Parcel delivery per depot (relative to the day) for a part packed after ``at``.

        The engine's own rule: the depots encoded at ``at``; computed once per set of depots
        already past their cutoff today, as nothing else changes within a day.
        """
        world, net = self.world, self.net
        assert world is not None
        key = tuple(bool(at > c) for c in self.cutoff_s)
        if key not in self.courier_cache:
            depots_now = Scenario(from_epoch(at), net.skus, net.depots, (COURIER,), (), (), Costs())
            eta = encode(snapshot(depots_now, net.resolve), net.travel).net.courier_eta_s
            self.courier_cache[key] = eta + (at - world.now_s)
        return self.courier_cache[key]

    def _commit(self, at: int, t: int, opts: Options, k: int, row: dict[str, object]) -> None:
        world, state = self.world, self.state
        assert world is not None and state is not None
        engineer, window = int(opts.engineer[k]), int(opts.window[k])
        ready = int(state.shifts[window].ready_s[engineer]) if engineer >= 0 else 0
        waits = [list(d) for d in state.driver_free]
        choice = state.commit(t, opts, k)
        if choice.mode in (Mode.DEDICATED, Mode.MEET):
            trip = int(np.argmin(waits[choice.depot]))  # the driver commit sent
            self.driver_free_abs[choice.depot][trip] = (
                world.now_s + state.driver_free[choice.depot][trip]
            )
        ticket = self.day_tickets[t]
        eta_abs = world.now_s + choice.eta_s
        if engineer >= 0:
            done = choice.eta_s + world.snapshot.skus[ticket.sku].onsite_minutes * 60
            self.busy[engineer].append((world.now_s + ready, world.now_s + done))
            self.jobs[engineer] += 1
            if world.now_s + done >= self.busy_until[engineer]:
                self.busy_until[engineer] = world.now_s + done
                self.last_place[engineer] = ticket.site
        deadline_abs = world.now_s + int(world.deadline_rel_s[t])
        late = eta_abs > deadline_abs
        row.update(
            status="late" if late else "on_time",
            eta_s=eta_abs,
            lateness_h=max(eta_abs - deadline_abs, 0) / 3600,
            mode=choice.mode.label,
            depot=world.depot_ids[choice.depot] if choice.depot >= 0 else "",
            engineer=world.engineer_ids[engineer] if engineer >= 0 else "",
            part=choice.sku,
            cost_pln=choice.cost_gr / 100,
        )
        self.log(at, "late" if late else "planned", ticket.id)
        if choice.mode is Mode.VAN:
            self._sent(self.first + t, at, "van", engineer, choice.sku, ticket, eta_abs)
        else:
            self._sent(self.first + t, at, "depot", choice.depot, choice.sku, ticket, eta_abs)

    def _take(
        self, i: int, at: int, ticket: TicketSpec, kind: str, where: int, sku: str, eta: int
    ) -> None:
        """Routing planner: the unit a plan took leaves the shelf or van."""
        units = (self.van if kind == "van" else self.stock)[sku]
        units[where] -= 1
        assert units[where] >= 0, "the engine promised a unit that is not there"
        self.log(at, "planned", ticket.id)
        self._sent(i, at, kind, where, sku, ticket, eta)

    def _sent(
        self, i: int, at: int, kind: str, where: int, sku: str, ticket: TicketSpec, eta: int
    ) -> None:
        """A unit of ``sku`` left ``where`` at ``at`` for ``ticket`` (failure ``i``): schedule
        what refills it.

        When the failed unit's return loop closes, a good unit of ``sku`` (the part that left,
        which may be a substitute of the failed one) is back at ``where``: one for one, as the
        stock plan assumes (``depots.stocking``). With a central spare of ``sku`` on hand, that
        spare ships to ``where`` now and the repaired unit stays central instead. Without one, a
        depot left with no ``sku`` borrows one from the depot holding most of it (two or more)
        when lateral transfers are on.
        """
        loop, echelons = self.params.returns, self.params.echelons
        rng = self.own_rng if self.own[i] else self.rng  # a quote's new sites: their own stream
        back = eta + loop.back_after_s(rng)  # a good unit on the shelf it came from
        arrives = back - round((loop.repair_days + loop.transfer_days) * DAY_S)  # at the warehouse
        central = self.central.get(sku, 0) > 0
        restocks = (kind, where, sku)  # one for one: a unit of what left the shelf comes back
        if central:
            self.central[sku] -= 1
            self.moves["central_resupplies"] += 1
            self._ships(at + round(echelons.central_days * DAY_S), kind, where, sku, ticket.id)
            restocks = ("central", -1, ticket.sku)  # the failed unit, repaired, stays there
            back -= round(loop.transfer_days * DAY_S)
        self.returns.append((*restocks, ticket.id))
        self.restock_at.append(back)
        self.events.push(arrives, "return", len(self.returns) - 1)
        if not central and echelons.lateral and kind == "depot" and self.stock[sku][where] == 0:
            source = int(np.argmax(self.stock[sku]))
            if self.stock[sku][source] >= 2:
                self.stock[sku][source] -= 1
                self.moves["lateral_transfers"] += 1
                self._ships(at + round(echelons.lateral_days * DAY_S), kind, where, sku, ticket.id)

    def _ships(self, arrives: int, kind: str, where: int, sku: str, ticket: str) -> None:
        """A good unit of ``sku`` on its way to ``where``, on the shelf (or van) at ``arrives``."""
        self.returns.append((kind, where, sku, ticket))
        self.restock_at.append(arrives)
        self.events.push(arrives, "restock", len(self.returns) - 1)

    def _row(
        self, i: int, ticket: TicketSpec, at: int, deadline: int, units: int
    ) -> dict[str, object]:
        net = self.net
        device = int(self.failures.device[i])
        site = int(net.base.device_site[device])
        row = dict(zip(TICKET_COLUMNS, _TICKET_DEFAULTS, strict=True))
        row.update(
            ticket=ticket.id,
            device=net.base.device_serial[device],
            site=net.base.sites[site],
            voivodeship=net.site_region[site],
            tier=str(ticket.tier),
            service=ticket.service.value,
            sku=ticket.sku,
            submitted_s=int(self.failures.submitted_s[i]),
            accepted_s=at,
            deadline_s=deadline,
            units_available=units,
        )
        return row

    def on_restock(self, at: int, r: int) -> None:
        kind, where, sku, ticket = self.returns[r]
        if kind == "central":
            self.central[sku] = self.central.get(sku, 0) + 1
        else:
            (self.van if kind == "van" else self.stock)[sku][where] += 1
        self.log(at, "restock", ticket)

    def result(self, replication: int, runtime_s: float) -> RunResult:
        net, params = self.net, self.params
        days = (params.start + timedelta(days=d) for d in range(params.days))
        business = [d for d in days if is_business_day(d)]
        busy_s, shift_s, off_s = (
            np.array(
                [
                    workload(self.busy[j], _shift_windows(business, e.shift))
                    for j, e in enumerate(net.engineers)
                ],
                dtype=np.int64,
            )
            .reshape(-1, 3)
            .T
        )
        available = shift_s + off_s
        engineers = pd.DataFrame(
            {
                "engineer": [e.id for e in net.engineers],
                "home": [e.home for e in net.engineers],
                "jobs": self.jobs,
                "busy_h": busy_s / 3600,
                "shift_h": shift_s / 3600,
                "off_shift_h": off_s / 3600,
                "utilisation": np.divide(
                    busy_s, available, out=np.zeros(len(busy_s)), where=available > 0
                ),
            }
        )
        tickets = pd.DataFrame(self.rows, columns=list(TICKET_COLUMNS))
        for column in ("submitted_s", "accepted_s", "deadline_s", "eta_s"):
            tickets[column.removesuffix("_s")] = pd.to_datetime(
                tickets[column].where(tickets[column] >= 0), unit="s", utc=True
            ).dt.tz_convert(WARSAW)
        costs = yearly_costs(
            depots=len(net.depots),
            depot_pln_year=params.depot_pln_year,
            units={
                sku: np.concatenate(
                    [net.stock[sku], net.van[sku], [params.echelons.central_stock.get(sku, 0)]]
                )
                for sku in net.stock
            },
            family={sku: s.family for sku, s in net.skus.items()},
            holding_rate=params.holding_rate,
            tickets=tickets,
            engineers=engineers,
            rates=[e.cost_per_hour for e in net.engineers],
            days=params.days,
            transfers_pln=self.moves["lateral_transfers"] * params.echelons.lateral_pln,
        )
        return RunResult(
            costs=costs,
            moves=dict(self.moves),
            name=params.name,
            replication=replication,
            tickets=tickets,
            engineers=engineers,
            stock=pd.DataFrame(self.snapshots),
            trace=tuple(self.trace or ()),
            runtime_s=runtime_s,
            time_in=dict(self.time_in),
            outcomes=dict(self.outcomes),
            stops={e.id: tuple(s) for e, s in zip(net.engineers, self.stops, strict=True) if s},
            calls=tuple(self.calls),
        )


def workload(
    busy: Sequence[tuple[int, int]], shifts: Sequence[tuple[int, int]]
) -> tuple[int, int, int]:
    """Seconds busy, on shift and busy off shift, for one engineer over the period.

    ``busy`` intervals may overlap (counted once); ``shifts`` are disjoint and sorted. Busy time
    off shift (on call at night, at weekends and on holidays, past a shift's end, or after the
    period) is time the engineer was available only because they worked it, so utilisation is
    ``busy / (on shift + busy off shift)``: never above 1.
    """
    shift = np.asarray(shifts, dtype=np.int64).reshape(-1, 2)
    shift_s = int((shift[:, 1] - shift[:, 0]).sum())
    if not busy:
        return 0, shift_s, 0
    spans = np.asarray(sorted(busy), dtype=np.int64)
    reach = np.maximum.accumulate(spans[:, 1])
    opens = np.r_[True, spans[1:, 0] > reach[:-1]]  # an interval starting a merged run
    starts, ends = spans[opens, 0], reach[np.r_[opens[1:], True]]
    busy_s = int((ends - starts).sum())
    if shift_s == 0:
        return busy_s, 0, busy_s
    # shift seconds before t: piecewise linear through the shifts' starts and ends
    edges = shift.ravel()
    covered = np.repeat(np.r_[0, np.cumsum(shift[:, 1] - shift[:, 0])], 2)[1:-1]
    inside = np.interp(ends, edges, covered) - np.interp(starts, edges, covered)
    return busy_s, shift_s, busy_s - round(float(inside.sum()))


def _shift_windows(days: Sequence[date], shift: tuple[time, time]) -> list[tuple[int, int]]:
    """The engineer's shift on each of ``days``, in epoch seconds."""
    return [
        (
            int(datetime.combine(d, shift[0], WARSAW).timestamp()),
            int(datetime.combine(d, shift[1], WARSAW).timestamp()),
        )
        for d in days
    ]


def simulate(
    params: SimulationParams,
    rng: np.random.Generator,
    *,
    replication: int = 0,
    trace: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """Run one replication of ``params`` drawing from ``rng`` (``replication`` is recorded).

    Raises
    ------
    InvalidInput
        When the scenario's layout or places are invalid.
    """
    began = clock.perf_counter()
    net = prepare(params)
    setup = clock.perf_counter() - began
    run = _Run(params, net, rng, trace)
    run.run(progress)
    result = run.result(replication, clock.perf_counter() - began)
    result.time_in["setup_s"] = setup
    return result


def _failures(base: InstalledBase, tickets: Sequence[DayTicket]) -> Failures:
    """A day's drawn tickets as the run's failures (indices into ``base``)."""
    device = {serial: k for k, serial in enumerate(base.device_serial)}
    return Failures(
        device=np.array([device[t.device.serial] for t in tickets], dtype=np.int64),
        submitted_s=np.array([int(t.submitted_at.timestamp()) for t in tickets], dtype=np.int64),
        accepted_s=np.array([int(t.accepted_at.timestamp()) for t in tickets], dtype=np.int64),
    )


def simulate_day(
    world: DemoWorld,
    tickets: Sequence[DayTicket],
    travel: TravelModel,
    params: SimulationParams,
    progress: Progress | None = None,
) -> RunResult:
    """A day replay: ``tickets`` (ordered by acceptance, :func:`depots.demand.draw_tickets`)
    run through :func:`simulate`'s events on ``world`` with ``travel``, from ``params.start``
    (``dispatch demo``: ``planner = "rolling"``).

    Raises
    ------
    ValueError
        When ``tickets`` is empty.
    """
    if not tickets:
        raise ValueError("tickets must not be empty")
    began = clock.perf_counter()
    net = prepare(params, world, travel)
    run = _Run(params, net, np.random.default_rng(params.seed), trace=False, tickets=tickets)
    run.run(progress)
    return run.result(0, clock.perf_counter() - began)
