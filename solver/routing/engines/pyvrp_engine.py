"""PyVRP (iterated local search, MIT) as an engine: strongest on hard time windows.

It models vehicles with their own start and end, shift windows, capacity, distance and duration
costs, fixed costs, optional jobs with prizes, pickup-delivery pairs (PyVRP shipments) and skills
(one routing profile per skill set). It has no soft deadlines, several windows per job or pinned
prefixes; for those
:meth:`PyVRPEngine.unsupported` says why and the caller picks another engine.
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyvrp
from numpy.typing import NDArray
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.search import NeighbourhoodParams
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from solver.routing.engines.scaling import coefficients
from solver.routing.model import UNLIMITED, Routes, RoutingProblem

_ACTIVITY_CODE = {"client": "C", "pickup": "L", "delivery": "U"}
_UNREACHABLE = 10**9
"""Distance and duration to a job a vehicle lacks the skill for (far beyond any shift)."""
_SHORT_RUN_S = 2.0
"""Runs shorter than this get :func:`search_params`' short-run settings; longer ones keep
PyVRP's defaults apart from :func:`penalty_params` (the 10 s benchmark and the scale runs
were measured with them)."""
_SHORT_RUN_HISTORY = 30
"""Late-acceptance history length in a short run (PyVRP's default is 300)."""
_SHORT_RUN_NEIGHBOURS = 30
"""Granular neighbourhood size in a short run (PyVRP's default is 50)."""
_SHIPPED_PENALTIES = PenaltyParams()
"""PyVRP's own penalty settings: a 0.1 to 1e5 range per unit of violation, starting mid-way."""


@dataclass
class _RaisedPenaltyCap(PenaltyParams):
    """PyVRP's penalty settings with a higher ``max_penalty`` but PyVRP's usual starting values.

    PyVRP starts its penalties at the middle of their range; with the cap raised that start
    would make every violation prohibitive and the search could not cross infeasible ground
    (on Li & Lim lrc201 it then stopped 3.5 % over the best-known). Starting where PyVRP
    always starts, its penalty manager raises them only as far as it needs.
    """

    def midpoint_penalties(self, data: pyvrp.ProblemData) -> tuple[list[float], float, float]:
        """PyVRP's starting penalties for ``data`` (those of its default range)."""
        return _SHIPPED_PENALTIES.midpoint_penalties(data)


def penalty_params(max_fixed_cost: int) -> PenaltyParams:
    """PyVRP's penalty settings for a problem whose dearest vehicle has ``max_fixed_cost``.

    PyVRP caps each penalty at 1e5 per unit of excess load, time warp or distance, a scale
    made for objectives of about 1 per metre. A vehicle's fixed cost can dwarf that: on Li & Lim
    (1e9 per vehicle, vehicles first) PyVRP found it cheaper to drop a route and pay time warp,
    spent 99 % of its iterations in infeasible solutions with one route too few, and stopped
    1.26 % over the best-known distance on lr101 from the first second. Its penalty manager
    wanted about 5e5 there. Capping at the largest fixed cost instead lets the manager raise
    the penalty until it meets its feasibility target (docs/routing.md). Without fixed costs
    above the cap (Solomon, dispatch days) the settings are PyVRP's own.
    """
    if max_fixed_cost <= _SHIPPED_PENALTIES.max_penalty:
        return PenaltyParams()
    return _RaisedPenaltyCap(max_penalty=float(max_fixed_cost))


def search_params(time_limit_s: float, max_fixed_cost: int = 0) -> pyvrp.SolveParams:
    """PyVRP's parameters for a run of ``time_limit_s`` (penalties: :func:`penalty_params`).

    A short run cannot afford PyVRP's defaults: a long late-acceptance history keeps accepting
    worse solutions for a large share of a 1 s run, and 50 neighbours per client make each
    descent slower. On the 56 Solomon instances at 1 s, a history of 30 and 30 neighbours gave
    a 0.45 % mean gap against 1.12 % with the defaults (docs/routing.md).
    """
    penalty = penalty_params(max_fixed_cost)
    if time_limit_s >= _SHORT_RUN_S:
        return pyvrp.SolveParams(penalty=penalty)
    return pyvrp.SolveParams(
        ils=IteratedLocalSearchParams(history_length=_SHORT_RUN_HISTORY),
        neighbourhood=NeighbourhoodParams(num_neighbours=_SHORT_RUN_NEIGHBOURS),
        penalty=penalty,
    )


class PyVRPEngine:
    """Adapter from :class:`RoutingProblem` to :mod:`pyvrp` and back."""

    name = "pyvrp"

    def __init__(self, *, shipped_params: bool = False) -> None:
        """``shipped_params`` runs PyVRP with its own defaults (the benchmark's reference)
        instead of :func:`search_params`."""
        self.shipped_params = shipped_params

    def unsupported(self, problem: RoutingProblem) -> str | None:
        """Why PyVRP cannot model ``problem`` exactly, or None if it can."""
        if problem.has_soft_deadlines():
            return "soft deadlines"
        if any(len(j.windows) > 1 for j in problem.jobs):
            return "several time windows on one job"
        if any(problem.prefix(v) for v in range(problem.num_vehicles)):
            return "pinned prefixes"
        if any(problem.jobs[j].demand for j in problem.pair_of):
            return "depot demand on a pickup or delivery job"
        if any(v.has_overtime for v in problem.vehicles):
            return "overtime"
        return None

    def solve(
        self,
        problem: RoutingProblem,
        *,
        time_limit_s: float,
        seed: int,
        max_iterations: int | None,
        warm_start: Routes | None,
    ) -> Routes | None:
        """Run PyVRP's solver and map its best solution back to job indices."""
        began = time.perf_counter()
        data, clients, types = _data(problem)
        initial = (
            None if warm_start is None else _solution(problem, data, clients, types, warm_start)
        )
        left = time_limit_s - (time.perf_counter() - began)
        if left <= 0:  # set-up used the budget; PyVRP's first descent could not be cut short
            return None
        if self.shipped_params:
            params = pyvrp.SolveParams()
        else:
            max_fixed = max((vt.fixed_cost for vt in data.vehicle_types()), default=0)
            params = search_params(time_limit_s, max_fixed)
        stop: StoppingCriterion = MaxRuntime(left)
        if max_iterations is not None:
            stop = MultipleCriteria([stop, MaxIterations(max_iterations)])
        with warnings.catch_warnings():
            # Raised when no feasible solution exists; the evaluator reports that case by name.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = pyvrp.solve(
                data,
                stop,
                seed=seed,
                collect_stats=False,
                display=False,
                params=params,
                initial_solution=initial,
            )
        if not result.best.is_feasible():
            return None
        return _routes(problem, result.best, clients, types)


