"""Every difference an explanation states is one a dispatcher can check in the plan's numbers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dispatch.engine import plan
from dispatch.plans import Alternative, Assignment, PlanResult
from dispatch.scenario_snapshot import snapshot
from dispatch.small_worlds import small_scenario
from dispatch.sources import LEFT_OUT_REASON
from dispatch.world import WorldSnapshot
from solver.travel.geodesic import GeodesicTravel

DURATION = re.compile(r"(?:(\d+) h )?(\d+) min")


def duration(text: str) -> timedelta:
    """``2 h 05 min`` or ``35 min`` as a timedelta."""
    found = DURATION.search(text)
    assert found, text
    return timedelta(hours=int(found[1] or 0), minutes=int(found[2]))


def floor_minutes(delta: timedelta) -> timedelta:
    return timedelta(minutes=int(abs(delta.total_seconds()) // 60))


def check(a: Assignment, alt: Alternative) -> None:
    why = alt.why_not
    if why.startswith("later by"):
        assert alt.eta is not None and alt.eta > a.eta
        assert floor_minutes(alt.eta - a.eta) == duration(why), (a, alt)
    elif why.startswith("dearer by"):
        amount = float(why.split()[2])
        assert round(alt.cost - a.cost, 2) == pytest.approx(amount), (a, alt)
    elif why.startswith("misses the deadline by"):
        assert a.on_time and not alt.on_time and alt.eta is not None
        assert floor_minutes(alt.eta - a.deadline) == duration(why), (a, alt)
    elif why.startswith("ties with"):
        assert (alt.eta, alt.cost) == (a.eta, a.cost), (a, alt)
    elif why.startswith("better on its own"):
        assert alt.eta is not None and (alt.eta < a.eta or alt.cost < a.cost), (a, alt)
    if alt.mode == "engineer":
        assert alt.source in {"depot", "van", "meet"}


def check_plan(world: WorldSnapshot, result: PlanResult) -> None:
    for a in result.assignments:
        for alt in a.alternatives:
            check(a, alt)
    tickets = {t.id: t for t in world.tickets}
    for left in result.unassigned:
        if left.reason.endswith(LEFT_OUT_REASON):  # every unit it could use is kept on time
            usable = set(world.accepted_skus(tickets[left.ticket]))
            holders = [a for a in result.assignments if a.sku in usable and a.source != "van"]
            assert all(a.on_time for a in holders), left


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("exact", [True, False], ids=["exact", "heuristic"])
def test_every_stated_difference_matches_the_plan(seed: int, exact: bool) -> None:
    """'Later by', 'dearer by', 'misses the deadline by' and ties, measured between the
    alternative's figures and the plan's own ETA and cost for the ticket, by either path."""
    world = snapshot(small_scenario(seed))
    check_plan(world, plan(world, travel=GeodesicTravel(), time_limit_s=0.5, exact=exact))
