"""The exact path: CP-SAT on the engine's rules, never behind the heuristic, right by hand."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from dispatch.allocation import allocation_order
from dispatch.encode import encode
from dispatch.engine import plan, plan_exact
from dispatch.plans import PlanResult
from dispatch.scenario_snapshot import snapshot
from dispatch.small_worlds import small_scenario
from dispatch.sources import choose_sources
from dispatch.world import WorldSnapshot
from solver.travel.geodesic import GeodesicTravel

TRAVEL = GeodesicTravel()


def points(world: WorldSnapshot, result: PlanResult) -> int:
    priority = {t.id: int(t.tier.priority) for t in world.tickets}
    return sum(priority[a.ticket] for a in result.assignments if a.on_time)


def test_the_only_car_goes_to_the_tickets_it_keeps_on_time(tiny) -> None:
    """One car, in Katowice, with two units. Three 4 h AHB tickets: Gdańsk (due first, hopeless
    from Katowice), Chorzów and Gliwice (both next to the depot). The optimum serves both
    neighbours on time in turn and leaves Gdańsk late, whatever came first."""
    depot = tiny.depot("KAT", "Katowice", 2)
    tickets = [
        tiny.ticket("GDA", "AHB", "24x7x4", "Gdańsk", accepted_at="2026-12-02T09:45"),
        tiny.ticket("CHO", "AHB", "24x7x4", "Chorzów"),
        tiny.ticket("GLI", "AHB", "24x7x4", "Gliwice"),
    ]
    world = tiny.world(tickets, depots=[depot])
    result = plan(world, travel=TRAVEL, time_limit_s=2.0)
    assert result.path == "exact" and result.proven_optimal
    on_time = {a.ticket for a in result.assignments if a.on_time}
    assert on_time == {"CHO", "GLI"}
    summary = result.to_json()["summary"]  # what `dispatch plan --json` prints
    assert summary["proven_optimal"] and summary["points_bound"] == result.points_bound
    assert result.points_bound is not None
    assert {u.ticket for u in result.unassigned} | {a.ticket for a in result.assignments} == {
        "GDA",
        "CHO",
        "GLI",
    }


@pytest.mark.parametrize(("seed", "tickets"), [*((s, None) for s in range(8)), (1, 10), (4, 10)])
def test_the_exact_path_is_sound_and_never_behind_the_heuristic(
    seed: int, tickets: int | None
) -> None:
    """On small worlds (and two of the engine's largest exact batches, 10 tickets): no unit
    promised twice, routes in time order, the bound met when proven, and at least the
    heuristic's weighted on-time points once they are proven. The exact path starts, as in
    the engine, from the heuristic's sourcing."""
    world = snapshot(small_scenario(seed, tickets))
    encoded = encode(world, TRAVEL)
    hint, _, _ = choose_sources(encoded, allocation_order(encoded))
    exact = plan_exact(encoded, time_limit_s=3.0, hint=hint)
    assert exact is not None
    heuristic = plan(world, travel=TRAVEL, time_limit_s=1.0, exact=False)
    assert exact.points_bound is not None and points(world, exact) <= exact.points_bound
    if points(world, exact) == exact.points_bound:  # proven in points (a busy machine may not)
        assert points(world, exact) >= points(world, heuristic)
    held = Counter((a.depot, a.sku) for a in exact.assignments if a.source != "van")
    stock = {(d.id, sku): n for d in world.depots for sku, n in d.stock.items()}
    assert all(n <= stock[key] for key, n in held.items())
    for route in exact.routes.values():
        assert all(a.arrive <= a.depart for a in route)
    if exact.proven_optimal:
        assert exact.points_bound == points(world, exact)


@pytest.mark.parametrize(
    ("proven", "extra_pln", "path"),
    [(False, 100.0, "heuristic"), (False, 0.0, "exact"), (True, 100.0, "exact")],
)
def test_an_exact_answer_cut_short_stands_only_if_the_heuristic_is_no_better(
    tiny, monkeypatch: pytest.MonkeyPatch, proven: bool, extra_pln: float, path: str
) -> None:
    """When the time box ends before the exact answer is proven (a busy machine), the heuristic
    runs too and the better plan wins (points, then cost; a tie keeps the exact one); a proven
    answer is the plan at once. (One ticket: the heuristic's day is phase 1's, the same
    every run.)"""
    world = tiny.world([tiny.ticket("T1", "SOS", "24x7x4", "Kraków")])
    heuristic = plan(world, travel=TRAVEL, time_limit_s=1.0, exact=False)
    cut_short = dataclasses.replace(
        heuristic,
        path="exact",
        proven_optimal=proven,
        engineer_cost=heuristic.engineer_cost + extra_pln,
    )
    monkeypatch.setattr("dispatch.engine.plan_exact", lambda *_, **__: cut_short)
    result = plan(world, travel=TRAVEL, time_limit_s=1.0)
    assert result.path == path
    assert result.cost == pytest.approx(heuristic.cost + (extra_pln if path == "exact" else 0))
