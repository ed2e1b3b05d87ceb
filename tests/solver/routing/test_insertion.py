"""best_insertion and greedy_routes: cheapest feasible place, pins and pairs respected, fast."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.routing.evaluator import evaluate
from solver.routing.insertion import best_insertion, greedy_routes
from solver.routing.model import Job, Pair, RoutingProblem, Vehicle


def _problem(matrices, vehicles, jobs, pairs=(), pinned=()) -> RoutingProblem:
    duration, distance = matrices
    return RoutingProblem(
        duration, distance, tuple(vehicles), tuple(jobs), tuple(pairs), tuple(pinned)
    )


def _brute_insert(problem, routes, job):
    """Cheapest total cost over every vehicle and position, by the evaluator."""
    best = None
    for v, r in enumerate(routes):
        for k in range(len(problem.prefix(v)), len(r) + 1):
            cand = tuple((*x[:k], job, *x[k:]) if u == v else x for u, x in enumerate(routes))
            ev = evaluate(problem, cand)
            if ev.feasible and (best is None or ev.costs.total_gr < best):
                best = ev.costs.total_gr
    return best


@settings(max_examples=25, deadline=None)
@given(
    deadline=st.integers(0, 600),
    window=st.tuples(st.integers(0, 600), st.integers(0, 600)).map(sorted),
    place=st.integers(1, 4),
)
def test_best_insertion_matches_exhaustive_search(
    matrices, van, four_jobs, deadline, window, place
):
    """A new job with any window and deadline goes where the evaluator says it is cheapest."""
    jobs = (
        *four_jobs,
        Job(
            id="new",
            location=place,
            service_s=5,
            windows=(tuple(window),),
            deadline_s=deadline,
            lateness_gr_per_s=3,
        ),
    )
    problem = _problem(matrices, [van, replace(van, id="b")], jobs)
    routes = ((0, 1), (3, 2))
    found = best_insertion(problem, routes, 4)
    expected = _brute_insert(problem, routes, 4)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        after = evaluate(problem, found.apply(routes))
        assert after.feasible and after.costs.total_gr == expected
        assert round(found.delta_gr) == expected - evaluate(problem, routes).costs.total_gr


def test_pair_is_inserted_pickup_first_on_one_vehicle(matrices, van, four_jobs):
    """Pickup at place 4, delivery at place 1, into an empty van: 4 then 1."""
    problem = _problem(matrices, [van], four_jobs, [Pair(3, 0, 1)])
    found = best_insertion(problem, ((1, 2),), (3, 0))
    assert found is not None
    assert found.route.index(3) < found.route.index(0)
    assert evaluate(problem, found.apply(((1, 2),))).feasible


def test_pinned_prefix_is_never_entered(matrices, van, four_jobs):
    """With j4 pinned, a job at place 1 cannot go before it even though that is shorter."""
    problem = _problem(matrices, [van], four_jobs, pinned=[(3,)])
    found = best_insertion(problem, ((3,),), 0)
    assert found is not None and found.route[0] == 3


def test_no_insertion_when_no_vehicle_can_take_the_job(matrices, van):
    """A window that closes before anyone can arrive."""
    problem = _problem(matrices, [van], [Job(id="x", location=4, windows=((0, 10),))])
    assert best_insertion(problem, ((),), 0) is None


def test_greedy_routes_are_feasible_with_windows_pairs_and_capacity():
    """A random 60-job day with windows, pairs and capacity: greedy output passes the evaluator."""
    problem = day(60, 6, seed=1)
    ev = evaluate(problem, greedy_routes(problem))
    assert ev.feasible, ev.violations[:3]


def day(n_jobs: int, n_vehicles: int, seed: int) -> RoutingProblem:
    """Random plane, 8 h shifts, 2-hour windows; every third job pair is pickup then delivery."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 60_000, size=(n_jobs + 1, 2))
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    vehicles = tuple(
        Vehicle(id=f"v{k}", start=0, end=0, shift_end_s=10 * 3600, capacity=3, cost_per_km_gr=100)
        for k in range(n_vehicles)
    )
    jobs = []
    for k in range(n_jobs):
        open_s = int(rng.integers(0, 7 * 3600))
        jobs.append(
            Job(
                id=f"j{k}",
                location=k + 1,
                service_s=900,
                windows=((open_s, open_s + 7200),),
                drop_penalty_gr=100_000,
            )
        )
    pairs = tuple(Pair(k, k + 1, 1) for k in range(0, n_jobs - 1, 3))
    return RoutingProblem(dist // 12, dist, vehicles, tuple(jobs), pairs)


def test_one_job_into_120_routes_of_5_stops_takes_milliseconds():
    """The dispatch engine's case: a new ticket into 120 fixed engineer days (median of 20)."""
    rng = np.random.default_rng(5)
    n_vehicles, per_route = 120, 5
    n_jobs = n_vehicles * per_route + 1
    xy = rng.uniform(0, 400_000, size=(n_jobs + n_vehicles, 2))
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    vehicles = tuple(
        Vehicle(
            id=f"e{v}",
            start=n_jobs + v,
            end=n_jobs + v,
            shift_end_s=20 * 3600,
            cost_per_km_gr=80,
            cost_per_hour_gr=6000,
        )
        for v in range(n_vehicles)
    )
    jobs = tuple(
        Job(id=f"t{k}", location=k, service_s=3600, deadline_s=6 * 3600, lateness_gr_per_s=1)
        for k in range(n_jobs)
    )
    problem = RoutingProblem(dist // 20, dist, vehicles, jobs)
    routes = tuple(tuple(range(v * per_route, (v + 1) * per_route)) for v in range(n_vehicles))
    times = []
    for _ in range(20):
        began = time.perf_counter()
        found = best_insertion(problem, routes, n_jobs - 1)
        times.append(time.perf_counter() - began)
    assert found is not None
    assert sorted(times)[10] < 0.1
    assert all(len(r) == per_route for r in routes)
    assert list(itertools.chain(*found.apply(routes))).count(n_jobs - 1) == 1
