"""solve(): each engine on tiny instances with known optima, soft deadlines, pins, warm starts."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.routing.engines.ortools_engine import ORToolsEngine
from solver.routing.engines.pyvrp_engine import PyVRPEngine
from solver.routing.evaluator import evaluate
from solver.routing.model import Job, Pair, RoutingProblem, Vehicle
from solver.routing.params import SolveParams
from solver.routing.result import Status
from solver.routing.solve import capped_lateness, choose_engine, solve
from tests.solver.routing.brute import optimum_gr

FAST = 0.3


def _problem(matrices, vehicles, jobs, pairs=(), pinned=()) -> RoutingProblem:
    duration, distance = matrices
    return RoutingProblem(
        duration, distance, tuple(vehicles), tuple(jobs), tuple(pairs), tuple(pinned)
    )


@pytest.mark.parametrize("engine", ["pyvrp", "ortools", "auto"])
def test_two_vans_of_capacity_two_split_near_and_far_jobs(matrices, van, four_jobs, engine):
    """Known optimum: {1, 2} and {3, 4}, 4 + 8 = 12 km; any other split drives 14 km."""
    vans = [
        replace(van, capacity=2, cost_per_hour_gr=0),
        replace(van, id="b", capacity=2, cost_per_hour_gr=0),
    ]
    jobs = [replace(j, demand=1) for j in four_jobs]
    result = solve(_problem(matrices, vans, jobs), SolveParams(time_limit_s=FAST, engine=engine))
    assert result.status is Status.FEASIBLE
    assert result.evaluation.distance_m == 12_000
    assert sorted(tuple(sorted(r.jobs)) for r in result.routes) == [(0, 1), (2, 3)]


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_pickup_and_delivery_pair_is_served_in_order_on_one_vehicle(
    matrices, van, four_jobs, engine
):
    """Pickup at place 4, delivery at place 1: the van must go out to 4 first."""
    problem = _problem(matrices, [van, replace(van, id="b")], four_jobs, [Pair(3, 0, 1)])
    result = solve(problem, SolveParams(time_limit_s=FAST, engine=engine))
    assert result.status is Status.FEASIBLE
    (route,) = [r.jobs for r in result.routes if 3 in r.jobs]
    assert route.index(3) < route.index(0)
    assert result.costs.total_gr == optimum_gr(problem)


windows = st.tuples(st.integers(0, 400), st.integers(0, 400)).map(lambda w: (min(w), max(w) + 60))


@settings(max_examples=6, deadline=None)
@given(
    spans=st.lists(windows, min_size=3, max_size=4),
    engine=st.sampled_from(["pyvrp", "ortools"]),
)
def test_engines_find_the_brute_force_optimum_on_tiny_windowed_instances(
    matrices, van, spans, engine
):
    """Up to four windowed optional jobs, two vans: engine cost equals exhaustive search."""
    jobs = [
        Job(id=f"j{k}", location=k + 1, service_s=10, windows=(w,), drop_penalty_gr=2000)
        for k, w in enumerate(spans)
    ]
    problem = _problem(matrices, [van, replace(van, id="b")], jobs)
    result = solve(problem, SolveParams(time_limit_s=FAST, engine=engine))
    assert result.status is Status.FEASIBLE
    assert result.costs.total_gr == optimum_gr(problem)


def test_late_job_is_served_and_charged_not_dropped(matrices, van):
    """Two deadlines at 60 s on places 1 and 4: one is necessarily late and pays per second."""
    jobs = [
        Job(id="near", location=1, deadline_s=60, lateness_gr_per_s=10),
        Job(id="far", location=4, deadline_s=60, lateness_gr_per_s=10),
    ]
    problem = _problem(matrices, [replace(van, cost_per_hour_gr=0)], jobs)
    result = solve(problem, SolveParams(time_limit_s=FAST))
    assert result.engine == "ortools"
    assert result.status is Status.FEASIBLE and result.dropped == ()
    # Near first: near on time, far at 240 s -> 180 s late x 10 = 1 800 gr (far first costs more).
    assert result.costs.lateness_gr == 1800
    assert result.costs.total_gr == optimum_gr(problem)


def test_pinned_prefix_stays_first_even_when_another_order_is_cheaper(matrices, van, four_jobs):
    """Job at place 4 under way, pinned first; the rest follow on the way back."""
    problem = _problem(matrices, [van], four_jobs, pinned=[(3,)])
    result = solve(problem, SolveParams(time_limit_s=FAST))
    assert result.engine == "ortools"
    assert result.routes[0].jobs[0] == 3
    assert result.evaluation.distance_m == 8000


def test_auto_uses_pyvrp_only_for_what_it_models_exactly(matrices, van, four_jobs):
    """Hard rules and skills -> PyVRP; a soft deadline -> OR-Tools; forcing PyVRP then fails."""
    plain = _problem(matrices, [van], four_jobs)
    assert choose_engine(plain, SolveParams()).name == "pyvrp"
    skilled = _problem(
        matrices,
        [replace(van, skills=frozenset({"fibre"}))],
        [replace(four_jobs[0], skill="fibre")],
    )
    assert choose_engine(skilled, SolveParams()).name == "pyvrp"
    soft = _problem(matrices, [van], [replace(four_jobs[0], deadline_s=30, lateness_gr_per_s=1)])
    assert choose_engine(soft, SolveParams()).name == "ortools"
    with pytest.raises(ValueError, match="soft deadlines"):
        choose_engine(soft, SolveParams(engine="pyvrp"))


def test_capped_lateness_keeps_the_given_routes_feasible_and_no_job_later(matrices, van):
    """Deadline 100 s at place 3, served at 180 s: the cap becomes a hard latest start of 180."""
    job = Job(id="d", location=3, deadline_s=100, lateness_gr_per_s=2)
    problem = _problem(matrices, [van], [job])
    capped = capped_lateness(problem, ((0,),))
    assert capped is not None
    assert capped.jobs[0].windows == ((0, 180),) and capped.jobs[0].deadline_s is None
    assert evaluate(capped, ((0,),)).feasible


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_skilled_job_goes_to_the_vehicle_with_the_skill(matrices, van, four_jobs, engine):
    """Only van b has 'fibre' (PyVRP through a routing profile per skill set)."""
    vans = [van, replace(van, id="b", skills=frozenset({"fibre"}))]
    jobs = [replace(four_jobs[0], skill="fibre"), *four_jobs[1:]]
    result = solve(_problem(matrices, vans, jobs), SolveParams(time_limit_s=FAST, engine=engine))
    assert result.status is Status.FEASIBLE
    assert 0 in result.routes[1].jobs


@pytest.mark.parametrize("engine", ["pyvrp", "ortools", "insertion"])
def test_result_is_never_worse_than_a_feasible_warm_start(matrices, van, four_jobs, engine):
    """A zig-zag warm start 4, 1, 3, 2 is feasible; the answer costs at most as much."""
    problem = _problem(matrices, [van], four_jobs)
    warm = ((3, 0, 2, 1),)
    result = solve(problem, SolveParams(time_limit_s=FAST, engine=engine), warm_start=warm)
    assert result.status is Status.FEASIBLE
    assert result.costs.total_gr <= evaluate(problem, warm).costs.total_gr


def test_infeasible_warm_start_is_not_returned(matrices, van, four_jobs):
    """A warm start serving a job twice is replaced by a feasible solution."""
    problem = _problem(matrices, [van], four_jobs)
    result = solve(problem, SolveParams(time_limit_s=FAST), warm_start=((0, 0, 1, 2, 3),))
    assert result.status is Status.FEASIBLE


def test_no_solution_is_reported_with_the_reason(matrices, van):
    """A mandatory job that no shift can reach: status NO_SOLUTION, violation names the job."""
    job = Job(id="unreachable", location=4, windows=((0, 10),))
    result = solve(_problem(matrices, [van], [job]), SolveParams(time_limit_s=FAST))
    assert result.status is Status.NO_SOLUTION
    assert any("unreachable" in v for v in result.evaluation.violations)


def _random_problem(n_jobs: int, n_vehicles: int, seed: int) -> RoutingProblem:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 50_000, size=(n_jobs + 1, 2))
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    vehicles = tuple(
        Vehicle(id=f"v{k}", start=0, end=0, shift_end_s=8 * 3600, cost_per_km_gr=100)
        for k in range(n_vehicles)
    )
    jobs = tuple(
        Job(
            id=f"j{k}",
            location=k + 1,
            service_s=600,
            deadline_s=int(rng.integers(3600, 8 * 3600)),
            lateness_gr_per_s=1,
        )
        for k in range(n_jobs)
    )
    return RoutingProblem(dist // 15, dist, vehicles, jobs)


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_solve_returns_within_its_time_limit(engine):
    """80 jobs, 1 s: the answer comes back in time (grace for a loaded CI machine)."""
    problem = _random_problem(80, 10, seed=3)
    if engine == "pyvrp":
        problem = replace(problem, jobs=tuple(replace(j, deadline_s=None) for j in problem.jobs))
    began = time.perf_counter()
    result = solve(problem, SolveParams(time_limit_s=1.0, engine=engine))
    assert time.perf_counter() - began < 1.0 + 0.3
    assert result.status is Status.FEASIBLE


def test_same_seed_and_iteration_budget_give_the_same_routes():
    """Bounded by iterations rather than time, PyVRP runs are repeatable."""
    problem = _random_problem(40, 5, seed=4)
    problem = replace(problem, jobs=tuple(replace(j, deadline_s=None) for j in problem.jobs))
    params = SolveParams(time_limit_s=30, seed=7, max_iterations=200)
    assert (
        solve(problem, params).evaluation.route_jobs == solve(problem, params).evaluation.route_jobs
    )


def test_job_with_two_windows_is_served_in_the_reachable_one(matrices, van):
    """Windows [0, 100] and [500, 600] at place 3 (180 s away): OR-Tools starts it at 500."""
    job = Job(id="two", location=3, windows=((0, 100), (500, 600)))
    result = solve(_problem(matrices, [van], [job]), SolveParams(time_limit_s=FAST))
    assert result.engine == "ortools"
    assert result.routes[0].stops[0].start_s == 500


def test_pinned_pickup_keeps_its_delivery_on_the_same_vehicle(matrices, van, four_jobs):
    """Van b has already collected the part (pickup pinned); the delivery must follow on b."""
    vans = [van, replace(van, id="b")]
    problem = _problem(matrices, vans, four_jobs, [Pair(3, 0, 1)], pinned=[(), (3,)])
    result = solve(problem, SolveParams(time_limit_s=FAST))
    assert result.status is Status.FEASIBLE
    assert result.routes[1].jobs[0] == 3 and 0 in result.routes[1].jobs


def test_a_long_pyvrp_solve_is_one_run_and_a_long_soft_solve_runs_in_stages(
    matrices, van, four_jobs, monkeypatch
):
    """PyVRP keeps its population for the whole limit (a restart from one route set loses it);
    OR-Tools' guided local search is restarted from the best so far at 1 s and at the limit."""
    calls: list[str] = []
    for cls in (PyVRPEngine, ORToolsEngine):
        original = cls.solve

        def counted(self, *args, _original=original, **kwargs):
            calls.append(self.name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "solve", counted)
    params = SolveParams(time_limit_s=1.6, max_iterations=50)
    solve(_problem(matrices, [van], four_jobs), params)
    assert calls == ["pyvrp"]
    calls.clear()
    soft = [replace(job, deadline_s=30, lateness_gr_per_s=1) for job in four_jobs]
    solve(_problem(matrices, [van], soft), replace(params, max_iterations=None))
    assert calls.count("ortools") == 2
