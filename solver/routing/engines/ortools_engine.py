"""OR-Tools routing as an engine: models every rule, including soft ones, natively.

Soft deadlines are soft upper bounds on the time cumul, several windows are removed intervals,
skills restrict each node's vehicle variable, optional jobs are disjunctions with their penalty,
pairs are pickup-and-delivery constraints, and pinned prefixes fix the successor of the start
and of each pinned job. The search starts from the caller's warm start when one is given
(guided local search over near-neighbour moves then improves it), otherwise from parallel
cheapest insertion.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.routing.engines.scaling import coefficients
from solver.routing.evaluator import in_shift_limit
from solver.routing.model import UNLIMITED, Routes, RoutingProblem

log = logging.getLogger(__name__)

_STATUS_NAMES = {
    0: "ROUTING_NOT_SOLVED",
    1: "ROUTING_SUCCESS",
    2: "ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED",
    3: "ROUTING_FAIL",
    4: "ROUTING_FAIL_TIMEOUT",
    5: "ROUTING_INVALID",
    6: "ROUTING_INFEASIBLE",
    7: "ROUTING_OPTIMAL",
}


class ORToolsEngine:
    """Adapter from :class:`RoutingProblem` to the OR-Tools routing library and back."""

    name = "ortools"

    def unsupported(self, problem: RoutingProblem) -> str | None:  # noqa: ARG002 - Protocol
        """OR-Tools models every rule of the routing model."""
        return None

    def solve(
        self,
        problem: RoutingProblem,
        *,
        time_limit_s: float,
        seed: int,  # noqa: ARG002 - OR-Tools' routing search is deterministic without a seed
        max_iterations: int | None,
        warm_start: Routes | None,
    ) -> Routes | None:
        """Build the model, search within ``time_limit_s`` and read the routes back."""
        began = time.perf_counter()
        built = _Model(problem)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        )
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        # Moves only towards each node's nearest 5 % (at least 8) neighbours: on the 534-job
        # national day this improved the 5 s result (docs/routing.md) by keeping moves cheap.
        params.ls_operator_neighbors_ratio = 0.05
        params.ls_operator_min_neighbors = 8
        params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        if max_iterations is not None:
            params.solution_limit = max_iterations
        routing = built.routing
        routing.CloseModelWithParameters(params)
        left = time_limit_s - (time.perf_counter() - began)
        params.time_limit.FromMilliseconds(max(1, int(left * 1000)))
        initial = None
        if warm_start is not None:
            # RoutesToAssignment only sets successors. ReadAssignmentFromRoutes also runs a
            # search to fill in the rest, which used up the whole time limit on a 75-job day
            # before the real search started.
            initial = routing.solver().Assignment()
            if not routing.RoutesToAssignment(built.index_routes(warm_start), True, True, initial):
                initial = None
        if initial is not None:
            solution = routing.SolveFromAssignmentWithParameters(initial, params)
        else:
            solution = routing.SolveWithParameters(params)
        status = routing.status()
        log.debug("OR-Tools status %s", _STATUS_NAMES.get(status, status))
        if solution is None:
            return None
        return built.read(solution)


class _Model:
    """The OR-Tools model of one problem: nodes are jobs, then one node per terminal location."""

    def __init__(self, problem: RoutingProblem) -> None:
        self.problem = problem
        n = problem.num_jobs
        terminals = sorted({loc for v in problem.vehicles for loc in (v.start, v.end)})
        node_loc = np.array([j.location for j in problem.jobs] + terminals, dtype=np.int64)
        node_of = {loc: n + k for k, loc in enumerate(terminals)}
        starts = [node_of[v.start] for v in problem.vehicles]
        ends = [node_of[v.end] for v in problem.vehicles]
        self.manager = pywrapcp.RoutingIndexManager(
            len(node_loc), problem.num_vehicles, starts, ends
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        co = coefficients(problem)
        service = np.array([j.service_s for j in problem.jobs] + [0] * len(terminals))
        self.travel = problem.duration_s[np.ix_(node_loc, node_loc)] + service[:, None]
        self.dist = problem.distance_m[np.ix_(node_loc, node_loc)]
        self._arc_costs(co.per_m)
        self._time(co.per_s, co.lateness_per_s)
        self._overtime(co.overtime_per_s)
        self._load()
        self._jobs(co.drop, co.fixed)
        self._pins()

    def index(self, job: int) -> int:
        """Routing variable index of a job."""
        return int(self.manager.NodeToIndex(job))

    def _matrix_callback(self, matrix: np.ndarray) -> int:
        # Indices in a registered matrix are node numbers, so no per-arc Python callback runs.
        return int(self.routing.RegisterTransitMatrix(matrix.tolist()))

    def _arc_costs(self, per_m: tuple[int, ...]) -> None:
        by_rate: dict[int, list[int]] = defaultdict(list)
        for v, rate in enumerate(per_m):
            by_rate[rate].append(v)
        for rate, vehicles in by_rate.items():
            callback = self._matrix_callback(self.dist * rate)
            for v in vehicles:
                self.routing.SetArcCostEvaluatorOfVehicle(callback, v)

    def _time(self, per_s: tuple[int, ...], lateness_per_s: tuple[int, ...]) -> None:
        p, routing = self.problem, self.routing
        routing.AddDimension(
            self._matrix_callback(self.travel), UNLIMITED, UNLIMITED, False, "time"
        )
        self.time = routing.GetDimensionOrDie("time")
        for j, job in enumerate(p.jobs):
            cumul = self.time.CumulVar(self.index(j))
            cumul.SetRange(job.early_s, job.late_s)
            for (_, late), (early, _) in zip(job.windows, job.windows[1:], strict=False):
                if early > late + 1:
                    cumul.RemoveInterval(late + 1, early - 1)
            if job.deadline_s is not None and lateness_per_s[j] > 0:
                self.time.SetCumulVarSoftUpperBound(
                    self.index(j), job.deadline_s, lateness_per_s[j]
                )
        for v, veh in enumerate(p.vehicles):
            for idx in (routing.Start(v), routing.End(v)):
                self.time.CumulVar(idx).SetRange(veh.shift_start_s, veh.shift_end_s)
            self.time.SetSpanCostCoefficientForVehicle(per_s[v], v)
            if veh.max_duration_s is not None:
                self.time.SetSpanUpperBoundForVehicle(veh.max_duration_s, v)
            routing.AddVariableMaximizedByFinalizer(self.time.CumulVar(routing.Start(v)))
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(routing.End(v)))

    def _overtime(self, extra_per_s: tuple[int, ...]) -> None:
        """Overtime: the return past its start costs the extra rate (exact when the route
        starts before it, dearer otherwise; the evaluator prices the answer), and each in-shift
        job starts early enough to be done and home by then on whichever vehicle takes it."""
        p, routing = self.problem, self.routing
        if not any(v.has_overtime for v in p.vehicles):
            return
        solver = routing.solver()
        for v, veh in enumerate(p.vehicles):
            if veh.has_overtime and veh.overtime_from_s is not None and extra_per_s[v] > 0:
                self.time.SetCumulVarSoftUpperBound(
                    routing.End(v), veh.overtime_from_s, extra_per_s[v]
                )
        for j, job in enumerate(p.jobs):
            if not job.in_shift:
                continue
            limits = [in_shift_limit(p, v, j) for v in range(p.num_vehicles)]
            if min(limits) >= UNLIMITED:
                continue
            # Element's values span at most 2**32: a vehicle's own end bounds the rest anyway.
            ends = [v.shift_end_s for v in p.vehicles]
            limits = [max(-1, min(x, end, 2**31)) for x, end in zip(limits, ends, strict=True)]
            limits = [min(max(ends), 2**31), *limits]  # VehicleVar is -1 for a dropped job
            idx = self.index(j)
            vehicle = (routing.VehicleVar(idx) + 1).Var()
            solver.Add(self.time.CumulVar(idx) <= solver.Element(limits, vehicle))

    def _load(self) -> None:
        p = self.problem
        delta = [-j.demand for j in p.jobs] + [0] * (self.travel.shape[0] - p.num_jobs)
        for pair in p.pairs:
            delta[pair.pickup] += pair.amount
            delta[pair.delivery] -= pair.amount
        if not any(delta):
            return
        callback = self.routing.RegisterUnaryTransitVector(delta)
        capacities = [v.capacity for v in p.vehicles]
        self.routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, False, "load")

    def _jobs(self, drop: tuple[int | None, ...], fixed: tuple[int, ...]) -> None:
        p, routing = self.problem, self.routing
        solver = routing.solver()
        for j in range(p.num_jobs):
            idx = self.index(j)
            allowed = [v for v in range(p.num_vehicles) if p.can_serve(v, j)]
            if len(allowed) < p.num_vehicles:
                routing.VehicleVar(idx).SetValues([-1, *allowed])
            penalty = drop[j]
            if penalty is not None:
                routing.AddDisjunction([idx], penalty)
        for pair in p.pairs:
            pick, deliv = self.index(pair.pickup), self.index(pair.delivery)
            routing.AddPickupAndDelivery(pick, deliv)
            solver.Add(routing.VehicleVar(pick) == routing.VehicleVar(deliv))
            solver.Add(routing.ActiveVar(pick) == routing.ActiveVar(deliv))
            solver.Add(self.time.CumulVar(pick) <= self.time.CumulVar(deliv))
        for v, cost in enumerate(fixed):
            routing.SetFixedCostOfVehicle(cost, v)

    def _pins(self) -> None:
        p, routing = self.problem, self.routing
        solver = routing.solver()
        for v in range(p.num_vehicles):
            previous = routing.Start(v)
            for j in p.prefix(v):
                solver.Add(routing.NextVar(previous) == self.index(j))
                previous = self.index(j)

    def index_routes(self, routes: Routes) -> list[list[int]]:
        """Routes as OR-Tools variable indices (the form ``ReadAssignmentFromRoutes`` takes)."""
        return [[self.index(j) for j in route] for route in routes]

    def read(self, solution: pywrapcp.Assignment) -> Routes:
        """Job indices per vehicle from an OR-Tools assignment."""
        routing = self.routing
        out = []
        for v in range(self.problem.num_vehicles):
            jobs = []
            idx = solution.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(idx):
                jobs.append(int(self.manager.IndexToNode(idx)))
                idx = solution.Value(routing.NextVar(idx))
            out.append(tuple(jobs))
        return tuple(out)
