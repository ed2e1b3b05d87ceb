"""The dispatch engine: for each ticket the depot, the transport and the engineer, and every
engineer's day in order, so that the most deadlines are met at the least cost.

Two phases:

1. **Choice of part source and mode**, most urgent ticket first: each ticket's options are
   evaluated against what earlier tickets took (stock units, dedicated drivers, engineers'
   time), and the best is kept: on time first, then cheapest; a ticket that cannot be on time
   takes its fastest option and is flagged late. Stock is drawn unit by unit (the SKU before its
   substitutes), so one unit is never promised twice.
2. **Engineers' days** with the routing core: SOS tickets become pickup -> visit pairs (part from
   a depot), single visits (van stock, or a dedicated car meeting the engineer on site), with
   soft deadlines weighted by tier; existing visits are kept, pinned ones first. The routing core
   reassigns and reorders engineers within the time limit, starting from greedy insertion.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dispatch.encode import World, accepted_skus, encode
from dispatch.explain import alternatives_for, unassigned_reason
from dispatch.places import Place, resolve
from dispatch.plans import Assignment, PlanResult, RouteStop, Unassigned
from dispatch.scenario import Scenario, Service
from solver.candidates import NO_TIME, Availability, Mode, Options, options
from solver.routing.model import UNLIMITED, Job, Pair, RoutingProblem, Vehicle
from solver.routing.params import SolveParams
from solver.routing.result import RoutingResult
from solver.routing.solve import solve
from solver.travel.model import TravelModel

LATENESS_GR_PER_S_PER_PRIORITY = 100  # 3,600 PLN per hour late per priority point
DROP_PENALTY_GR = 10**9
PICKUP_SERVICE_S = 5 * 60
MIN_ROUTING_S = 0.3  # the routing core always gets this long, even after a slow first load
MODE_NAMES = {
    Mode.COURIER: ("courier", "parcel"),
    Mode.DEDICATED: ("dedicated", "car"),
    Mode.PICKUP: ("engineer", "depot"),
    Mode.VAN: ("engineer", "van"),
    Mode.MEET: ("engineer", "meet"),
}


def _default_travel() -> TravelModel:
    from solver.travel.road import RoadTravel

    return RoadTravel.default()


def _default_resolve(text: str, field_name: str) -> Place:
    return resolve(text, field=field_name)


@dataclass(slots=True)
class Choice:
    """The option kept for one ticket in phase 1."""

    ticket: int
    mode: Mode
    depot: int
    engineer: int
    eta_s: int
    cost_gr: int
    sku: str
    options: Options
    part_ready_s: int = 0  # when a dedicated car brings the part to the site (MEET)


@dataclass(slots=True)
class _State:
    """What earlier tickets have taken: units, drivers' free times, engineers' next start."""

    world: World
    depot_units: dict[str, NDArray[np.int64]]
    van_units: dict[str, NDArray[np.int64]]
    driver_free: list[list[int]]  # per depot, each driver's free time (relative s)
    shifts: list[Availability] = field(default_factory=list)

    @classmethod
    def start(cls, world: World) -> _State:
        sc = world.scenario
        depot_units = {
            sku: np.array([d.stock.get(sku, 0) for d in sc.depots], dtype=np.int64)
            for sku in sc.skus
        }
        van_units = {
            sku: np.array([e.van_stock.get(sku, 0) for e in sc.engineers], dtype=np.int64)
            for sku in sc.skus
        }
        drivers = [[0] * int(n) for n in world.drivers]
        shifts = [
            Availability(s.loc.copy(), s.ready_s.copy(), s.shift_end_s.copy(), s.on_call)
            for s in world.shifts
        ]
        return cls(world, depot_units, van_units, drivers, shifts)

    def usable(self, t: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        skus = accepted_skus(self.world.scenario, self.world.scenario.tickets[t])
        return (
            sum(
                (self.depot_units[s] for s in skus), start=np.zeros_like(self.depot_units[skus[0]])
            ),
            sum((self.van_units[s] for s in skus), start=np.zeros_like(self.van_units[skus[0]])),
        )

    def driver_free_s(self) -> NDArray[np.int64]:
        return np.array([min(d) if d else NO_TIME for d in self.driver_free], dtype=np.int64)

    def options_for(self, t: int) -> Options:
        stock, van = self.usable(t)
        need = self.world.need(t, stock, van)
        return options(self.world.net, need, tuple(self.shifts), self.driver_free_s())

    def draw(self, t: int, units: dict[str, NDArray[np.int64]], where: int) -> str:
        """Take one unit at ``where``: the ticket's SKU if there, else the first substitute."""
        for sku in accepted_skus(self.world.scenario, self.world.scenario.tickets[t]):
            if units[sku][where] > 0:
                units[sku][where] -= 1
                return sku
        raise AssertionError(f"no unit left for ticket {t} at {where}")

    def commit(self, t: int, opts: Options, k: int) -> Choice:
        mode = Mode(int(opts.mode[k]))
        depot, engineer = int(opts.depot[k]), int(opts.engineer[k])
        net = self.world.net
        site = int(self.world.site_loc[t])
        if mode is Mode.VAN:
            sku = self.draw(t, self.van_units, engineer)
        else:
            sku = self.draw(t, self.depot_units, depot)
        part_ready = 0
        if mode in (Mode.DEDICATED, Mode.MEET):
            free = self.driver_free[depot]
            slot = int(np.argmin(free))
            leave = max(free[slot], 0) + int(net.depot_pick_s[depot])
            dep_loc = int(net.depot_loc[depot])
            part_ready = leave + int(net.travel_s[dep_loc, site])
            free[slot] = part_ready + int(net.travel_s[site, dep_loc])
        if engineer >= 0:
            onsite = self.world.scenario.skus[self.world.scenario.tickets[t].sku].onsite_minutes
            finish = int(opts.eta_s[k]) + onsite * 60
            for shift in self.shifts:
                if shift.ready_s[engineer] <= int(opts.eta_s[k]) and (
                    finish <= shift.shift_end_s[engineer]
                ):
                    shift.loc[engineer] = site
                    shift.ready_s[engineer] = finish
                    break
        return Choice(
            t,
            mode,
            depot,
            engineer,
            int(opts.eta_s[k]),
            int(opts.cost_gr[k]),
            sku,
            opts,
            part_ready,
        )


