"""The on-call rule in engineers' days, by both paths (exact and heuristic): 8x5 work stays
within shifts; a 24x7 job may start in the shift and run on into on-call time at the on-call
rate; an engineer's working windows (one vehicle each) never overlap in time."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from dispatch.days import EngineerDays
from dispatch.encode import encode
from dispatch.engine import plan
from dispatch.exact import solve as exact_solve
from dispatch.plans import PlanResult
from dispatch.scenario import Scenario
from dispatch.scenario_snapshot import snapshot
from dispatch.small_worlds import small_scenario
from dispatch.timeparse import WARSAW
from dispatch.world import WorldSnapshot
from solver.travel.geodesic import GeodesicTravel

TRAVEL = GeodesicTravel()
SHIFT_END = datetime(2026, 12, 2, 18, 0, tzinfo=WARSAW)


def at_five(tiny, tier: str, *, on_call: bool) -> WorldSnapshot:
    """17:00, one engineer (Rzeszów, shift 08-18, 120 zł/h, the part in the van) and one SOS
    ticket in Przemyśl (66 min away, 90 min on site)."""
    data = tiny.data([tiny.ticket("T1", "SOS", tier, "Przemyśl", accepted_at="2026-12-02T16:50")])
    data["now"] = "2026-12-02T17:00"
    engineer = data["engineers"][0] | {"on_call": on_call, "van_stock": {"X465-48T": 1}}
    data["engineers"] = [engineer]
    return snapshot(Scenario.from_dict(data))


def _plan(world: WorldSnapshot, exact: bool) -> PlanResult:
    result = plan(world, travel=TRAVEL, time_limit_s=1.0, exact=exact)
    assert result.path == ("exact" if exact else "heuristic")
    return result


@pytest.mark.parametrize("exact", [True, False])
def test_a_24x7_job_starts_in_the_shift_and_runs_on_at_the_on_call_rate(tiny, exact) -> None:
    """The on-call engineer leaves at 17:00, in the shift, and is on site at 18:06 (not 19:06,
    as when on-call work could only start at 18:00); the time after 18:00 is paid at 1.5x:
    the plan costs exactly the half-rate extra on it more than the same trip in a shift."""
    result = _plan(at_five(tiny, "24x7x4", on_call=True), exact)
    (a,) = result.assignments
    assert (a.engineer, a.source, a.on_time) == ("E-RZE", "van", True)
    (visit,) = result.routes["E-RZE"]
    drive = visit.arrive - datetime(2026, 12, 2, 17, 0, tzinfo=WARSAW)
    assert SHIFT_END < visit.arrive < SHIFT_END + drive  # started in the shift, runs on
    home = visit.depart + drive
    tomorrow = _plan(at_five(tiny, "8x5xNBD", on_call=True), exact)  # same trip, in a shift
    extra = 60 * (home - SHIFT_END) / timedelta(hours=1)  # 120 zł/h x 0.5
    assert result.cost - tomorrow.cost == pytest.approx(extra, abs=0.02)


@pytest.mark.parametrize("exact", [True, False])
def test_without_on_call_the_24x7_job_waits_for_the_next_shift(tiny, exact) -> None:
    """Not on call: the job cannot run past 18:00, so it is tomorrow's first visit (late)."""
    (a,) = _plan(at_five(tiny, "24x7x4", on_call=False), exact).assignments
    assert a.eta >= datetime(2026, 12, 3, 8, 0, tzinfo=WARSAW)
    assert not a.on_time


@pytest.mark.parametrize("exact", [True, False])
def test_an_8x5_job_never_runs_into_on_call_time(tiny, exact) -> None:
    """The same 17:00 start as 8x5 work: it would end at 19:36, so even on call it waits for
    tomorrow's shift."""
    (a,) = _plan(at_five(tiny, "8x5xNBD", on_call=True), exact).assignments
    assert a.eta >= datetime(2026, 12, 3, 8, 0, tzinfo=WARSAW)


def _check_the_rule(world: WorldSnapshot, result: PlanResult) -> None:
    """Per engineer: stops in time order without overlap; every 8x5 visit inside a shift,
    driven home within it; work outside shifts only on call and only for 24x7 tickets."""
    tickets = {t.id: t for t in world.tickets}
    for engineer in world.engineers:
        stops = result.routes.get(engineer.id, ())
        for before, after in itertools.pairwise(stops):
            assert before.depart <= after.arrive, (engineer.id, before, after)
        shifts = [w for w in engineer.windows if not w.on_call]
        for stop in stops:
            ticket = tickets.get(stop.ref)
            if ticket is None or stop.kind != "visit":
                continue
            inside = any(w.start <= stop.arrive and stop.depart <= w.end for w in shifts)
            if not ticket.tier.window.always_open:
                assert inside, (engineer.id, stop)
            elif not inside:
                assert engineer.on_call, (engineer.id, stop)


@pytest.mark.parametrize("seed", range(12))
def test_both_paths_keep_the_rule_on_small_worlds(seed: int) -> None:
    """Random small worlds (40 % of engineers on call): the exact answer's routes pass the
    routing evaluator (the exact model and the heuristic's share one rule), and both plans keep
    the on-call rule."""
    world = snapshot(small_scenario(seed))
    encoded = encode(world, TRAVEL)
    found = exact_solve(encoded, time_limit_s=3.0)
    assert found is not None
    if found.days.has_work:
        checked = found.days.evaluated(found.routes)
        assert checked.feasible, checked.violations
    for exact in (True, False):
        _check_the_rule(world, plan(world, travel=TRAVEL, time_limit_s=1.0, exact=exact))


@pytest.mark.parametrize("seed", range(12))
def test_an_engineers_vehicles_never_overlap(seed: int) -> None:
    """One vehicle per working window; a shift that runs on into on-call time takes that time
    with it, so an engineer's vehicles cover disjoint stretches of time."""
    days = EngineerDays(encode(snapshot(small_scenario(seed)), TRAVEL), {})
    for e in set(days.vehicle_engineer):
        spans = sorted(
            (days.vehicles[v].shift_start_s, days.vehicles[v].shift_end_s)
            for v in days.vehicles_of(e)
        )
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
