"""Our own feasibility and cost evaluator: every engine's answer passes through it.

It schedules each route (earliest service start at every stop, then the departure delayed as far
as possible without making any stop later than allowed, so paid time is not inflated by waiting
at the start), checks every rule of :mod:`solver.routing.model` and prices the result.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from solver.routing.model import UNLIMITED, Job, Routes, RoutingProblem, Vehicle
from solver.routing.result import CostBreakdown, Evaluation, RoutePlan, Stop

COST_SCALE = 18_000
"""Exact integer cost unit: 1 grosz = 18 000 units, the lcm of 1 000 m/km and 3 600 s/h."""
TRAVEL_PER_M_PER_GR_KM = COST_SCALE // 1000
TIME_PER_S_PER_GR_H = COST_SCALE // 3600


def _to_grosze(scaled: int) -> int:
    return (scaled + COST_SCALE // 2) // COST_SCALE


def service_start(job: Job, arrival_s: int) -> int | None:
    """Earliest start of service at or after ``arrival_s`` inside a window; None if all closed."""
    if not job.windows:
        return arrival_s
    for early, late in job.windows:
        if arrival_s <= late:
            return max(arrival_s, early)
    return None


def in_shift_limit(problem: RoutingProblem, vehicle: int, job: int) -> int:
    """Latest service start of ``job`` on ``vehicle``: an ``in_shift`` job on a vehicle with
    overtime must be done and driven home by the overtime's start; UNLIMITED otherwise."""
    veh, j = problem.vehicles[vehicle], problem.jobs[job]
    if not j.in_shift or veh.overtime_from_s is None or not veh.has_overtime:
        return UNLIMITED
    return veh.overtime_from_s - j.service_s - int(problem.duration_s[j.location, veh.end])


def paid_time(veh: Vehicle, depart_s: int, return_s: int) -> int:
    """Scaled cost of the vehicle's time from ``depart_s`` to ``return_s``: the hourly rate up
    to the overtime's start, the overtime rate after it."""
    cut = return_s if veh.overtime_from_s is None else veh.overtime_from_s
    regular = max(0, min(return_s, cut) - depart_s)
    overtime = return_s - depart_s - regular
    return (
        regular * veh.cost_per_hour_gr + overtime * veh.overtime_cost_per_hour_gr
    ) * TIME_PER_S_PER_GR_H


@dataclass(frozen=True, slots=True)
class Pass:
    """One forward pass over a route: service starts per stop and what they imply."""

    arrivals: tuple[int, ...]
    starts: tuple[int, ...]
    late_starts: tuple[int, ...]
    return_s: int
    delay_room_s: int
    overtime_starts: tuple[int, ...] = ()  # in-shift jobs that would run into overtime


def forward(problem: RoutingProblem, vehicle: int, jobs: Sequence[int], depart_s: int) -> Pass:
    """Earliest schedule from ``depart_s``, and how far the departure could slide later.

    The room is the largest delay that waiting absorbs before the end, without pushing any start
    past its window or further past its soft deadline, so the return time stays the same.
    """
    veh = problem.vehicles[vehicle]
    dur = problem.duration_s
    t, loc = depart_s, veh.start
    arrivals: list[int] = []
    starts: list[int] = []
    late_starts: list[int] = []
    waited = 0
    overtime_starts: list[int] = []
    room = UNLIMITED
    for j in jobs:
        job = problem.jobs[j]
        arrival = t + int(dur[loc, job.location])
        start = service_start(job, arrival)
        if start is None:
            late_starts.append(j)
            start = arrival
        waited += start - arrival
        slack = next((late for _, late in job.windows if start <= late), UNLIMITED) - start
        if job.deadline_s is not None:
            slack = min(slack, max(0, job.deadline_s - start))
        if job.in_shift and veh.has_overtime:
            limit = in_shift_limit(problem, vehicle, j)
            if start > limit:
                overtime_starts.append(j)
            slack = min(slack, max(0, limit - start))
        room = min(room, waited + slack)
        arrivals.append(arrival)
        starts.append(start)
        t, loc = start + job.service_s, job.location
    return_s = t + int(dur[loc, veh.end])
    return Pass(
        tuple(arrivals),
        tuple(starts),
        tuple(late_starts),
        return_s,
        max(0, min(room, waited)),
        tuple(overtime_starts),
    )