def _data(
    problem: RoutingProblem,
) -> tuple[pyvrp.ProblemData, list[int], list[list[int]]]:
    """PyVRP data, the job of each PyVRP client, and the vehicles behind each vehicle type."""
    co = coefficients(problem)
    terminals = sorted({loc for v in problem.vehicles for loc in (v.start, v.end)})
    depot_of = {loc: d for d, loc in enumerate(terminals)}
    depots = [pyvrp.Depot(location=d) for d in range(len(terminals))]
    first = len(terminals)  # PyVRP location of job j is first + j (one place per job)
    clients: list[int] = []
    pyvrp_clients = []
    for j, job in enumerate(problem.jobs):
        if j in problem.pair_of:
            continue
        clients.append(j)
        pyvrp_clients.append(
            pyvrp.Client(
                location=first + j,
                delivery=[job.demand],
                service_duration=job.service_s,
                tw_early=job.early_s,
                tw_late=job.late_s,
                prize=co.drop[j] or 0,
                required=job.drop_penalty_gr is None,
            )
        )
    shipments = []
    for pair in problem.pairs:
        pick, deliv = problem.jobs[pair.pickup], problem.jobs[pair.delivery]
        shipments.append(
            pyvrp.Shipment(
                pickup_location=first + pair.pickup,
                delivery_location=first + pair.delivery,
                pickup_tw_early=pick.early_s,
                pickup_tw_late=pick.late_s,
                pickup_service_duration=pick.service_s,
                delivery_tw_early=deliv.early_s,
                delivery_tw_late=deliv.late_s,
                delivery_service_duration=deliv.service_s,
                amount=[pair.amount],
                prize=(co.drop[pair.pickup] or 0) + (co.drop[pair.delivery] or 0),
                required=pick.drop_penalty_gr is None,
            )
        )
    places = np.array(terminals + [job.location for job in problem.jobs], dtype=np.int64)
    profiles, profile_of = _profiles(problem, places, first)
    groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for v, veh in enumerate(problem.vehicles):
        key = (
            profile_of[v],
            veh.start,
            veh.end,
            veh.shift_start_s,
            veh.shift_end_s,
            veh.capacity,
            co.per_m[v],
            co.per_s[v],
            co.fixed[v],
            veh.max_duration_s if veh.max_duration_s is not None else UNLIMITED,
        )
        groups[key].append(v)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(members),
            capacity=[key[5]],
            start_depot=depot_of[key[1]],
            end_depot=depot_of[key[2]],
            fixed_cost=key[8],
            tw_early=key[3],
            tw_late=key[4],
            shift_duration=key[9],
            unit_distance_cost=key[6],
            unit_duration_cost=key[7],
            profile=key[0],
        )
        for key, members in groups.items()
    ]
    data = pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in places],
        clients=pyvrp_clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[d for d, _ in profiles],  # type: ignore[misc]  # stub's shape type
        duration_matrices=[t for _, t in profiles],  # type: ignore[misc]
        shipments=shipments,
    )
    return data, clients, list(groups.values())


