"""Cheapest feasible insertion: one new job (or pickup-delivery pair) into existing routes.

Used two ways: by the dispatch engine to place a new ticket into engineers' fixed days in a few
milliseconds, and, repeated, as the greedy construction that gives every solve a feasible start
before an engine improves it. Pinned prefixes are never entered; costs are the evaluator's.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solver.routing.evaluator import (
    COST_SCALE,
    TIME_PER_S_PER_GR_H,
    TRAVEL_PER_M_PER_GR_KM,
    departure_plan,
    forward,
    in_shift_limit,
    paid_time,
    route_distance,
    service_start,
)
from solver.routing.model import UNLIMITED, Job, Routes, RoutingProblem


@dataclass(frozen=True, slots=True)
class Insertion:
    """Where a job or pair goes and what it adds to the route's cost (grosze)."""

    vehicle: int
    route: tuple[int, ...]
    delta_gr: float

    def apply(self, routes: Routes) -> Routes:
        """``routes`` with this vehicle's route replaced by the new one."""
        return tuple(self.route if v == self.vehicle else r for v, r in enumerate(routes))


def route_cost(problem: RoutingProblem, vehicle: int, jobs: Sequence[int]) -> int | None:
    """Scaled cost of one route (travel, time, lateness, fixed) or None if it breaks a hard rule.

    Checks windows, shift end, in-shift jobs before overtime, maximum duration and capacity;
    skills and pair order are the caller's to respect (insertion only tries allowed vehicles
    and positions).
    """
    if not jobs:
        return 0
    veh = problem.vehicles[vehicle]
    depart, run = departure_plan(problem, vehicle, jobs, exact_times=False)
    if run.late_starts or run.overtime_starts or run.return_s > veh.shift_end_s:
        return None
    duration = run.return_s - depart
    if veh.max_duration_s is not None and duration > veh.max_duration_s:
        return None
    all_jobs = problem.jobs
    load = sum(all_jobs[j].demand for j in jobs)
    if load > veh.capacity:
        return None
    lateness = 0
    for j, start in zip(jobs, run.starts, strict=True):
        job = all_jobs[j]
        load -= job.demand
        p = problem.pair_of.get(j)
        if p is not None:
            pair = problem.pairs[p]
            load += pair.amount if pair.pickup == j else -pair.amount
            if load > veh.capacity:
                return None
        if job.deadline_s is not None and start > job.deadline_s:
            lateness += (start - job.deadline_s) * job.lateness_gr_per_s
    return (
        route_distance(problem, vehicle, jobs) * veh.cost_per_km_gr * TRAVEL_PER_M_PER_GR_KM
        + paid_time(veh, depart, run.return_s)
        + (lateness + veh.fixed_cost_gr) * COST_SCALE
    )


def _able(problem: RoutingProblem, job: int) -> NDArray[np.bool_]:
    """Vehicles with the job's skill that can meet its window from their start and get home.

    A cheap necessary test, vectorised over the fleet.
    """
    fleet, j, dur = problem.fleet, problem.jobs[job], problem.duration_s
    earliest = np.maximum(fleet.shift_start_s + dur[fleet.start, j.location], j.early_s)
    ok: NDArray[np.bool_] = (earliest <= j.late_s) & (
        earliest + j.service_s + dur[j.location, fleet.end] <= fleet.shift_end_s
    )
    if j.skill is not None:
        ok &= fleet.skilled[j.skill]
    return ok