def plan(
    scenario: Scenario,
    *,
    time_limit_s: float = 5.0,
    travel: TravelModel | None = None,
    resolver: Callable[[str, str], Place] | None = None,
    seed: int = 0,
) -> PlanResult:
    """Plan every ticket of ``scenario`` within ``time_limit_s`` seconds.

    Raises
    ------
    InvalidInputs
        When a location cannot be resolved.
    """
    began = clock.perf_counter()
    world = encode(scenario, travel or _default_travel(), resolver or _default_resolve)
    choices, unassigned = choose_sources(world, urgency_order(world))
    remaining = max(time_limit_s - (clock.perf_counter() - began), min(time_limit_s, MIN_ROUTING_S))
    return assemble(world, choices, unassigned, remaining, seed, began)


def urgency_order(world: World) -> list[int]:
    """Tickets by deadline, the higher tier first on ties."""
    tickets = world.scenario.tickets
    return sorted(
        range(len(tickets)),
        key=lambda t: (int(world.deadline_rel_s[t]), -int(tickets[t].tier.priority)),
    )


def choose_sources(world: World, order: Sequence[int]) -> tuple[dict[int, Choice], dict[int, str]]:
    """Phase 1: each ticket in ``order`` takes its best option given earlier choices."""
    state = _State.start(world)
    choices: dict[int, Choice] = {}
    unassigned: dict[int, str] = {}
    for t in order:
        opts = state.options_for(t)
        ranked = opts.ranked(int(world.deadline_rel_s[t]))
        if len(ranked) == 0:
            unassigned[t] = unassigned_reason(world, t, opts)
            continue
        choices[t] = state.commit(t, opts, int(ranked[0]))
    return choices, unassigned


