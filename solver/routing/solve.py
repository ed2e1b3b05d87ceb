"""``solve``: pick an engine, give it a feasible start, and return only what the evaluator accepts.

The choice, decided by measurement (docs/routing.md): PyVRP whenever the problem uses only rules
it models exactly (hard windows, capacities, pairs, optional jobs, skills, costs), because on
Solomon and Li & Lim it is far ahead of OR-Tools; OR-Tools otherwise (soft deadlines, several
windows, pinned prefixes). With soft deadlines, PyVRP first improves the greedy start on the
problem with each job's lateness capped at the greedy routes' (so it models it exactly), and
OR-Tools then prices real lateness from the better of the two. OR-Tools always starts from our
greedy insertion (milliseconds per job), as does PyVRP on large problems or with a warm start.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from solver.routing.engines import Engine
from solver.routing.engines.ortools_engine import ORToolsEngine
from solver.routing.engines.pyvrp_engine import PyVRPEngine
from solver.routing.evaluator import evaluate
from solver.routing.insertion import greedy_routes
from solver.routing.model import Routes, RoutingProblem
from solver.routing.params import SolveParams
from solver.routing.result import Evaluation, RoutingResult, Status

log = logging.getLogger(__name__)

_SAFETY_S = 0.05
"""Time kept back from the engine for evaluating and packaging its answer."""
_SETUP_S_PER_CELL = 4e-7
"""Seconds per matrix cell of engine set-up (see ``_setup_s``)."""
_PYVRP_SHARE = 0.5
"""Share of the time left that PyVRP gets on a soft-deadline problem before OR-Tools."""
FIRST_STAGE_S = 1.0
STAGE_GROWTH = 5.0
"""Stages of a long solve end at 1 s, 5 s, 25 s, ... and at the limit (see ``solve``)."""
_GREEDY_START_JOBS = 200
"""From this size PyVRP also starts from our greedy routes: on the 534-job national day its own
construction overran a 5 s limit by 0.7 s and ended 4 % dearer than from the greedy start, while
on 100-customer Solomon instances the greedy start was 0.5 % worse at 1 s (docs/routing.md)."""


def _setup_s(problem: RoutingProblem) -> float:
    """Rough time an engine needs to take in the matrices before it can search at all.

    On the 1 334-job day (1 644 locations) building the OR-Tools model took about 1 s on a busy
    machine, so an engine is only started when it has more time left than this.
    """
    rows = int(problem.duration_s.shape[0])
    return _SETUP_S_PER_CELL * rows * rows


def choose_engine(problem: RoutingProblem, params: SolveParams) -> Engine | None:
    """The engine ``params`` asks for (None for greedy insertion only).

    Raises
    ------
    ValueError
        If ``params.engine`` names an engine that cannot model this problem exactly.
    """
    if params.engine == "insertion":
        return None
    if params.engine == "ortools":
        return ORToolsEngine()
    pyvrp_engine = PyVRPEngine()
    why = pyvrp_engine.unsupported(problem)
    if why is None:
        return pyvrp_engine
    if params.engine == "pyvrp":
        raise ValueError(f"engine: pyvrp cannot model this problem ({why})")
    return ORToolsEngine()


def _better(a: Evaluation | None, b: Evaluation) -> Evaluation:
    """The feasible one, or the cheaper of two feasible ones, or the one with fewer violations."""
    if a is None:
        return b
    key_a = (not a.feasible, len(a.violations), a.costs.total_gr)
    key_b = (not b.feasible, len(b.violations), b.costs.total_gr)
    return b if key_b < key_a else a


def capped_lateness(problem: RoutingProblem, routes: Routes) -> RoutingProblem | None:
    """``problem`` with each soft deadline made a hard latest start: the deadline, or the start
    ``routes`` give that job if later. So ``routes`` stay feasible, no job may get later than in
    them, and PyVRP can model the result. None if PyVRP still cannot (several windows, pins).
    """
    starts = {s.job: s.start_s for r in evaluate(problem, routes).routes for s in r.stops}
    jobs = []
    for j, job in enumerate(problem.jobs):
        if job.deadline_s is None or len(job.windows) > 1:
            jobs.append(job)
            continue
        cap = min(job.late_s, max(job.deadline_s, starts.get(j, job.deadline_s)))
        jobs.append(replace(job, windows=((job.early_s, max(job.early_s, cap)),), deadline_s=None))
    capped = replace(problem, jobs=tuple(jobs))
    return capped if PyVRPEngine().unsupported(capped) is None else None


def _pyvrp_on_capped_lateness(
    problem: RoutingProblem, params: SolveParams, best: Evaluation | None, began: float
) -> Evaluation | None:
    """Hybrid step for soft deadlines: PyVRP improves travel and time with lateness capped.

    It gets ``_PYVRP_SHARE`` of the time left, starting from ``best``; OR-Tools then prices the
    real lateness from the better of the two.
    """
    if best is None or not best.feasible:
        return best
    capped = capped_lateness(problem, best.route_jobs)
    remaining = params.time_limit_s - (time.perf_counter() - began) - _SAFETY_S
    # One pair of matrices per skill set, and PyVRP's first descent over every job, come first.
    kinds = len({veh.skills for veh in problem.vehicles})
    if capped is None or remaining * _PYVRP_SHARE <= _setup_s(problem) * (1 + kinds):
        return best
    routes = PyVRPEngine().solve(
        capped,
        time_limit_s=remaining * _PYVRP_SHARE,
        seed=params.seed,
        max_iterations=params.max_iterations,
        warm_start=best.route_jobs,
    )
    return best if routes is None else _better(best, evaluate(problem, routes))


def solve(
    problem: RoutingProblem, params: SolveParams | None = None, warm_start: Routes | None = None
) -> RoutingResult:
    """Best routes found within ``params.time_limit_s``, checked by our evaluator.

    Anytime by construction: a problem PyVRP models exactly is one PyVRP run (its search only
    ever improves its best routes); any other long limit runs as stages ending at 1 s, 5 s,
    25 s, ... (each five times the last) and then at the limit, each stage warm-started from
    the best routes so far and keeping them unless it beats them. A run given more time
    therefore first does what a shorter run does, and never returns worse routes than it held
    at the shorter limit.

    Parameters
    ----------
    problem
        The instance.
    params
        Time limit, seed, engine choice (default :class:`SolveParams`).
    warm_start
        Previous routes (one tuple of job indices per vehicle) to start from; jobs that no longer
        fit are the engine's to move. Ignored when infeasible.

    Returns
    -------
    RoutingResult
        Status FEASIBLE with the cheapest feasible routes seen, or NO_SOLUTION with the
        evaluator's violations of the least-bad routes seen.

    Raises
    ------
    ValueError
        If ``warm_start`` has the wrong shape or ``params.engine`` cannot model the problem.
    """
    params = params or SolveParams()
    began = time.perf_counter()
    if params.time_limit_s <= FIRST_STAGE_S or _one_pyvrp_run(problem, params):
        return _solve_once(problem, params, warm_start)
    stage_end, result = FIRST_STAGE_S, None
    while True:
        budget = stage_end - (time.perf_counter() - began)
        start = warm_start if result is None else result.evaluation.route_jobs
        stage = replace(params, time_limit_s=max(budget, 0.01))
        found = _solve_once(problem, stage, start, construct=result is None)
        if result is None or _better(result.evaluation, found.evaluation) is found.evaluation:
            result = found
        if stage_end >= params.time_limit_s:
            break
        stage_end = min(stage_end * STAGE_GROWTH, params.time_limit_s)
    return replace(result, runtime_s=time.perf_counter() - began)


def _one_pyvrp_run(problem: RoutingProblem, params: SolveParams) -> bool:
    """Whether PyVRP alone solves ``problem``: its search keeps its best routes as it goes, so
    it is anytime without stages, and a restart from one route set would throw away its
    population (Solomon's 56 at 10 s: 0.257 % from stages, 0.17 % from one run)."""
    engine = choose_engine(problem, params)
    return engine is not None and engine.name == "pyvrp"


def _solve_once(
    problem: RoutingProblem,
    params: SolveParams,
    warm_start: Routes | None,
    *,
    construct: bool = True,
) -> RoutingResult:
    """One stage: our greedy start (unless a later stage carries on from feasible routes),
    PyVRP on capped lateness for soft deadlines, then the chosen engine, all within
    ``params.time_limit_s``."""
    began = time.perf_counter()
    engine = choose_engine(problem, params)
    best: Evaluation | None = None
    if warm_start is not None:
        best = evaluate(problem, warm_start)
    carry_on = not construct and best is not None and best.feasible
    if not carry_on and (
        engine is None or engine.name != "pyvrp" or problem.num_jobs >= _GREEDY_START_JOBS
    ):
        cutoff = began + params.time_limit_s - _SAFETY_S
        best = _better(best, evaluate(problem, greedy_routes(problem, deadline=cutoff)))
    if params.engine == "auto" and engine is not None and engine.name == "ortools":
        best = _pyvrp_on_capped_lateness(problem, params, best, began)
    if engine is not None:
        remaining = params.time_limit_s - (time.perf_counter() - began) - _SAFETY_S
        if remaining > _setup_s(problem):
            start = best.route_jobs if best is not None and best.feasible else None
            routes = engine.solve(
                problem,
                time_limit_s=remaining,
                seed=params.seed,
                max_iterations=params.max_iterations,
                warm_start=start,
            )
            if routes is not None:
                best = _better(best, evaluate(problem, routes))
            else:
                log.info("engine %s found no solution in %.2f s", engine.name, remaining)
    if best is None:
        best = evaluate(problem, tuple(problem.prefix(v) for v in range(problem.num_vehicles)))
    status = Status.FEASIBLE if best.feasible else Status.NO_SOLUTION
    name = engine.name if engine is not None else "insertion"
    return RoutingResult(status, best, name, time.perf_counter() - began)