@dataclass(frozen=True, slots=True)
class RouteView:
    """A feasible route's earliest times, latest arrivals and loads, to screen insertions fast.

    Nodes are the start (0), the jobs (1..n) and the end (n + 1). ``deps[i]`` is the earliest
    departure from node i, ``latest[i]`` the latest arrival at node i that keeps the rest of the
    route within its windows and shift, ``peak[i]`` the highest load carried up to node i.
    """

    vehicle: int
    jobs: tuple[int, ...]
    locs: tuple[int, ...]
    deps: tuple[int, ...]
    latest: tuple[int, ...]
    loads: tuple[int, ...]
    peak: tuple[int, ...]
    arc_s: tuple[int, ...]
    arc_m: tuple[int, ...]
    capacity: int
    per_m: int
    per_s: int
    cost: int

    @classmethod
    def build(
        cls, problem: RoutingProblem, vehicle: int, jobs: tuple[int, ...]
    ) -> RouteView | None:
        """The view of ``jobs`` on ``vehicle``, or None when that route is not feasible."""
        cost = route_cost(problem, vehicle, jobs)
        if cost is None:
            return None
        veh = problem.vehicles[vehicle]
        dur = problem.duration_s
        run = forward(problem, vehicle, jobs, veh.shift_start_s)
        all_jobs = [problem.jobs[j] for j in jobs]
        locs = (veh.start, *(j.location for j in all_jobs), veh.end)
        deps = (
            veh.shift_start_s,
            *(s + j.service_s for s, j in zip(run.starts, all_jobs, strict=True)),
        )
        latest = [veh.shift_end_s]
        for i in range(len(jobs), 0, -1):
            job, start = all_jobs[i - 1], run.starts[i - 1]
            window_late = next((late for _, late in job.windows if start <= late), UNLIMITED)
            window_late = min(window_late, in_shift_limit(problem, vehicle, jobs[i - 1]))
            latest.append(
                min(window_late, latest[-1] - int(dur[locs[i], locs[i + 1]]) - job.service_s)
            )
        latest.append(UNLIMITED)
        load = sum(j.demand for j in all_jobs)
        loads, peak = [load], [load]
        for j, job in zip(jobs, all_jobs, strict=True):
            load -= job.demand
            p = problem.pair_of.get(j)
            if p is not None:
                load += (
                    problem.pairs[p].amount
                    if problem.pairs[p].pickup == j
                    else -problem.pairs[p].amount
                )
            loads.append(load)
            peak.append(max(peak[-1], load))
        legs = list(itertools.pairwise(locs))
        return cls(
            vehicle,
            jobs,
            locs,
            deps,
            tuple(reversed(latest)),
            tuple(loads),
            tuple(peak),
            tuple(int(dur[a, b]) for a, b in legs),
            tuple(int(problem.distance_m[a, b]) for a, b in legs),
            veh.capacity,
            veh.cost_per_km_gr * TRAVEL_PER_M_PER_GR_KM,
            veh.cost_per_hour_gr * TIME_PER_S_PER_GR_H,
            cost,
        )


@dataclass(frozen=True, slots=True)
class _Visit:
    """A job to insert with its matrix rows as lists: scalar lookups while screening are cheap."""

    index: int
    job: Job
    to_s: list[int]
    from_s: list[int]
    to_m: list[int]
    from_m: list[int]

    @classmethod
    def of(cls, problem: RoutingProblem, index: int) -> _Visit:
        job = problem.jobs[index]
        dur, dist, loc = problem.duration_s, problem.distance_m, job.location
        return cls(
            index,
            job,
            dur[:, loc].tolist(),
            dur[loc].tolist(),
            dist[:, loc].tolist(),
            dist[loc].tolist(),
        )

    def leg(self, depart_s: int, a: int, b: int) -> tuple[int, int] | None:
        """Serve this job between places ``a`` and ``b``, leaving ``a`` at ``depart_s``.

        Returns (departure from the job, arrival at ``b``), or None when its windows are shut.
        """
        start = service_start(self.job, depart_s + self.to_s[a])
        if start is None:
            return None
        leave = start + self.job.service_s
        return leave, leave + self.from_s[b]


Candidate = tuple[int, int, tuple[int, ...]]
"""(screening key, vehicle, new route)."""


def _screen_job(view: RouteView, u: _Visit, lo: int, hi: int) -> list[Candidate]:
    """Positions ``lo..hi`` for a lone job that pass the O(1) time and load tests."""
    out = []
    room = view.capacity - u.job.demand
    for k in range(lo, hi + 1):
        a, b = view.locs[k], view.locs[k + 1]
        leg = u.leg(view.deps[k], a, b)
        if leg is None or leg[1] > view.latest[k + 1] or view.peak[k] > room:
            continue
        key = view.per_m * (u.to_m[a] + u.from_m[b] - view.arc_m[k]) + view.per_s * (
            u.to_s[a] + u.from_s[b] - view.arc_s[k]
        )
        out.append((key, view.vehicle, (*view.jobs[:k], u.index, *view.jobs[k:])))
    return out