def departure_plan(
    problem: RoutingProblem, vehicle: int, jobs: Sequence[int], *, exact_times: bool = True
) -> tuple[int, Pass]:
    """When the vehicle leaves its start, and the forward pass from then.

    Candidates are the shift start, plus, for each job with several windows, the departure that
    reaches it exactly when a later window opens. Each candidate is then slid later by the
    room waiting allows. The evaluator keeps the first candidate by (no closed window, back by
    shift end, within max duration, paid time + lateness cost). With ``exact_times=False`` and a
    single candidate, the earliest pass is returned without re-running it at the delayed
    departure: its return time and lateness are the same, only its start times are earlier.
    """
    veh = problem.vehicles[vehicle]
    first = forward(problem, vehicle, jobs, veh.shift_start_s)
    departs = {veh.shift_start_s}
    for j, arrival in zip(jobs, first.arrivals, strict=True):
        for early, _ in problem.jobs[j].windows[1:]:
            if early > arrival:
                departs.add(veh.shift_start_s + early - arrival)
    if len(departs) == 1 and not exact_times:
        return veh.shift_start_s + (0 if first.late_starts else first.delay_room_s), first
    best: tuple[tuple[bool, bool, bool, int], int, Pass] | None = None
    for depart in sorted(departs):
        run = first if depart == veh.shift_start_s else forward(problem, vehicle, jobs, depart)
        if run.delay_room_s > 0 and not run.late_starts and not run.overtime_starts:
            depart += run.delay_room_s
            run = forward(problem, vehicle, jobs, depart)
        duration = run.return_s - depart
        lateness = sum(
            max(0, start - job.deadline_s) * job.lateness_gr_per_s
            for start, job in zip(run.starts, (problem.jobs[j] for j in jobs), strict=True)
            if job.deadline_s is not None
        )
        key = (
            bool(run.late_starts or run.overtime_starts),
            run.return_s > veh.shift_end_s,
            veh.max_duration_s is not None and duration > veh.max_duration_s,
            paid_time(veh, depart, run.return_s) + lateness * COST_SCALE,
        )
        if best is None or key < best[0]:
            best = (key, depart, run)
    assert best is not None  # departs is never empty
    return best[1], best[2]


def schedule(
    problem: RoutingProblem, vehicle: int, jobs: tuple[int, ...]
) -> tuple[RoutePlan, tuple[int, ...], tuple[int, ...]]:
    """Schedule one route; also return the jobs whose every window had closed on arrival, and
    the in-shift jobs that would run into overtime."""
    veh = problem.vehicles[vehicle]
    if not jobs:
        return RoutePlan(vehicle, veh.shift_start_s, (), veh.shift_start_s, 0), (), ()
    departure, best = departure_plan(problem, vehicle, jobs)
    stops = []
    for j, arrival, start in zip(jobs, best.arrivals, best.starts, strict=True):
        job = problem.jobs[j]
        late = 0 if job.deadline_s is None else max(0, start - job.deadline_s)
        stops.append(Stop(j, arrival, start, start + job.service_s, late))
    plan = RoutePlan(
        vehicle, departure, tuple(stops), best.return_s, route_distance(problem, vehicle, jobs)
    )
    return plan, best.late_starts, best.overtime_starts


def route_distance(problem: RoutingProblem, vehicle: int, jobs: Sequence[int]) -> int:
    """Metres from the vehicle's start through ``jobs`` to its end."""
    veh = problem.vehicles[vehicle]
    dist = problem.distance_m
    places = [veh.start, *(problem.jobs[j].location for j in jobs), veh.end]
    return sum(int(dist[a, b]) for a, b in itertools.pairwise(places))


