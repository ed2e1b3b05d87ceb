"""The replayed day: seeded arrivals, every ticket accounted for, engineers' days consistent."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pytest

from depots.day_replay import DayResult, ReplayParams, draw_tickets, replay
from depots.demo_world import DemoWorld, load
from dispatch.places import resolve
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
    params = ReplayParams(time_limit_s=0.3, final_time_limit_s=1.0)
    return replay(world, tickets, RoadTravel.default(), params)


def test_arrivals_are_seeded_ordered_and_verified_within_an_hour(world: DemoWorld) -> None:
    """Same seed, same tickets; acceptance 10-60 minutes after submission, in order."""
    a = draw_tickets(world, DAY, 40, np.random.default_rng(1))
    assert a == draw_tickets(world, DAY, 40, np.random.default_rng(1))
    assert a != draw_tickets(world, DAY, 40, np.random.default_rng(2))
    assert len({t.device.serial for t in a}) == 40
    assert [t.accepted_at for t in a] == sorted(t.accepted_at for t in a)
    for t in a:
        assert t.submitted_at.date() == DAY
        assert timedelta(minutes=10) <= t.accepted_at - t.submitted_at <= timedelta(minutes=60)


def test_too_many_failures_are_refused(world: DemoWorld) -> None:
    """More failures than installed devices is a caller error."""
    with pytest.raises(ValueError, match="count must be within"):
        draw_tickets(world, DAY, len(world.devices) + 1, np.random.default_rng(0))


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
                np.array([[a.lat, a.lon]]), np.array([[b.lat, b.lon]]), before.depart
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