def _screen_pair(view: RouteView, p: _Visit, d: _Visit, amount: int, lo: int) -> list[Candidate]:
    """Pickup after ``i`` route jobs and delivery after ``k >= i``, pre-filtered like a lone job."""
    lp, ld = p.job.location, d.job.location
    n = len(view.jobs)
    room = view.capacity - amount
    out = []
    for i in range(lo, n + 1):
        a, b = view.locs[i], view.locs[i + 1]
        first = p.leg(view.deps[i], a, ld)
        if first is None:
            continue
        both = d.leg(first[0], lp, b)
        if both is not None and both[1] <= view.latest[i + 1] and view.loads[i] <= room:
            extra_m = p.to_m[a] + d.to_m[lp] + d.from_m[b] - view.arc_m[i]
            extra_s = p.to_s[a] + d.to_s[lp] + d.from_s[b] - view.arc_s[i]
            key = view.per_m * extra_m + view.per_s * extra_s
            out.append((key, view.vehicle, (*view.jobs[:i], p.index, d.index, *view.jobs[i:])))
        alone = p.leg(view.deps[i], a, b)
        if alone is None or alone[1] > view.latest[i + 1]:
            continue
        key_pick = view.per_m * (p.to_m[a] + p.from_m[b] - view.arc_m[i]) + view.per_s * (
            p.to_s[a] + p.from_s[b] - view.arc_s[i]
        )
        carried = view.loads[i]
        for k in range(i + 1, n + 1):
            carried = max(carried, view.loads[k - 1])
            if carried > room:
                break
            c, e = view.locs[k], view.locs[k + 1]
            leg = d.leg(view.deps[k], c, e)
            if leg is None or leg[1] > view.latest[k + 1]:
                continue
            key = (
                key_pick
                + view.per_m * (d.to_m[c] + d.from_m[e] - view.arc_m[k])
                + view.per_s * (d.to_s[c] + d.from_s[e] - view.arc_s[k])
            )
            route = (*view.jobs[:i], p.index, *view.jobs[i:k], d.index, *view.jobs[k:])
            out.append((key, view.vehicle, route))
    return out


def _partner_bounds(
    problem: RoutingProblem, route: tuple[int, ...], job: int, lo: int
) -> tuple[int, int]:
    """Positions allowed for a lone job whose pair partner is already on ``route``."""
    p = problem.pair_of.get(job)
    if p is None:
        return lo, len(route)
    pair = problem.pairs[p]
    partner = pair.delivery if pair.pickup == job else pair.pickup
    if partner not in route:
        return lo, len(route)
    k = route.index(partner)
    return (max(lo, k + 1), len(route)) if pair.delivery == job else (lo, k)


def _unit_vehicles(
    problem: RoutingProblem,
    routes: Sequence[tuple[int, ...]],
    unit: tuple[int, ...],
    among: Sequence[int] | None,
) -> list[int]:
    """Vehicles (of ``among``, default all) allowed for ``unit``; a routed partner's only."""
    if len(unit) == 1 and (p := problem.pair_of.get(unit[0])) is not None:
        pair = problem.pairs[p]
        partner = pair.delivery if pair.pickup == unit[0] else pair.pickup
        on = [v for v, r in enumerate(routes) if partner in r]
        if on:
            return on
    ok = _able(problem, unit[0])
    for j in unit[1:]:
        ok &= _able(problem, j)
    if among is None:
        return np.flatnonzero(ok).tolist()
    return [v for v in among if ok[v]]


