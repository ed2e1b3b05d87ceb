"""Overtime on a vehicle (a shift that runs on into on-call time): the evaluator's rule and
price, by hand; insertion, OR-Tools and the solve pipeline against it and against brute force.

The line world: place ``k`` is ``60 k`` s and ``k`` km from the depot (place 0).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.routing.engines.ortools_engine import ORToolsEngine
from solver.routing.evaluator import evaluate, in_shift_limit, paid_time
from solver.routing.insertion import best_insertion, greedy_routes
from solver.routing.model import Job, RoutingProblem, Vehicle
from solver.routing.params import SolveParams
from solver.routing.solve import choose_engine, solve
from tests.solver.routing.brute import optimum_gr

SHIFT = Vehicle(
    id="shift+on-call",
    start=0,
    end=0,
    shift_end_s=10_000,
    cost_per_hour_gr=3600,
    overtime_from_s=300,
    overtime_cost_per_hour_gr=7200,
)


def _problem(matrices, vehicles, jobs) -> RoutingProblem:
    duration, distance = matrices
    return RoutingProblem(duration, distance, tuple(vehicles), tuple(jobs))


def test_a_job_may_start_in_the_shift_and_run_on_at_the_overtime_rate(matrices) -> None:
    """Place 4, 100 s on site: start 240, done 340, home 580. 300 s at 36 zł/h (3 zł), 280 s
    at 72 zł/h (5.60 zł); the drive home need not fit in the shift."""
    ev = evaluate(_problem(matrices, [SHIFT], [Job(id="24x7", location=4, service_s=100)]), ((0,),))
    assert ev.feasible
    route = ev.routes[0]
    assert (route.departure_s, route.stops[0].start_s, route.return_s) == (0, 240, 580)
    assert ev.costs.time_gr == 300 + 560


def test_an_in_shift_job_never_runs_into_overtime(matrices) -> None:
    """The same visit as 8x5 work: it would be done at 340 and home at 580, past 300."""
    job = Job(id="8x5", location=4, service_s=100, in_shift=True)
    problem = _problem(matrices, [SHIFT], [job])
    ev = evaluate(problem, ((0,),))
    assert not ev.feasible
    assert any("8x5" in v and "overtime" in v for v in ev.violations)
    assert in_shift_limit(problem, 0, 0) == 300 - 100 - 240
    assert best_insertion(problem, ((),), 0) is None
    # at place 1 it is done at 160 and home at 220: fine, and all at the shift's rate
    near = _problem(matrices, [SHIFT], [replace(job, location=1)])
    assert evaluate(near, ((0,),)).feasible
    assert evaluate(near, ((0,),)).costs.time_gr == 220


def test_the_departure_slides_no_later_than_an_in_shift_job_allows(matrices) -> None:
    """A 24x7 window opening at 1 000 s after an 8x5 job at place 1: leaving later would save
    paid time but the 8x5 job must stay done and home by 300, so the van leaves by 170."""
    jobs = [
        Job(id="8x5", location=1, service_s=10, in_shift=True),
        Job(id="24x7", location=2, service_s=10, windows=((1000, 2000),)),
    ]
    ev = evaluate(_problem(matrices, [SHIFT], jobs), ((0, 1),))
    assert ev.feasible
    assert ev.routes[0].stops[0].start_s + 10 + 60 <= 300


def test_without_overtime_the_in_shift_flag_changes_nothing(matrices) -> None:
    """A vehicle with no overtime keeps its old rule (home by the shift's end) and price."""
    plain = replace(SHIFT, overtime_from_s=None, overtime_cost_per_hour_gr=0)
    job = Job(id="8x5", location=4, service_s=100, in_shift=True)
    ev = evaluate(_problem(matrices, [plain], [job]), ((0,),))
    assert ev.feasible and ev.costs.time_gr == 580
    assert choose_engine(_problem(matrices, [plain], [job]), SolveParams()) is not None


@pytest.mark.parametrize("depart", [0, 200, 300, 450])
def test_paid_time_splits_at_the_overtime_start(depart: int) -> None:
    """Regular rate up to 300 s, overtime rate after, whatever the departure."""
    regular = max(0, 300 - depart)
    overtime = 600 - max(depart, 300)
    assert paid_time(SHIFT, depart, 600) == (regular * 3600 + overtime * 7200) * 5


jobs_strategy = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 120), st.booleans()), min_size=1, max_size=4
)


@settings(max_examples=60, deadline=None)
@given(jobs=jobs_strategy, overtime_from=st.integers(0, 900))
def test_every_route_the_heuristics_build_keeps_the_rule(matrices, jobs, overtime_from) -> None:
    """Random 8x5 / 24x7 jobs, a shift vehicle running on into on-call time and a plain one:
    greedy insertion only builds routes the evaluator accepts, and on every accepted route each
    8x5 job is done and driven home by the overtime's start."""
    vehicles = [
        replace(SHIFT, overtime_from_s=overtime_from, shift_end_s=max(overtime_from, 2000)),
        replace(SHIFT, id="plain", overtime_from_s=None, shift_end_s=400),
    ]
    problem = _problem(
        matrices,
        vehicles,
        [
            Job(id=f"j{i}", location=loc, service_s=s, in_shift=shift, drop_penalty_gr=10**6)
            for i, (loc, s, shift) in enumerate(jobs)
        ],
    )
    ev = evaluate(problem, greedy_routes(problem))
    assert ev.feasible, ev.violations
    for route in ev.routes:
        for stop in route.stops:
            job = problem.jobs[stop.job]
            if job.in_shift and route.vehicle == 0:
                assert stop.departure_s + 60 * job.location <= overtime_from


@settings(max_examples=25, deadline=None)
@given(
    jobs=st.lists(
        st.tuples(st.integers(1, 4), st.integers(0, 90), st.booleans()), min_size=1, max_size=3
    )
)
def test_solve_and_or_tools_reach_the_brute_force_optimum(matrices, jobs) -> None:
    """Tiny problems with overtime: OR-Tools (which models the rule and the two rates) returns
    routes the evaluator accepts, and the pipeline's answer costs what exhaustive search finds."""
    vehicles = [replace(SHIFT, shift_end_s=900), replace(SHIFT, id="b", overtime_from_s=200)]
    problem = _problem(
        matrices,
        vehicles,
        [
            Job(id=f"j{i}", location=loc, service_s=s, in_shift=shift, drop_penalty_gr=10**6)
            for i, (loc, s, shift) in enumerate(jobs)
        ],
    )
    routes = ORToolsEngine().solve(
        problem, time_limit_s=0.5, seed=0, max_iterations=None, warm_start=None
    )
    assert routes is not None and evaluate(problem, routes).feasible
    best = optimum_gr(problem)
    found = solve(problem, SolveParams(time_limit_s=0.5))
    assert found.evaluation.feasible
    assert found.evaluation.costs.total_gr == best
