"""The service's planning: one new ticket inserted into the engineers' confirmed routes.

A proposal is made against a world snapshot whose engineers carry their booked routes. An AHB
ticket's options are its parcels and dedicated cars; an SOS ticket's are insertions of the
visit (with its pickup, or met by a car) into an engineer's working window at the cheapest
feasible place: booked stops keep their order and none starts after its latest start (no
confirmed on-time visit is made late), and the engineer reaches each stop from the one before.
Each option carries its legs as the engine timed them (for an engineer, the whole window's
route after the insertion, so a confirm can store it as it is) and the moves it makes to the
engineer's other visits. On time first, then the least added cost; at equal cost (a parcel
costs the same from every depot) the depot left with the most units of the part, so a
site's nearest shelf keeps its last unit for a ticket that needs it fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from dispatch.choice import Choice
from dispatch.days import EngineerDays
from dispatch.encode import World, encode
from dispatch.errors import Infeasible
from dispatch.explain import duration_text, unassigned_reason
from dispatch.plans import Leg, Move
from dispatch.sources import SourceState
from dispatch.travel import depart_hour_of_week
from dispatch.world import Service, TicketState, WorldSnapshot
from solver.candidates import Mode, Options
from solver.routing.evaluator import COST_SCALE, in_shift_limit, paid_time, schedule, service_start
from solver.routing.insertion import Insertion
from solver.routing.model import RoutingProblem, Vehicle
from solver.routing.result import RoutePlan, Stop
from solver.travel.model import RouteShapes, TravelModel
from solver.travel.profile import rush_factor

MAX_OPTIONS = 5  # the recommendation and up to four alternatives
SOURCES_TRIED = 6  # an SOS ticket's best part sources tried on every engineer
MOVE_REPORTED_S = 60  # a booked visit moved by less than this is not reported as moved
SCARCER_SHELF = "ties in time and cost, but its depot has fewer units of the part left"


@dataclass(frozen=True, slots=True)
class Option:
    """One way to serve the ticket, with the legs it books and what it does to other visits.

    ``cost_gr`` is what the option adds: the parcel or car, and the engineer's route after
    the insertion minus before it (time and km). ``route`` names the engineer's working
    window whose legs a confirm replaces (``engineer@start/end``; a shift that runs on into
    on-call time spans both).
    """

    mode: str
    source: str
    depot: str | None
    engineer: str | None
    sku: str
    eta: datetime
    deadline: datetime
    cost_gr: int
    legs: tuple[Leg, ...]
    moves: tuple[Move, ...] = ()
    route: str | None = None
    why: str = ""

    @property
    def on_time(self) -> bool:
        """Whether the part (or the engineer with it) is on site by the deadline."""
        return self.eta <= self.deadline

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        """What makes two options the same choice for a dispatcher."""
        return (self.mode, self.source, self.depot, self.engineer)


def propose(
    snapshot: WorldSnapshot, ticket: TicketState, travel: TravelModel
) -> tuple[Option, ...]:
    """The recommendation first, then the best other options, each with a reason.

    ``snapshot`` holds the booked routes and what is free; its own tickets are ignored.

    Raises
    ------
    Infeasible
        With the engine's reason when no option can serve the ticket.
    """
    proposer = _Proposer(encode(dataclasses.replace(snapshot, tickets=(ticket,)), travel), travel)
    found = proposer.options()
    if not found:
        raise Infeasible([proposer.reason])
    left = {(d.id, sku): n for d in snapshot.depots for sku, n in d.stock.items()}
    ranked = sorted(
        found,
        key=lambda o: (
            not o.on_time,
            o.cost_gr if o.on_time else 0,
            -left.get((o.depot or "", o.sku), 0),
            o.eta,
            sum(leg.distance_m for leg in o.legs),  # a tie goes to the nearer source
        ),
    )
    unique: dict[tuple[str, str, str | None, str | None], Option] = {}
    for option in ranked:
        unique.setdefault(option.key, option)
    best, *rest = list(unique.values())[:MAX_OPTIONS]
    return (
        dataclasses.replace(best, why=_recommended(best)),
        *(dataclasses.replace(o, why=_why_not(o, best, left)) for o in rest),
    )


class _Proposer:
    """Options of ticket 0 of ``world`` against the booked routes."""

    def __init__(self, world: World, travel: TravelModel) -> None:
        self.world = world
        self.travel = travel
        self._drives: dict[tuple[int, int, float], tuple[int, int]] = {}
        self.state = SourceState.start(world)
        self.days = EngineerDays(world, {})
        self.routes = self.days.warm_start
        self.opts: Options = self.state.options_for(0)
        self.deadline_s = int(world.deadline_rel_s[0])
        self.ticket = world.snapshot.tickets[0]
        self.reason = unassigned_reason(world, 0, self.opts)

    def options(self) -> list[Option]:
        ranked = [int(k) for k in self.opts.ranked(self.deadline_s)]
        if self.ticket.service is Service.AHB:
            return [self._transport(k) for k in ranked]
        out: list[Option] = []
        sources: set[tuple[int, int]] = set()
        for k in ranked:  # the best few part sources, on every engineer who can take them
            source = (int(self.opts.mode[k]), int(self.opts.depot[k]))
            if Mode(source[0]) is Mode.VAN:
                source = (source[0], -1 - int(self.opts.engineer[k]))
            if source in sources:
                continue
            sources.add(source)
            option = self._visit(k, None)
            if option is not None:
                out.append(option)
            if len(sources) == SOURCES_TRIED:
                break
        engineers = {o.engineer for o in out}
        for k in ranked:  # then other engineers, each on their own best source
            e = int(self.opts.engineer[k])
            if len(engineers) >= MAX_OPTIONS + 1:
                break
            if self.world.engineer_ids[e] in engineers:
                continue
            option = self._visit(k, self.days.vehicles_of(e))
            if option is not None:
                out.append(option)
                engineers.add(option.engineer)
        if not out:
            self.reason = "no engineer can fit this visit into a working window"
        return out

    def _transport(self, k: int) -> Option:
        """A parcel or a dedicated car from option ``k``'s depot."""
        world, net = self.world, self.world.net
        choice = self.state.preview(0, self.opts, k)
        depot, site = choice.depot, int(world.site_loc[0])
        if choice.mode is Mode.COURIER:
            packed = int(net.depot_pick_s[depot])
            courier = world.snapshot.couriers[0].id if world.snapshot.couriers else "parcel"
            legs: tuple[Leg, ...] = (
                self._leg(
                    f"courier:{courier}", "parcel", net.depot_loc[depot], site,
                    packed, choice.eta_s, choice.eta_s, choice.eta_s,
                ),
            )  # fmt: skip
            return self._option(choice, choice.eta_s, choice.cost_gr, legs, (), None)
        legs = self._car(choice)
        return self._option(choice, self.world.rel(legs[0].arrive), choice.cost_gr, legs, (), None)

    def _car(self, choice: Choice) -> tuple[Leg, ...]:
        """A dedicated car's trip: out to the site with the part, back to its depot, each
        drive timed at its hour."""
        net = self.world.net
        depot_loc, site = int(net.depot_loc[choice.depot]), int(self.world.site_loc[0])
        planned = choice.part_ready_s if choice.mode is Mode.MEET else choice.eta_s
        leave = planned - int(net.travel_s[depot_loc, site])  # after packing, a driver free
        arrive = leave + self._drive(depot_loc, site, leave)[0]
        back = arrive + self._drive(site, depot_loc, arrive)[0]
        car = f"car:{self.world.depot_ids[choice.depot]}"
        return (
            self._leg(car, "deliver", depot_loc, site, leave, arrive, arrive, arrive),
            self._leg(car, "return", site, depot_loc, arrive, back, back, back),
        )

    def _visit(self, k: int, vehicles: list[int] | None) -> Option | None:
        """Option ``k``'s part source with the visit inserted where it costs least (among
        ``vehicles``, default every engineer's windows), or None when it fits nowhere."""
        days = self.days
        choice = self.state.preview(0, self.opts, k)
        found = days.insertion(choice, self.routes, vehicles)
        if found is None:
            return None
        unit = days.unit_of(0)
        try:
            return self._inserted(choice, found, unit[-1])
        finally:
            days.remove_last(unit)

    def _inserted(self, choice: Choice, found: Insertion, visit_job: int) -> Option | None:
        days, world = self.days, self.world
        problem = days.problem()
        v = found.vehicle
        after = schedule(problem, v, found.route)[0]
        before = schedule(problem, v, self.routes[v])[0]
        e = days.vehicle_engineer[v]
        engineer = world.snapshot.engineers[e]
        car = self._car(choice) if choice.mode is Mode.MEET else ()
        part_on_site = {visit_job: world.rel(car[0].arrive)} if car else {}
        timed = self._timed(v, after, part_on_site, after.departure_s)
        if timed is None:  # a departure slid late on the search's matrix may be too late now
            timed = self._timed(v, after, part_on_site, problem.vehicles[v].shift_start_s)
        if timed is None:
            return None  # at the hours it would be driven, the route breaks a promise
        after = timed
        eta = next(s.start_s for s in after.stops if s.job == visit_job)
        legs = self._route_legs(v, after) + car
        added = _money(problem, v, after) - _money(problem, v, before)
        cost = added + choice.transport_gr(world)
        window = days.span(v)
        route = None if window is None else route_key(engineer.id, window.start, window.end)
        choice = dataclasses.replace(choice, engineer=e)
        return self._option(choice, eta, cost, legs, self._moves(after), route)

    def _timed(
        self, v: int, plan: RoutePlan, ready: dict[int, int], departure_s: int
    ) -> RoutePlan | None:
        """``plan``'s stops in the same order, leaving at ``departure_s``, with every drive
        timed at its hour of departure (rush hours as on the road model); None when a stop
        would start after its window or the drive home end after the working window.

        The routing core prices a whole search on one matrix (the hour of ``now``); the legs a
        dispatcher books are then exactly what the road model says for the hours they are
        driven, so a booked day can be driven as booked.
        """
        problem = self.days.problem()
        vehicle = problem.vehicles[v]
        here, t = vehicle.start, departure_s
        stops = []
        for stop in plan.stops:
            job = problem.jobs[stop.job]
            arrive = t + self._drive(here, job.location, t)[0]
            start = service_start(job, max(arrive, ready.get(stop.job, 0)))
            if start is None:
                return None
            late = 0 if job.deadline_s is None else max(0, start - job.deadline_s)
            stops.append(Stop(stop.job, arrive, start, start + job.service_s, late))
            here, t = job.location, start + job.service_s
            if start > in_shift_limit(problem, v, stop.job):
                return None  # 8x5 work runs into on-call time
        back = t + self._drive(here, vehicle.end, t)[0]
        if back > vehicle.shift_end_s:
            return None
        distance = sum(self._drive(a, b, 0)[1] for a, b in _pairs(vehicle, problem, stops))
        return RoutePlan(v, departure_s, tuple(stops), back, distance)

    def _drive(self, origin: int, destination: int, at_s: int) -> tuple[int, int]:
        """Seconds and metres from location ``origin`` to ``destination`` leaving at ``at_s``
        (relative), at that hour's road speeds."""
        hour = depart_hour_of_week(self.world.at(at_s))
        key = (origin, destination, rush_factor(hour))
        found = self._drives.get(key)
        if found is None:
            a, b = self.world.places[origin], self.world.places[destination]
            seconds, metres = self.travel.matrix(
                np.array([[a.lat, a.lon]]), np.array([[b.lat, b.lon]]), hour
            )
            found = self._drives[key] = (int(seconds[0, 0]), int(metres[0, 0]))
        return found

    def _route_legs(self, v: int, plan: RoutePlan) -> tuple[Leg, ...]:
        """The legs of vehicle ``v``'s scheduled route, from its start to its return home."""
        days, world = self.days, self.world
        vehicle = days.vehicles[v]
        engineer = world.snapshot.engineers[days.vehicle_engineer[v]]
        legs: list[Leg] = []
        here, leave = vehicle.start, plan.departure_s
        for stop in plan.stops:
            job = days.jobs[stop.job]
            kind, ref = days.job_ref[stop.job]
            if kind == "stop":
                booked = world.snapshot.engineers[ref // 10_000].route[ref % 10_000]
                leg_kind, ticket, name = booked.kind, booked.ticket, booked.ref
            else:
                leg_kind, ticket, name = ("pickup" if kind == "pickup" else "visit"), "", None
            legs.append(
                self._leg(
                    engineer.id, leg_kind, here, job.location, leave, stop.arrival_s,
                    stop.start_s, stop.departure_s, ticket=ticket, ref=name,
                )
            )  # fmt: skip
            here, leave = job.location, stop.departure_s
        legs.append(
            self._leg(
                engineer.id, "return", here, vehicle.end, leave, plan.return_s,
                plan.return_s, plan.return_s, ticket=None, ref=engineer.id,
            )
        )  # fmt: skip
        return tuple(legs)

    def _moves(self, plan: RoutePlan) -> tuple[Move, ...]:
        """Booked visits of the route whose start of work the insertion moves."""
        days, world = self.days, self.world
        moves = []
        for stop in plan.stops:
            kind, ref = days.job_ref[stop.job]
            if kind != "stop":
                continue
            booked = world.snapshot.engineers[ref // 10_000].route[ref % 10_000]
            if booked.kind != "visit" or booked.start is None or booked.ticket is None:
                continue
            if abs(world.rel(booked.start) - stop.start_s) >= MOVE_REPORTED_S:
                moves.append(Move(booked.ticket, booked.start, world.at(stop.start_s)))
        return tuple(moves)

    def _leg(
        self,
        vehicle: str,
        kind: str,
        origin: int | np.int64,
        destination: int | np.int64,
        depart: int,
        arrive: int,
        start: int,
        finish: int,
        *,
        ticket: str | None = "",
        ref: str | None = None,
    ) -> Leg:
        world = self.world
        a, b = int(origin), int(destination)
        return Leg(
            vehicle=vehicle,
            kind=kind,
            ticket=self.ticket.id if ticket == "" else ticket,
            ref=self.ticket.id if ref is None else ref,
            origin=world.places[a],
            destination=world.places[b],
            depart=world.at(depart),
            arrive=world.at(arrive),
            start=world.at(start),
            finish=world.at(finish),
            drive_s=arrive - depart,
            distance_m=self._drive(a, b, depart)[1],
            shape=None if kind == "parcel" else self._shape(a, b),
        )

    def _shape(self, a: int, b: int) -> str | None:
        """The road from place ``a`` to ``b`` when the travel model knows roads."""
        if a == b or not isinstance(self.travel, RouteShapes):
            return None
        places = self.world.places
        return self.travel.shape((places[a].lat, places[a].lon), (places[b].lat, places[b].lon))

    def _option(
        self,
        choice: Choice,
        eta_s: int,
        cost_gr: int,
        legs: tuple[Leg, ...],
        moves: tuple[Move, ...],
        route: str | None,
    ) -> Option:
        world = self.world
        return Option(
            mode=choice.mode.plan_name,
            source=choice.mode.source,
            depot=world.depot_ids[choice.depot] if choice.depot >= 0 else None,
            engineer=world.engineer_ids[choice.engineer] if choice.engineer >= 0 else None,
            sku=choice.sku,
            eta=world.at(eta_s),
            deadline=self.ticket.deadline,
            cost_gr=int(cost_gr),
            legs=legs,
            moves=moves,
            route=route,
        )


def route_key(engineer: str, start: datetime, end: datetime) -> str:
    """The name of an engineer's route in one working window: ``E-12@start/end`` (ISO times)."""
    return f"{engineer}@{start.isoformat()}/{end.isoformat()}"


def _pairs(vehicle: Vehicle, problem: RoutingProblem, stops: list[Stop]) -> list[tuple[int, int]]:
    """The (from, to) locations of a route's drives, home to home."""
    places = [vehicle.start, *(problem.jobs[s.job].location for s in stops), vehicle.end]
    return list(itertools.pairwise(places))


def _money(problem: RoutingProblem, v: int, plan: RoutePlan) -> int:
    """Grosze an engineer's scheduled route costs: paid time and km (no lateness)."""
    vehicle = problem.vehicles[v]
    if not plan.stops:
        return 0
    time_gr = paid_time(vehicle, plan.departure_s, plan.return_s) // COST_SCALE
    return time_gr + plan.distance_m * vehicle.cost_per_km_gr // 1000


def _recommended(best: Option) -> str:
    slack = int((best.deadline - best.eta).total_seconds())
    if slack >= 0:
        return f"recommended: on time, {duration_text(slack)} before the deadline"
    return f"recommended: fastest possible, {duration_text(-slack)} late"


def _why_not(option: Option, best: Option, left: dict[tuple[str, str], int]) -> str:
    """Why ``option`` lost to ``best``, in the numbers both show (``left``: free units by depot
    and SKU, which break a tie in time and cost)."""
    if not option.on_time and best.on_time:
        late = int((option.eta - option.deadline).total_seconds())
        return f"misses the deadline by {duration_text(late)}"
    dearer = option.cost_gr - best.cost_gr
    later = int((option.eta - best.eta).total_seconds())
    if dearer > 0:
        text = f"dearer by {dearer / 100:.2f} zł"
        return text + (f", later by {duration_text(later)}" if later >= 60 else "")
    if later >= 60:
        return f"later by {duration_text(later)}"
    if option.moves and len(option.moves) > len(best.moves):
        return f"moves {len(option.moves)} other visit(s)"
    if left.get((option.depot or "", option.sku), 0) < left.get((best.depot or "", best.sku), 0):
        return SCARCER_SHELF
    return "ties with the recommendation in time and cost"
