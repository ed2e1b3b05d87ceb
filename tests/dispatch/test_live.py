"""Real-time insertion into a live plan: fast, no reshuffle, no unit promised twice."""

from __future__ import annotations

import dataclasses

import pytest

from dispatch.errors import InvalidInput
from dispatch.live import LivePlan
from solver.travel.geodesic import GeodesicTravel


def live_with(tiny, tickets: list[dict], **changes: object) -> LivePlan:
    """A live plan of the tiny world with these tickets, on the geodesic travel model."""
    return LivePlan.start(tiny.world(tickets, **changes), travel=GeodesicTravel(), time_limit_s=0.5)


def test_inserted_sos_ticket_keeps_the_confirmed_order_of_visits(tiny) -> None:
    """Existing visits stay in their order; the new ticket is added to an engineer's day."""
    live = live_with(
        tiny,
        [
            tiny.ticket("A", "SOS", "8x5xNBD", "Tarnów"),
            tiny.ticket("B", "SOS", "8x5xNBD", "Gdańsk"),
        ],
    )
    before = [tuple(j for j in route) for route in live.routes]
    choice = live.insert(tiny.spec(tiny.ticket("C", "SOS", "8x5xNBD", "Sopot")))
    assert choice is not None and choice.engineer >= 0
    for old, new in zip(before, live.routes, strict=True):
        assert [j for j in new if j in old] == list(old)  # nothing reshuffled
    plan = live.result()
    assert {a.ticket for a in plan.assignments} == {"A", "B", "C"}
    assert plan.unassigned == ()


def test_inserted_tickets_never_take_the_same_unit(tiny) -> None:
    """Kraków holds one AP4000: the first insert gets it, the second is unassigned."""
    live = live_with(tiny, [])
    first = live.insert(tiny.spec(tiny.ticket("T1", "AHB", "8x5xNBD", "Tarnów", sku="AP4000")))
    second = live.insert(tiny.spec(tiny.ticket("T2", "AHB", "8x5xNBD", "Tarnów", sku="AP4000")))
    assert first is not None and second is None
    assert [u.ticket for u in live.result().unassigned] == ["T2"]


def test_insertion_of_an_unknown_sku_is_refused_and_changes_nothing(tiny) -> None:
    """A SKU the world does not know raises InvalidInput naming the field; nothing changes."""
    live = live_with(tiny, [tiny.ticket("A", "AHB", "8x5xNBD", "Tarnów")])
    bad = dataclasses.replace(tiny.spec(tiny.ticket("X", "AHB", "8x5xNBD", "Tarnów")), sku="NOPE")
    with pytest.raises(InvalidInput, match=r"tickets\.X\.sku"):
        live.insert(bad)
    assert [a.ticket for a in live.result().assignments] == ["A"]


def test_a_ticket_inserted_into_an_empty_world_is_unassigned_with_the_reason(tiny) -> None:
    """No depots or engineers yet: the insert answers 'no option', it does not crash."""
    live = live_with(tiny, [], depots=[], engineers=[])
    assert (
        live.insert(tiny.spec(tiny.ticket("T1", "AHB", "8x5xNBD", "Tarnów", sku="AP4000"))) is None
    )
    (left,) = live.result().unassigned
    assert (left.ticket, left.reason) == ("T1", "no depot in the plan")
