"""The replayed day: seeded arrivals, every ticket accounted for, engineers' days consistent."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pytest

from depots.day_replay import DayResult, ReplayParams, replay
from depots.demand import draw_tickets
from depots.demo_world import DemoWorld, StockRow, load
from dispatch.places import resolve
from dispatch.travel import depart_hour_of_week
from solver.travel.road import RoadTravel

DAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    """The committed demo world."""
    return load()


@pytest.fixture(scope="module")
def day(world: DemoWorld) -> DayResult:
    """A short day: 20 failures planned with small engine time limits."""
    tickets = draw_tickets(world, DAY, 20, np.random.default_rng(3))
    params = ReplayParams(time_limit_s=0.3, final_time_limit_s=0.5)
    return replay(world, tickets, RoadTravel.default(), params)


def test_every_ticket_gets_an_outcome(day: DayResult) -> None:
    """No ticket is silently lost: each is served (with an ETA) or unassigned with a reason."""
    assert set(day.outcomes) == {t.id for t in day.tickets}
    for o in day.outcomes.values():
        assert (o.assignment is None) == (o.eta is None)
        assert o.assignment is not None or o.reason


def test_sos_tickets_are_visited_by_their_engineer_and_ahb_ones_are_not(day: DayResult) -> None:
    """An SOS ticket's ETA is its engineer's dispatched visit; AHB tickets need no engineer."""
    visits = {
        (s.ticket, e): s for e, stops in day.stops.items() for s in stops if s.kind == "visit"
    }
    for o in day.outcomes.values():
        if o.assignment is None:
            continue
        if o.ticket.service == "SOS":
            assert o.assignment.engineer is not None
            assert visits[(o.ticket.id, o.assignment.engineer)].arrive == o.eta
        else:
            assert o.assignment.engineer is None
            assert o.assignment.mode in ("courier", "dedicated")


def test_an_engineers_dispatched_stops_leave_time_to_drive(day: DayResult) -> None:
    """Each stop starts after the previous one ends plus the drive (10 min tolerance for the
    time of day the plan was made at), and a pickup precedes its visit."""
    travel = RoadTravel.default()
    for stops in day.stops.values():
        for before, after in pairwise(stops):
            a, b = resolve(before.location), resolve(after.location)
            (drive_s,), _ = travel.matrix(
                np.array([[a.lat, a.lon]]),
                np.array([[b.lat, b.lon]]),
                depart_hour_of_week(before.depart),
            )
            gap = after.arrive - before.depart
            assert gap >= timedelta(seconds=int(drive_s[0])) - timedelta(minutes=10)
        visit = {s.ticket: s for s in stops if s.kind == "visit"}
        for pickup in (s for s in stops if s.kind == "pickup"):
            assert pickup.depart <= visit[pickup.ticket].arrive


def test_the_engine_is_called_in_batches_and_once_more_at_the_end(day: DayResult) -> None:
    """Planning moments follow arrivals; a final re-optimisation closes the day."""
    assert day.calls
    finals = [c for c in day.calls if c.final]
    assert len(finals) <= 1
    assert not finals or day.calls[-1].final
    assert [c.at for c in day.calls] == sorted(c.at for c in day.calls)


def _taken(day: DayResult) -> Counter[tuple[str, str]]:
    """Units taken per (depot or engineer's van, SKU)."""
    taken: Counter[tuple[str, str]] = Counter()
    for o in day.outcomes.values():
        a = o.assignment
        if a is not None:
            owner = a.engineer if a.source == "van" else a.depot
            assert owner is not None
            taken[(owner, a.sku)] += 1
    return taken


def test_no_unit_is_taken_twice(world: DemoWorld, day: DayResult) -> None:
    """Across all planning moments, each depot gives at most the units it held, van stock too."""
    held = {(row.depot, row.sku): row.units for row in world.stock}
    held |= {(e.id, sku): 1 for e in world.engineers for sku in e.van_stock.split(";") if sku}
    for key, units in _taken(day).items():
        assert units <= held.get(key, 0), key


def test_scarce_stock_is_shared_across_planning_moments(world: DemoWorld) -> None:
    """With one unit of each model in Kraków only, no unit is given twice across planning
    moments; a ticket is served with its model or a listed substitute, or is unassigned with
    the engine's reason."""
    scarce = replace(
        world,
        stock=tuple(StockRow("KRK", s.sku, 1) for s in world.skus),
        engineers=tuple(replace(e, van_stock="") for e in world.engineers),
    )
    tickets = draw_tickets(scarce, DAY, 32, np.random.default_rng(11))
    day = replay(
        scarce,
        tickets,
        RoadTravel.default(),
        ReplayParams(time_limit_s=0.2, final_time_limit_s=0.5),
    )
    assert max(_taken(day).values()) == 1
    subs = {s.sku: {s.sku, *s.substitutes.split(";")} for s in world.skus}
    served = [o.assignment for o in day.outcomes.values() if o.assignment is not None]
    assert all(a.sku in subs[day.outcomes[a.ticket].ticket.device.sku] for a in served)
    unassigned = [o for o in day.outcomes.values() if o.assignment is None]
    assert len(unassigned) >= len(tickets) - len(world.skus)  # 27 units, 32 tickets
    assert all(o.reason for o in unassigned)
