"""Phase 1's order from the joint stock allocation: changed only where stock is contended."""

from __future__ import annotations

from dispatch.allocation import allocation_order
from dispatch.encode import encode
from dispatch.sources import urgency_order
from solver.travel.geodesic import GeodesicTravel


def _world(tiny, tickets, **changes):
    return encode(tiny.world(tickets, **changes), GeodesicTravel())


def test_without_contention_the_order_is_urgency_and_nothing_is_preferred(tiny) -> None:
    """Two tickets, and every depot holds a unit for each: nobody needs steering."""
    depots = [tiny.depot("KRK", "Kraków", 2), tiny.depot("GDN", "Gdańsk", 2)]
    world = _world(
        tiny,
        [
            tiny.ticket("T1", "AHB", "24x7x4", "Tarnów"),
            tiny.ticket("T2", "SOS", "8x5xNBD", "Sopot"),
        ],
        depots=depots,
    )
    sourcing = allocation_order(world)
    assert sourcing.order == urgency_order(world)
    assert sourcing.prefer == {}


def test_a_ticket_left_without_a_contended_unit_is_planned_last(tiny) -> None:
    """Gdańsk (due first) cannot be on time from Katowice's single unit, Wrocław can: Wrocław
    is planned first and prefers Katowice; Gdańsk comes after it."""
    world = _world(tiny, tiny.two_4h_tickets("Gdańsk"), depots=[tiny.depot("KAT", "Katowice", 1)])
    assert urgency_order(world) == [0, 1]
    sourcing = allocation_order(world)
    assert sourcing.order == [1, 0]
    assert sourcing.prefer == {1: (False, 0)}
    assert sourcing.left_out == {0}