def assemble(
    world: World,
    choices: dict[int, Choice],
    unassigned: dict[int, str],
    time_limit_s: float,
    seed: int,
    began: float,
) -> PlanResult:
    """Phase 2 (route engineers) and the plan as dispatchers read it."""
    routing = _EngineerRouting(world, choices)
    result = routing.solve(time_limit_s, seed) if routing.has_work else None
    served = routing.served(result) if result is not None else {}
    scenario = world.scenario
    assignments = []
    for t, choice in sorted(choices.items()):
        ticket = scenario.tickets[t]
        engineer = choice.engineer
        eta = choice.eta_s
        if ticket.service is Service.SOS:
            if t not in served:
                unassigned[t] = "no engineer can fit this visit into a shift"
                continue
            engineer, eta = served[t]
        deadline = int(world.deadline_rel_s[t])
        mode_name, source = MODE_NAMES[choice.mode]
        assignments.append(
            Assignment(
                ticket=ticket.id,
                mode=mode_name,
                source=source,
                depot=world.depot_ids[choice.depot] if choice.depot >= 0 else None,
                engineer=world.engineer_ids[engineer] if engineer >= 0 else None,
                sku=choice.sku,
                eta=world.at(eta),
                deadline=world.at(deadline),
                on_time=eta <= deadline,
                cost=choice.cost_gr / 100,
                alternatives=alternatives_for(world, choice),
            )
        )
    return PlanResult(
        assignments=tuple(assignments),
        routes=routing.route_stops(result) if result is not None else {},
        unassigned=tuple(
            Unassigned(scenario.tickets[t].id, reason) for t, reason in sorted(unassigned.items())
        ),
        runtime_s=clock.perf_counter() - began,
    )