def best_insertion(
    problem: RoutingProblem,
    routes: Sequence[tuple[int, ...]],
    unit: int | tuple[int, int],
    vehicles: Sequence[int] | None = None,
    *,
    views: dict[int, RouteView | None] | None = None,
    exact_checks: int | None = None,
) -> Insertion | None:
    """The cheapest feasible way to add a job or a (pickup, delivery) pair to ``routes``.

    Every position is first screened in O(1) (windows met on arrival, the rest of the route
    still on time, load within capacity); survivors, nearest detour first, are then priced
    exactly by the evaluator's rules (lateness and paid time included).

    Parameters
    ----------
    problem
        The instance; ``routes`` must already be feasible for it.
    routes
        Current routes, one per vehicle; pinned prefixes stay in front.
    unit
        A job index, or a ``(pickup, delivery)`` pair of job indices.
    vehicles
        Restrict the search to these vehicles (default: all allowed ones).
    views
        Cache of :class:`RouteView` per vehicle, filled in as needed (for repeated calls).
    exact_checks
        Stop after this many exactly priced feasible candidates (default: price them all).

    Returns
    -------
    Insertion | None
        The cheapest insertion, or None when no vehicle can take it without breaking a rule.
    """
    jobs = (unit,) if isinstance(unit, int) else tuple(unit)
    allowed = _unit_vehicles(problem, routes, jobs, vehicles)
    cache = {} if views is None else views
    visits = [_Visit.of(problem, j) for j in jobs]
    candidates: list[Candidate] = []
    for v in allowed:
        if v not in cache:
            cache[v] = RouteView.build(problem, v, routes[v])
        view = cache[v]
        if view is None:
            continue
        lo = len(problem.prefix(v))
        if len(visits) == 2:
            amount = problem.pairs[problem.pair_of[jobs[0]]].amount
            candidates += _screen_pair(view, visits[0], visits[1], amount, lo)
        else:
            lo, hi = _partner_bounds(problem, routes[v], jobs[0], lo)
            candidates += _screen_job(view, visits[0], lo, hi)
    candidates.sort(key=lambda c: (c[0], c[1]))
    best: tuple[int, int, tuple[int, ...]] | None = None
    priced = 0
    for _, v, route in candidates:
        cost = route_cost(problem, v, route)
        view = cache[v]
        if cost is None or view is None:
            continue
        if best is None or cost - view.cost < best[0]:
            best = (cost - view.cost, v, route)
        priced += 1
        if exact_checks is not None and priced >= exact_checks:
            break
    return None if best is None else Insertion(best[1], best[2], best[0] / COST_SCALE)


def _units(problem: RoutingProblem, routed: set[int]) -> list[tuple[int, ...]]:
    """Unrouted jobs grouped as lone jobs and whole pairs, tightest latest start first."""
    units: list[tuple[int, ...]] = []
    for j in range(problem.num_jobs):
        if j in routed:
            continue
        p = problem.pair_of.get(j)
        if p is None or problem.pairs[p].delivery in routed or problem.pairs[p].pickup in routed:
            units.append((j,))
        elif problem.pairs[p].pickup == j:
            units.append((j, problem.pairs[p].delivery))

    def urgency(unit: tuple[int, ...]) -> tuple[int, int]:
        job = problem.jobs[unit[-1]]
        deadline = job.deadline_s if job.deadline_s is not None else job.late_s
        return min(job.late_s, deadline), job.early_s

    return sorted(units, key=urgency)


def greedy_routes(
    problem: RoutingProblem, *, neighbours: int = 24, deadline: float | None = None
) -> Routes:
    """Insert every job, most urgent first, at its cheapest feasible place (pins kept first).

    Only the ``neighbours`` vehicles whose routes pass nearest to a job are tried first (all
    of them if none fits), and only the few best-screened positions are priced exactly, which
    keeps a 400-job, 120-vehicle day well under a second. Jobs that fit nowhere, or are left when
    the ``deadline`` (a ``time.perf_counter()`` value) passes, stay out; the evaluator reports
    them if they were mandatory.
    """
    routes = [problem.prefix(v) for v in range(problem.num_vehicles)]
    views: dict[int, RouteView | None] = {}
    routed = {j for r in routes for j in r}
    # Places each route passes (append-only: a route only grows), with their vehicle.
    places = np.array(
        [veh.start for veh in problem.vehicles] + [problem.jobs[j].location for j in routed]
    )
    owner = np.array(
        list(range(problem.num_vehicles)) + [v for v, r in enumerate(routes) for _ in r]
    )
    nearness = np.empty(problem.num_vehicles, dtype=np.int64)
    for jobs in _units(problem, routed):
        if deadline is not None and time.perf_counter() > deadline:
            break
        unit = jobs[0] if len(jobs) == 1 else (jobs[0], jobs[1])
        nearness.fill(UNLIMITED)
        np.minimum.at(nearness, owner, problem.duration_s[places, problem.jobs[jobs[0]].location])
        near = np.argsort(nearness, kind="stable")[:neighbours].tolist()
        found = best_insertion(problem, routes, unit, near, views=views, exact_checks=4)
        if found is None and problem.num_vehicles > neighbours:
            found = best_insertion(problem, routes, unit, views=views, exact_checks=4)
        if found is not None:
            v = found.vehicle
            routes[v] = found.route
            views[v] = RouteView.build(problem, v, found.route)
            places = np.append(places, [problem.jobs[j].location for j in jobs])
            owner = np.append(owner, [v] * len(jobs))
    return tuple(routes)