def _route_violations(
    problem: RoutingProblem, plan: RoutePlan, late: tuple[int, ...], overtime: tuple[int, ...]
) -> list[str]:
    veh = problem.vehicles[plan.vehicle]
    jobs = plan.jobs
    name = f"vehicle {veh.id}"
    out = [f"{name}: job {problem.jobs[j].id} arrives after its last time window" for j in late]
    out += [
        f"{name}: in-shift job {problem.jobs[j].id} runs past overtime start {veh.overtime_from_s}"
        for j in overtime
    ]
    if plan.return_s > veh.shift_end_s:
        out.append(f"{name}: returns at {plan.return_s} after shift end {veh.shift_end_s}")
    if veh.max_duration_s is not None and plan.duration_s > veh.max_duration_s:
        out.append(f"{name}: duration {plan.duration_s} exceeds max {veh.max_duration_s}")
    prefix = problem.prefix(plan.vehicle)
    if jobs[: len(prefix)] != prefix:
        out.append(f"{name}: pinned prefix {[problem.jobs[j].id for j in prefix]} not kept first")
    load = sum(problem.jobs[j].demand for j in jobs)
    peak = load
    position = {j: k for k, j in enumerate(jobs)}
    for k, j in enumerate(jobs):
        job = problem.jobs[j]
        if not problem.can_serve(plan.vehicle, j):
            out.append(f"{name}: lacks skill {job.skill!r} for job {job.id}")
        load -= job.demand
        p = problem.pair_of.get(j)
        if p is not None:
            pair = problem.pairs[p]
            if j == pair.pickup:
                load += pair.amount
                if position.get(pair.delivery, -1) <= k:
                    out.append(f"{name}: pickup {job.id} without its delivery later on the route")
            else:
                load -= pair.amount
                if position.get(pair.pickup, len(jobs)) >= k:
                    out.append(f"{name}: delivery {job.id} before its pickup")
        peak = max(peak, load)
    if peak > veh.capacity:
        out.append(f"{name}: load {peak} exceeds capacity {veh.capacity}")
    return out


def evaluate(problem: RoutingProblem, routes: Routes) -> Evaluation:
    """Schedule, check and price ``routes``; never raises on a bad solution, it lists violations.

    Raises
    ------
    ValueError
        If ``routes`` does not have one entry per vehicle or names a job that does not exist.
    """
    if len(routes) != problem.num_vehicles:
        raise ValueError(f"routes: need {problem.num_vehicles} routes, got {len(routes)}")
    violations: list[str] = []
    served: dict[int, int] = {}
    plans: list[RoutePlan] = []
    travel = time = lateness = fixed = 0
    for v, route in enumerate(routes):
        for j in route:
            if not 0 <= j < problem.num_jobs:
                raise ValueError(f"routes[{v}]: job {j} out of range")
            if j in served:
                violations.append(f"job {problem.jobs[j].id} served twice")
            served[j] = v
        plan, late, overtime = schedule(problem, v, tuple(route))
        plans.append(plan)
        violations.extend(_route_violations(problem, plan, late, overtime))
        veh = problem.vehicles[v]
        if route:
            travel += plan.distance_m * veh.cost_per_km_gr * TRAVEL_PER_M_PER_GR_KM
            time += paid_time(veh, plan.departure_s, plan.return_s)
            fixed += veh.fixed_cost_gr * COST_SCALE
            lateness += sum(
                s.lateness_s * problem.jobs[s.job].lateness_gr_per_s * COST_SCALE
                for s in plan.stops
            )
    dropped = tuple(j for j in range(problem.num_jobs) if j not in served)
    drop = 0
    for j in dropped:
        job = problem.jobs[j]
        if job.drop_penalty_gr is None:
            violations.append(f"job {job.id} is mandatory but not served")
        else:
            drop += job.drop_penalty_gr * COST_SCALE
        p = problem.pair_of.get(j)
        if p is not None:
            other = (
                problem.pairs[p].delivery
                if problem.pairs[p].pickup == j
                else problem.pairs[p].pickup
            )
            if other in served:
                violations.append(f"job {job.id} dropped while its pair partner is served")
    costs = CostBreakdown(
        _to_grosze(travel),
        _to_grosze(time),
        _to_grosze(lateness),
        _to_grosze(fixed),
        _to_grosze(drop),
    )
    return Evaluation(tuple(plans), dropped, costs, tuple(violations))