class _EngineerRouting:
    """SOS choices and existing visits as a routing problem over engineer-shift vehicles."""

    def __init__(self, world: World, choices: dict[int, Choice]) -> None:
        self.world = world
        sc = world.scenario
        net = world.net
        vehicles: list[Vehicle] = []
        self.vehicle_engineer: list[int] = []
        first_shift: dict[int, int] = {}  # engineer -> vehicle of the first shift
        for k, window in enumerate(world.shifts):
            for e, engineer in enumerate(sc.engineers):
                if window.shift_end_s[e] <= window.ready_s[e]:
                    continue
                if window.on_call and not engineer.on_call:
                    continue
                vehicles.append(self._vehicle(e, k, window))
                self.vehicle_engineer.append(e)
                if not window.on_call:
                    first_shift.setdefault(e, len(vehicles) - 1)
        jobs: list[Job] = []
        pairs: list[Pair] = []
        pinned: list[list[int]] = [[] for _ in vehicles]
        self.job_ref: list[tuple[str, int]] = []  # ("visit", engineer) / ("pickup"|"ticket", t)
        for e, engineer in enumerate(sc.engineers):
            first_vehicle = first_shift.get(e, -1)
            for v_i, visit in enumerate(engineer.visits):
                tag = vehicles[first_vehicle].id if first_vehicle >= 0 else engineer.id
                jobs.append(
                    Job(
                        id=f"{engineer.id}:{visit.id}",
                        location=world.visit_loc[e][v_i],
                        service_s=visit.onsite_minutes * 60,
                        skill=f"eng:{tag}",
                    )
                )
                self.job_ref.append(("visit", e * 10_000 + v_i))
                if visit.pinned and first_vehicle >= 0:
                    pinned[first_vehicle].append(len(jobs) - 1)
        for t, choice in sorted(choices.items()):
            if choice.engineer < 0:
                continue
            ticket = sc.tickets[t]
            family = sc.skus[ticket.sku].family
            skill = f"{family}@24x7" if ticket.tier.window.always_open else family
            deadline = max(int(world.deadline_rel_s[t]), 0)
            late_rate = LATENESS_GR_PER_S_PER_PRIORITY * int(ticket.tier.priority)
            windows: tuple[tuple[int, int], ...] = ()
            if choice.mode is Mode.VAN:
                skill = "eng:" + sc.engineers[choice.engineer].id
            elif choice.mode is Mode.MEET:
                windows = ((choice.part_ready_s, UNLIMITED),)
            elif choice.mode is Mode.PICKUP:
                jobs.append(
                    Job(
                        id=f"{ticket.id}:pickup",
                        location=int(net.depot_loc[choice.depot]),
                        service_s=PICKUP_SERVICE_S,
                        windows=((int(net.depot_pick_s[choice.depot]), UNLIMITED),),
                        skill=skill,
                        drop_penalty_gr=DROP_PENALTY_GR,
                    )
                )
                self.job_ref.append(("pickup", t))
            jobs.append(
                Job(
                    id=ticket.id,
                    location=int(world.site_loc[t]),
                    service_s=sc.skus[ticket.sku].onsite_minutes * 60,
                    windows=windows,
                    deadline_s=deadline,
                    lateness_gr_per_s=late_rate,
                    skill=skill,
                    drop_penalty_gr=DROP_PENALTY_GR,
                )
            )
            self.job_ref.append(("ticket", t))
            if choice.mode is Mode.PICKUP:
                pairs.append(Pair(len(jobs) - 2, len(jobs) - 1))
        self.has_work = bool(jobs) and bool(vehicles)
        self.vehicles = vehicles
        if self.has_work:
            self.problem = RoutingProblem(
                duration_s=net.travel_s,
                distance_m=net.distance_m,
                vehicles=tuple(vehicles),
                jobs=tuple(jobs),
                pairs=tuple(pairs),
                pinned=tuple(tuple(p) for p in pinned),
            )

    def _vehicle(self, e: int, k: int, window: Availability) -> Vehicle:
        """Engineer ``e`` working window ``k``: a shift, or an on-call gap at the on-call rate."""
        world = self.world
        engineer = world.scenario.engineers[e]
        families = {f"{s}@24x7" for s in engineer.skills}
        rate = int(world.net.engineer_rate_gr_h[e])
        if window.on_call:
            rate = rate * world.net.on_call_permille // 1000
        else:
            families |= engineer.skills
        return Vehicle(
            id=f"{engineer.id}#{k}",
            start=int(window.loc[e]),
            end=int(world.home_loc[e]),
            shift_start_s=int(window.ready_s[e]),
            shift_end_s=int(window.shift_end_s[e]),
            skills=frozenset({"eng:" + engineer.id, f"eng:{engineer.id}#{k}", *families}),
            cost_per_km_gr=world.net.engineer_per_km_gr,
            cost_per_hour_gr=rate,
        )

    def solve(self, time_limit_s: float, seed: int) -> RoutingResult:
        return solve(self.problem, SolveParams(time_limit_s=time_limit_s, seed=seed))

    def served(self, result: RoutingResult) -> dict[int, tuple[int, int]]:
        """Ticket -> (engineer, arrival with the part) for every routed SOS ticket."""
        out: dict[int, tuple[int, int]] = {}
        for route in result.routes:
            for stop in route.stops:
                kind, t = self.job_ref[stop.job]
                if kind == "ticket":
                    out[t] = (self.vehicle_engineer[route.vehicle], stop.start_s)
        return out

    def route_stops(self, result: RoutingResult) -> dict[str, tuple[RouteStop, ...]]:
        """Each engineer's stops, over all their shift vehicles, in time order."""
        world = self.world
        sc = world.scenario
        by_engineer: dict[str, list[RouteStop]] = {}
        pinned = {j for prefix in self.problem.pinned for j in prefix}
        for route in result.routes:
            engineer = sc.engineers[self.vehicle_engineer[route.vehicle]]
            for stop in route.stops:
                kind, ref = self.job_ref[stop.job]
                job = self.problem.jobs[stop.job]
                place = world.places[job.location]
                if kind == "visit":
                    name = sc.engineers[ref // 10_000].visits[ref % 10_000].id
                else:
                    name = sc.tickets[ref].id
                by_engineer.setdefault(engineer.id, []).append(
                    RouteStop(
                        kind="pickup" if kind == "pickup" else "visit",
                        ref=name,
                        at=place.name,
                        arrive=world.at(stop.arrival_s),
                        depart=world.at(stop.departure_s),
                        pinned=stop.job in pinned,
                    )
                )
        return {e: tuple(sorted(s, key=lambda x: x.arrive)) for e, s in by_engineer.items()}