def _profiles(
    problem: RoutingProblem, places: NDArray[np.int64], first: int
) -> tuple[list[tuple[NDArray[np.int64], NDArray[np.int64]]], list[int]]:
    """(distance, duration) matrices per skill set, and each vehicle's profile.

    Skills become routing profiles: in a vehicle's profile, every job it lacks the skill for is
    ``_UNREACHABLE`` away, so PyVRP never routes it there in a solution it calls feasible (and
    our evaluator re-checks skills anyway). One profile when every vehicle can serve every job.
    """
    distance = problem.distance_m[np.ix_(places, places)]
    duration = problem.duration_s[np.ix_(places, places)]
    kinds = sorted({veh.skills for veh in problem.vehicles}, key=sorted)
    needed = [(first + j, job.skill) for j, job in enumerate(problem.jobs) if job.skill is not None]
    if all(skill in kind for kind in kinds for _, skill in needed):
        return [(distance, duration)], [0] * problem.num_vehicles
    profiles = []
    for kind in kinds:
        shut = [place for place, skill in needed if skill not in kind]
        d, t = distance.copy(), duration.copy()
        for m in (d, t):
            m[shut, :] = _UNREACHABLE
            m[:, shut] = _UNREACHABLE
            m[shut, shut] = 0
        profiles.append((d, t))
    return profiles, [kinds.index(veh.skills) for veh in problem.vehicles]


def _solution(
    problem: RoutingProblem,
    data: pyvrp.ProblemData,
    clients: list[int],
    types: list[list[int]],
    routes: Routes,
) -> pyvrp.Solution:
    """A PyVRP solution holding ``routes`` (used as the search's starting point)."""
    client_of = {j: c for c, j in enumerate(clients)}
    type_of = {v: t for t, members in enumerate(types) for v in members}
    out = []
    for v, route in enumerate(routes):
        if not route:
            continue
        acts = []
        for j in route:
            p = problem.pair_of.get(j)
            if p is None:
                acts.append(pyvrp.Activity(f"C{client_of[j]}"))
            else:
                kind = "pickup" if problem.pairs[p].pickup == j else "delivery"
                acts.append(pyvrp.Activity(f"{_ACTIVITY_CODE[kind]}{p}"))
        out.append(pyvrp.Route(data, acts, type_of[v]))
    return pyvrp.Solution(data, out)


def _routes(
    problem: RoutingProblem, solution: pyvrp.Solution, clients: list[int], types: list[list[int]]
) -> Routes:
    """Job indices per vehicle from a PyVRP solution (vehicles of a type taken in order)."""
    free = [list(members) for members in types]
    routes: list[tuple[int, ...]] = [() for _ in problem.vehicles]
    for route in solution.routes():
        jobs = []
        for act in route.schedule():
            if act.is_client():
                jobs.append(clients[act.idx])
            elif act.is_pickup():
                jobs.append(problem.pairs[act.idx].pickup)
            elif act.is_delivery():
                jobs.append(problem.pairs[act.idx].delivery)
        routes[free[route.vehicle_type()].pop(0)] = tuple(jobs)
    return tuple(routes)
