"""Phase 2 of planning: engineers' days with the routing core.

SOS tickets become pickup -> visit pairs (part from a depot) or single visits (van stock, or a
dedicated car meeting the engineer on site) with soft deadlines weighted by tier; planned visits
stay on the engineer's first shift. Visits under way (pinned) are not routed: they fix when and
where the engineer's working windows start (see ``encode``) and are reported first. Each
engineer has one vehicle per working window (shifts, and the on-call gaps for on-call
engineers). The routing core reassigns and reorders within its time
limit, starting from phase 1's greedy days.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.choice import Choice
from dispatch.encode import World
from dispatch.plans import RouteStop
from dispatch.sources import first_shift, overtime_window, window_of
from dispatch.world import Stop, Window
from solver.candidates import Availability, Mode
from solver.routing.evaluator import evaluate
from solver.routing.insertion import Insertion, best_insertion
from solver.routing.model import UNLIMITED, Job, Pair, Routes, RoutingProblem, Vehicle
from solver.routing.params import SolveParams
from solver.routing.result import Evaluation, RoutingResult
from solver.routing.solve import solve

LATENESS_GR_PER_S_PER_PRIORITY = 100  # 3,600 PLN per hour late per priority point
DROP_PENALTY_GR = 10**9
PICKUP_SERVICE_S = 0  # the depot hands over a packed part; packing is the pickup's window


class EngineerDays:
    """SOS choices and existing visits as a routing problem over engineer-shift vehicles."""

    def __init__(self, world: World, choices: dict[int, Choice]) -> None:
        self.world = world
        sc = world.snapshot
        self.vehicles: list[Vehicle] = []
        self.vehicle_engineer: list[int] = []
        self.vehicle_window: list[int] = []
        self.vehicle_overtime: list[int] = []  # the on-call window a shift runs on into, or -1
        self.vehicle_of: dict[tuple[int, int], int] = {}  # (engineer, window) -> vehicle
        for k, window in enumerate(world.shifts):
            for e, engineer in enumerate(sc.engineers):
                if (e, k) in self.vehicle_of:  # on-call time the shift before runs on into
                    continue
                if window.shift_end_s[e] <= window.ready_s[e]:
                    continue
                if window.on_call and not engineer.on_call:
                    continue
                after = overtime_window(world, e, k)
                self.vehicle_of[e, k] = len(self.vehicles)
                if after >= 0:
                    self.vehicle_of[e, after] = len(self.vehicles)
                self.vehicles.append(self._vehicle(e, k, window, after))
                self.vehicle_engineer.append(e)
                self.vehicle_window.append(k)
                self.vehicle_overtime.append(after)
        self.jobs: list[Job] = []
        self.pairs: list[Pair] = []
        self.job_ref: list[tuple[str, int]] = []  # ("stop", e*10000+i) / ("pickup"|"ticket", t)
        # Each vehicle's shift part first, then the on-call time it runs on into.
        warm: list[tuple[list[int], list[int]]] = [([], []) for _ in self.vehicles]
        for e, engineer in enumerate(sc.engineers):
            first_vehicle = self.vehicle_of.get((e, first_shift(world, e)), -1)
            pickups: dict[str, int] = {}  # ticket -> its booked pickup's job, to pair the visit
            visit_window = {  # a booked pickup goes in its visit's window, never another
                stop.ticket: window_of(world, e, stop)
                for stop in engineer.route
                if stop.booked and stop.kind == "visit" and stop.ticket is not None
            }
            booked = sorted(
                (i for i, stop in enumerate(engineer.route) if stop.booked and not stop.under_way),
                key=lambda i: (engineer.route[i].start, engineer.route[i].kind != "pickup"),
            )
            free = [i for i, stop in enumerate(engineer.route) if not stop.booked]
            for i in free + booked:
                stop = engineer.route[i]
                if stop.under_way:
                    continue
                vehicle, slot = first_vehicle, first_shift(world, e)
                if stop.booked:
                    paired = visit_window.get(stop.ticket or "") if stop.kind == "pickup" else None
                    slot = window_of(world, e, stop) if paired is None else paired
                    vehicle = self.vehicle_of.get((e, slot), -1)
                tag = self.vehicles[vehicle].id if vehicle >= 0 else engineer.id
                cap = self._shift_cap(vehicle, stop)
                self.jobs.append(
                    Job(
                        id=f"{engineer.id}:{stop.kind}:{stop.ref}:{i}",
                        location=world.stop_loc[e][i],
                        service_s=stop.service_s,
                        windows=_booked_window(world, stop, cap),
                        skill=f"eng:{tag}",
                        in_shift=not stop.booked,
                    )
                )
                self.job_ref.append(("stop", e * 10_000 + i))
                job = len(self.jobs) - 1
                if stop.kind == "pickup" and stop.ticket is not None:
                    pickups[stop.ticket] = job
                elif stop.ticket in pickups:
                    self.pairs.append(Pair(pickups.pop(stop.ticket), job))
                if vehicle >= 0:
                    warm[vehicle][self.vehicle_window[vehicle] != slot].append(job)
        for choice in choices.values():  # commit order: each engineer's greedy sequence
            if choice.engineer >= 0:
                unit = self.add(choice)
                v = self.vehicle_of[choice.engineer, choice.window]
                warm[v][self.vehicle_window[v] != choice.window].extend(unit)
        self.warm_start: Routes = tuple(tuple(shift + later) for shift, later in warm)

    @property
    def has_work(self) -> bool:
        """Whether there is anything to route."""
        return bool(self.jobs) and bool(self.vehicles)

    def can_improve(self) -> bool:
        """Whether routing can beat phase 1's days: with one ticket and no other visits, the
        ticket already has its best engineer and order (phase 1 tried every engineer)."""
        tickets = sum(1 for kind, _ in self.job_ref if kind == "ticket")
        return tickets + sum(1 for kind, _ in self.job_ref if kind == "stop") > 1

    def add(self, choice: Choice) -> tuple[int, ...]:
        """Add the jobs of an SOS choice; return them (pickup first) as one insertion unit."""
        world = self.world
        sc, net = world.snapshot, world.net
        t = choice.ticket
        ticket = sc.tickets[t]
        family = sc.skus[ticket.sku].family
        skill = f"{family}@24x7" if ticket.tier.window.always_open else family
        windows: tuple[tuple[int, int], ...] = ()
        unit: list[int] = []
        if choice.mode is Mode.VAN:  # that engineer; on call only for a round-the-clock ticket
            owner = sc.engineers[choice.engineer].id
            skill = f"eng:{owner}" if ticket.tier.window.always_open else f"eng:{owner}@shift"
        elif choice.mode is Mode.MEET:
            windows = ((choice.part_ready_s, UNLIMITED),)
        elif choice.mode is Mode.PICKUP:
            self.jobs.append(
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
            unit.append(len(self.jobs) - 1)
        if ticket.not_before is not None:  # the dispatcher's time: work starts no earlier
            earliest = max(world.rel(ticket.not_before), windows[0][0] if windows else 0)
            windows = ((earliest, UNLIMITED),)
        self.jobs.append(
            Job(
                id=ticket.id,
                location=int(world.site_loc[t]),
                service_s=sc.skus[ticket.sku].onsite_minutes * 60,
                windows=windows,
                deadline_s=max(int(world.deadline_rel_s[t]), 0),
                lateness_gr_per_s=LATENESS_GR_PER_S_PER_PRIORITY * int(ticket.tier.priority),
                skill=skill,
                drop_penalty_gr=DROP_PENALTY_GR,
                in_shift=not ticket.tier.window.always_open,
            )
        )
        self.job_ref.append(("ticket", t))
        unit.append(len(self.jobs) - 1)
        if len(unit) == 2:
            self.pairs.append(Pair(unit[0], unit[1]))
        return tuple(unit)

    def remove_last(self, unit: tuple[int, ...]) -> None:
        """Undo the last :meth:`add` (an insertion that found no place)."""
        if len(unit) == 2:
            self.pairs.pop()
        del self.jobs[unit[0] :]
        del self.job_ref[unit[0] :]

    def problem(self) -> RoutingProblem:
        """The routing instance for the current jobs."""
        return RoutingProblem(
            duration_s=self.world.net.travel_s,
            distance_m=self.world.net.distance_m,
            vehicles=tuple(self.vehicles),
            jobs=tuple(self.jobs),
            pairs=tuple(self.pairs),
        )

    def insert(self, choice: Choice, routes: Routes, near: int = 24) -> Routes | None:
        """``routes`` with ``choice`` inserted at its cheapest feasible place, or None.

        Only the ``near`` vehicles whose start is closest to the site are tried, which keeps a
        new ticket's insertion within milliseconds; confirmed routes are not reshuffled.
        """
        site = int(self.world.site_loc[choice.ticket])
        starts = [v.start for v in self.vehicles]
        by_distance = sorted(
            range(len(starts)), key=lambda v: int(self.world.net.travel_s[starts[v], site])
        )
        found = self.insertion(choice, routes, by_distance[:near])
        return None if found is None else found.apply(routes)

    def insertion(
        self, choice: Choice, routes: Routes, vehicles: Sequence[int] | None = None
    ) -> Insertion | None:
        """The cheapest feasible insertion of ``choice``'s jobs into ``routes`` (among
        ``vehicles``, default all), or None. The jobs stay added when one is found
        (:meth:`remove_last` undoes them); confirmed routes keep their order."""
        unit = self.add(choice)
        target = unit[0] if len(unit) == 1 else (unit[0], unit[1])
        found = best_insertion(self.problem(), routes, target, vehicles=vehicles)
        if found is None:
            self.remove_last(unit)
        return found

    def span(self, v: int) -> Window | None:
        """The working time vehicle ``v`` covers: its window, up to the end of the on-call
        window it runs on into. A confirm replaces the booked legs of this whole span, so a
        stop booked in the run-on time is re-timed with the rest, never left behind twice."""
        e, k, after = self.vehicle_engineer[v], self.vehicle_window[v], self.vehicle_overtime[v]
        window = self.world.windows[k][e]
        later = self.world.windows[after][e] if after >= 0 else None
        if window is None or later is None:
            return window
        return Window(window.start, max(window.end, later.end), window.on_call)

    def vehicles_of(self, e: int) -> list[int]:
        """The vehicles (working windows) of engineer ``e``."""
        return [v for v, owner in enumerate(self.vehicle_engineer) if owner == e]

    def _vehicle(self, e: int, k: int, window: Availability, after: int = -1) -> Vehicle:
        """Engineer ``e`` working window ``k``: a shift, or an on-call gap at the on-call rate.

        A shift followed by on-call time (window ``after``) runs on into it as one vehicle, so
        the two never overlap: work after the shift's end is paid at the on-call rate, and
        8x5 work (``in_shift`` jobs) must still be done and driven home within the shift.
        """
        world = self.world
        engineer = world.snapshot.engineers[e]
        families = {f"{s}@24x7" for s in engineer.skills}
        rate = int(world.net.engineer_rate_gr_h[e])
        on_call_rate = rate * world.net.on_call_permille // 1000
        tags = {"eng:" + engineer.id, f"eng:{engineer.id}#{k}"}
        if window.on_call:
            rate = on_call_rate
        else:
            families |= {*engineer.skills, f"eng:{engineer.id}@shift"}
        end, overtime_from = int(window.shift_end_s[e]), None
        if after >= 0:
            overtime_from, end = end, int(world.shifts[after].shift_end_s[e])
            tags.add(f"eng:{engineer.id}#{after}")
        return Vehicle(
            id=f"{engineer.id}#{k}",
            start=int(window.loc[e]),
            end=int(world.home_loc[e]),
            shift_start_s=int(window.ready_s[e]),
            shift_end_s=end,
            skills=frozenset({*tags, *families}),
            cost_per_km_gr=world.net.engineer_per_km_gr,
            cost_per_hour_gr=rate,
            overtime_from_s=overtime_from,
            overtime_cost_per_hour_gr=on_call_rate if after >= 0 else 0,
        )

    def _shift_cap(self, vehicle: int, stop: Stop) -> int:
        """Latest start of a booked stop made within a shift that runs on into on-call time:
        it stays within the shift (only 24x7 work may run over)."""
        if vehicle < 0 or not stop.booked or stop.depart is None:
            return UNLIMITED
        overtime_from = self.vehicles[vehicle].overtime_from_s
        if overtime_from is None or self.world.rel(stop.depart) > overtime_from:
            return UNLIMITED
        return overtime_from - stop.service_s

    def solve(
        self, time_limit_s: float, seed: int, warm_start: Routes | None = None
    ) -> RoutingResult:
        """Improve the days (phase 1's greedy ones by default) within the time limit."""
        params = SolveParams(time_limit_s=time_limit_s, seed=seed)
        return solve(self.problem(), params, warm_start=warm_start or self.warm_start)

    def unit_of(self, t: int) -> tuple[int, ...]:
        """The job indices of ticket ``t`` (pickup first)."""
        return tuple(j for j, (kind, ref) in enumerate(self.job_ref) if ref == t and kind != "stop")

    def evaluated(self, routes: Routes) -> Evaluation:
        """The evaluator's verdict and schedule for ``routes``."""
        return evaluate(self.problem(), routes)

    def served(self, result: Evaluation) -> dict[int, tuple[int, int]]:
        """Ticket -> (engineer, arrival with the part) for every routed SOS ticket."""
        out: dict[int, tuple[int, int]] = {}
        for route in result.routes:
            for stop in route.stops:
                kind, t = self.job_ref[stop.job]
                if kind == "ticket":
                    out[t] = (self.vehicle_engineer[route.vehicle], stop.start_s)
        return out

    def route_stops(self, result: Evaluation | None) -> dict[str, tuple[RouteStop, ...]]:
        """Each engineer's stops, over all their shift vehicles, in time order."""
        world = self.world
        sc = world.snapshot
        by_engineer: dict[str, list[RouteStop]] = {}
        for e, stops in enumerate(world.under_way):
            engineer = sc.engineers[e]
            for i, arrive, depart in stops:
                own = engineer.route[i]
                by_engineer.setdefault(engineer.id, []).append(
                    RouteStop(
                        kind=own.kind,
                        ref=own.ref,
                        at=world.places[world.stop_loc[e][i]].name,
                        arrive=world.at(arrive),
                        depart=world.at(depart),
                        pinned=True,
                    )
                )
        for route in result.routes if result is not None else ():
            engineer = sc.engineers[self.vehicle_engineer[route.vehicle]]
            for stop in route.stops:
                kind, ref = self.job_ref[stop.job]
                job = self.jobs[stop.job]
                place = world.places[job.location]
                if kind == "stop":
                    booked = sc.engineers[ref // 10_000].route[ref % 10_000]
                    kind, name = booked.kind, booked.ref
                else:
                    name = sc.tickets[ref].id
                by_engineer.setdefault(engineer.id, []).append(
                    RouteStop(
                        kind="pickup" if kind == "pickup" else "visit",
                        ref=name,
                        at=place.name,
                        arrive=world.at(stop.arrival_s),
                        depart=world.at(stop.departure_s),
                    )
                )
        return {e: tuple(sorted(s, key=lambda x: x.arrive)) for e, s in by_engineer.items()}


def _booked_window(world: World, stop: Stop, cap: int = UNLIMITED) -> tuple[tuple[int, int], ...]:
    """The hard window of a route stop: from when it can start (part packed, car arrived) to
    the latest start that keeps its promise (and ``cap``); none for an unbooked stop."""
    if not stop.booked:
        return ()
    early = 0 if stop.ready is None else max(world.rel(stop.ready), 0)
    late = UNLIMITED if stop.latest is None else max(world.rel(stop.latest), early)
    late = max(min(late, cap), early)
    return ((early, late),) if (early, late) != (0, UNLIMITED) else ()
