"""The evaluator: it schedules, rejects every broken hard rule and prices each cost term."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver.routing.evaluator import evaluate
from solver.routing.model import Job, Pair, RoutingProblem, Vehicle


def _problem(matrices, vehicles, jobs, pairs=(), pinned=()) -> RoutingProblem:
    duration, distance = matrices
    return RoutingProblem(
        duration, distance, tuple(vehicles), tuple(jobs), tuple(pairs), tuple(pinned)
    )


def test_feasible_route_schedule_and_costs_are_worked_out_by_hand(matrices, van, four_jobs):
    """0 -> 1 -> 2 -> 0: arrivals 60 and 130, back at 250; 4 km and 250 s."""
    problem = _problem(matrices, [van], four_jobs[:2], ())
    ev = evaluate(problem, ((0, 1),))
    assert ev.feasible
    (route,) = ev.routes
    assert [(s.arrival_s, s.start_s, s.departure_s) for s in route.stops] == [
        (60, 60, 70),
        (130, 130, 140),
    ]
    assert (route.departure_s, route.return_s, route.distance_m) == (0, 260, 4000)
    # 4 km x 100 gr/km = 400 gr; 260 s x 3600 gr/h = 260 gr; nothing else.
    assert (ev.costs.travel_gr, ev.costs.time_gr, ev.costs.lateness_gr) == (400, 260, 0)
    assert ev.costs.total_gr == 660


def test_departure_is_delayed_so_waiting_at_a_window_is_not_paid(matrices, van):
    """A window opening at 1 000 s at place 1: leave at 940, not at 0, so only 130 s are paid."""
    job = Job(id="w", location=1, service_s=10, windows=((1000, 2000),))
    ev = evaluate(_problem(matrices, [van], [job]), ((0,),))
    (route,) = ev.routes
    assert (route.departure_s, route.stops[0].start_s, route.return_s) == (940, 1000, 1070)
    assert ev.costs.time_gr == 130


def test_arrival_after_the_last_window_is_rejected(matrices, van):
    """Place 3 is 180 s away; a window closing at 100 s cannot be met."""
    job = Job(id="late", location=3, windows=((0, 100),))
    ev = evaluate(_problem(matrices, [van], [job]), ((0,),))
    assert not ev.feasible
    assert any("late" in v and "time window" in v for v in ev.violations)


def test_second_window_is_used_when_the_first_has_closed(matrices, van):
    """Windows [0, 100] and [500, 600] at place 3: arrival 180 waits until 500."""
    job = Job(id="two", location=3, windows=((0, 100), (500, 600)))
    ev = evaluate(_problem(matrices, [van], [job]), ((0,),))
    assert ev.feasible
    assert ev.routes[0].stops[0].start_s == 500


def test_delivery_before_its_pickup_is_rejected(matrices, van, four_jobs):
    """Pair (pickup j1, delivery j2) visited in the wrong order."""
    problem = _problem(matrices, [van], four_jobs[:2], [Pair(0, 1, 1)])
    assert evaluate(problem, ((0, 1),)).feasible
    ev = evaluate(problem, ((1, 0),))
    assert any("before its pickup" in v for v in ev.violations)


def test_pair_split_across_vehicles_is_rejected(matrices, van, four_jobs):
    """Pickup on one van, delivery on another."""
    problem = _problem(matrices, [van, replace(van, id="b")], four_jobs[:2], [Pair(0, 1)])
    ev = evaluate(problem, ((0,), (1,)))
    assert not ev.feasible


def test_over_capacity_route_is_rejected(matrices, van, four_jobs):
    """Two jobs of demand 3 on a van of capacity 5."""
    jobs = [replace(j, demand=3) for j in four_jobs[:2]]
    problem = _problem(matrices, [replace(van, capacity=5)], jobs)
    ev = evaluate(problem, ((0, 1),))
    assert any("load 6 exceeds capacity 5" in v for v in ev.violations)


def test_pair_load_counts_only_between_pickup_and_delivery(matrices, van, four_jobs):
    """Two pairs of 3 on capacity 5: fine one after the other, not overlapping."""
    problem = _problem(
        matrices, [replace(van, capacity=5)], four_jobs, [Pair(0, 1, 3), Pair(2, 3, 3)]
    )
    assert evaluate(problem, ((0, 1, 2, 3),)).feasible
    assert not evaluate(problem, ((0, 2, 1, 3),)).feasible


def test_job_served_twice_is_rejected(matrices, van, four_jobs):
    """The same job on two vans."""
    problem = _problem(matrices, [van, replace(van, id="b")], four_jobs[:1])
    ev = evaluate(problem, ((0,), (0,)))
    assert any("served twice" in v for v in ev.violations)


def test_mandatory_job_left_out_is_rejected_and_optional_one_costs_its_penalty(
    matrices, van, four_jobs
):
    """j1 mandatory and unserved: violation; j2 optional with 5 000 gr penalty: costs it."""
    jobs = [four_jobs[0], replace(four_jobs[1], drop_penalty_gr=5000)]
    problem = _problem(matrices, [van], jobs)
    assert any("mandatory" in v for v in evaluate(problem, ((),)).violations)
    ev = evaluate(problem, ((0,),))
    assert ev.feasible
    assert ev.dropped == (1,)
    assert ev.costs.drop_gr == 5000


def test_late_job_costs_lateness_per_second_without_being_infeasible(matrices, van):
    """Deadline 100 s at place 3 (arrival 180): 80 s late x 2 gr/s = 160 gr."""
    job = Job(id="d", location=3, deadline_s=100, lateness_gr_per_s=2)
    ev = evaluate(_problem(matrices, [van], [job]), ((0,),))
    assert ev.feasible
    assert ev.routes[0].stops[0].lateness_s == 80
    assert ev.costs.lateness_gr == 160


def test_missing_skill_and_shift_end_are_rejected(matrices, van):
    """A job needing 'fibre' on a van without it, and a shift too short to return."""
    job = Job(id="s", location=4, skill="fibre")
    ev = evaluate(_problem(matrices, [replace(van, shift_end_s=300)], [job]), ((0,),))
    assert any("skill" in v for v in ev.violations)
    assert any("after shift end" in v for v in ev.violations)


def test_pinned_prefix_must_stay_first(matrices, van, four_jobs):
    """j2 pinned on the van: a route starting with j1 breaks the pin."""
    problem = _problem(matrices, [van], four_jobs[:2], pinned=[(1,)])
    assert evaluate(problem, ((1, 0),)).feasible
    assert any("pinned" in v for v in evaluate(problem, ((0, 1),)).violations)


def test_fixed_cost_counts_only_used_vehicles(matrices, van, four_jobs):
    """Two vans with 1 000 gr fixed cost, only one used."""
    vans = [replace(van, fixed_cost_gr=1000), replace(van, id="b", fixed_cost_gr=1000)]
    ev = evaluate(_problem(matrices, vans, four_jobs[:1]), ((0,), ()))
    assert ev.costs.fixed_gr == 1000


def test_wrong_number_of_routes_is_an_input_error(matrices, van, four_jobs):
    """One route per vehicle is required."""
    with pytest.raises(ValueError, match="need 1 routes"):
        evaluate(_problem(matrices, [van], four_jobs), ((), ()))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        # window closing before it opens
        (lambda: Job(id="x", location=1, windows=((10, 5),)), "early <= late"),
        # overlapping windows
        (lambda: Job(id="x", location=1, windows=((0, 10), (5, 20))), "sorted and disjoint"),
        # negative service
        (lambda: Job(id="x", location=1, service_s=-1), "must be >= 0"),
        # shift ending before it starts
        (lambda: Vehicle(id="v", start=0, end=0, shift_start_s=10, shift_end_s=5), "shift_start_s"),
        # pickup equal to delivery
        (lambda: Pair(1, 1), "same job"),
    ],
)
def test_invalid_parts_name_the_field(make, match):
    """Each part validates itself on construction."""
    with pytest.raises(ValueError, match=match):
        make()


def test_problem_cross_references_are_checked(matrices, van, four_jobs):
    """A job beyond the matrix, a pair naming a missing job, a job pinned twice."""
    duration, distance = matrices
    with pytest.raises(ValueError, match=r"jobs\[0\].location"):
        RoutingProblem(duration, distance, (van,), (Job(id="far", location=9),))
    with pytest.raises(ValueError, match="out of range"):
        RoutingProblem(duration, distance, (van,), four_jobs, (Pair(0, 7),))
    with pytest.raises(ValueError, match="pinned twice"):
        RoutingProblem(duration, distance, (van, van), four_jobs, (), ((0,), (0,)))


def test_later_window_is_used_when_it_shortens_the_paid_day(matrices, van):
    """A: [0, 100] or [1000, 1100] at place 1; B: [1100, 1200] at place 2; max duration 300.

    Leaving at 0 serves A at 60 and waits at B until 1100: 1 190 s even with the best delay.
    Leaving at 970 serves A at 1030 in its second window and B at 1100: back at 1230, 260 s.
    """
    jobs = [
        Job(id="A", location=1, service_s=10, windows=((0, 100), (1000, 1100))),
        Job(id="B", location=2, service_s=10, windows=((1100, 1200),)),
    ]
    ev = evaluate(_problem(matrices, [replace(van, max_duration_s=300)], jobs), ((0, 1),))
    assert ev.feasible, ev.violations
    (route,) = ev.routes
    assert (route.departure_s, route.stops[0].start_s, route.return_s) == (970, 1030, 1230)
