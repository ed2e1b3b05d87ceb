"""Cheapest feasible insertion: one new job (or pickup-delivery pair) into existing routes.

Used two ways: by the dispatch engine to place a new ticket into engineers' fixed days in a few
milliseconds, and, repeated, as the greedy construction that gives every solve a feasible start
before an engine improves it. Pinned prefixes are never entered; costs are the evaluator's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solver.routing.evaluator import (
    COST_SCALE,
    TIME_PER_S_PER_GR_H,
    TRAVEL_PER_M_PER_GR_KM,
    forward,
    route_distance,
)
from solver.routing.model import Routes, RoutingProblem


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

    Checks windows, shift end, maximum duration and capacity; skills and pair order are the
    caller's to respect (insertion only tries allowed vehicles and positions).
    """
    if not jobs:
        return 0
    veh = problem.vehicles[vehicle]
    run = forward(problem, vehicle, jobs, veh.shift_start_s)
    if run.late_starts or run.return_s > veh.shift_end_s:
        return None
    duration = run.return_s - veh.shift_start_s - run.delay_room_s
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
        + duration * veh.cost_per_hour_gr * TIME_PER_S_PER_GR_H
        + (lateness + veh.fixed_cost_gr) * COST_SCALE
    )


def _reachable(problem: RoutingProblem, vehicle: int, job: int) -> bool:
    """Cheap necessary test: the job's window can be met from the start and the end reached."""
    veh = problem.vehicles[vehicle]
    j = problem.jobs[job]
    dur = problem.duration_s
    earliest = max(veh.shift_start_s + int(dur[veh.start, j.location]), j.early_s)
    return earliest <= j.late_s and earliest + j.service_s + int(dur[j.location, veh.end]) <= (
        veh.shift_end_s
    )


def _candidates(
    problem: RoutingProblem, route: tuple[int, ...], vehicle: int, unit: tuple[int, ...]
) -> list[tuple[int, ...]]:
    """Every allowed sequence for ``route`` with ``unit`` (a job, or pickup then delivery) added."""
    lo = len(problem.prefix(vehicle))
    if len(unit) == 1:
        (j,) = unit
        lo, hi = _partner_bounds(problem, route, j, lo)
        return [(*route[:p], j, *route[p:]) for p in range(lo, hi + 1)]
    pick, deliv = unit
    out: list[tuple[int, ...]] = []
    for p in range(lo, len(route) + 1):
        with_pick = (*route[:p], pick, *route[p:])
        out.extend(
            (*with_pick[:q], deliv, *with_pick[q:]) for q in range(p + 1, len(with_pick) + 1)
        )
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


def _unit_vehicles(problem: RoutingProblem, routes: Routes, unit: tuple[int, ...]) -> list[int]:
    """Vehicles allowed for ``unit``: skilled, and the partner's vehicle if it is routed."""
    if len(unit) == 1 and (p := problem.pair_of.get(unit[0])) is not None:
        pair = problem.pairs[p]
        partner = pair.delivery if pair.pickup == unit[0] else pair.pickup
        on = [v for v, r in enumerate(routes) if partner in r]
        if on:
            return on
    return [
        v
        for v in range(problem.num_vehicles)
        if all(problem.can_serve(v, j) and _reachable(problem, v, j) for j in unit)
    ]


def best_insertion(
    problem: RoutingProblem,
    routes: Routes,
    unit: int | tuple[int, int],
    vehicles: Sequence[int] | None = None,
) -> Insertion | None:
    """The cheapest feasible way to add a job or a (pickup, delivery) pair to ``routes``.

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

    Returns
    -------
    Insertion | None
        The cheapest insertion, or None when no vehicle can take it without breaking a rule.
    """
    jobs = (unit,) if isinstance(unit, int) else tuple(unit)
    allowed = _unit_vehicles(problem, routes, jobs)
    if vehicles is not None:
        allowed = [v for v in allowed if v in set(vehicles)]
    best: Insertion | None = None
    for v in allowed:
        route = routes[v]
        base = route_cost(problem, v, route)
        if base is None:
            continue
        for cand in _candidates(problem, route, v, jobs):
            cost = route_cost(problem, v, cand)
            if cost is not None and (best is None or cost - base < best.delta_gr * COST_SCALE):
                best = Insertion(v, cand, (cost - base) / COST_SCALE)
    return best


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


def greedy_routes(problem: RoutingProblem, neighbours: int = 12) -> Routes:
    """Insert every job, most urgent first, at its cheapest feasible place (pins kept first).

    Only the ``neighbours`` vehicles nearest (by travel time from their start) to each job are
    tried, which keeps a 400-job, 120-vehicle day well under a second. Jobs that fit nowhere are
    left out; the evaluator reports them if they were mandatory.
    """
    routes: Routes = tuple(problem.prefix(v) for v in range(problem.num_vehicles))
    starts = np.array([veh.start for veh in problem.vehicles])
    routed = {j for r in routes for j in r}
    for jobs in _units(problem, routed):
        unit = jobs[0] if len(jobs) == 1 else (jobs[0], jobs[1])
        first = problem.jobs[jobs[0]].location
        near = np.argsort(problem.duration_s[starts, first], kind="stable")[:neighbours]
        found = best_insertion(problem, routes, unit, vehicles=near.tolist())
        if found is None and problem.num_vehicles > neighbours:
            found = best_insertion(problem, routes, unit)
        if found is not None:
            routes = found.apply(routes)
    return routes
