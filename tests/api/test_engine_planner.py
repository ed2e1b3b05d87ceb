"""The real dispatch engine behind the API's Planner protocol."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from api.engine_planner import EnginePlanner
from api.planning import DepotView, EngineerView, PlanningTicket, WorldView
from dispatch.errors import Infeasible
from dispatch.scenario import Sku
from dispatch.timeparse import WARSAW

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=WARSAW)
CATALOGUE = {"X465-48P": Sku("X465-48P", "switch", 90)}
KRAKOW = (50.0614, 19.9372)
WARSZAWA = (52.2297, 21.0122)


def world(stock_krk: int = 1, busy_until: datetime | None = None) -> WorldView:
    """Depots in Kraków and Warsaw; one switch engineer in Kraków on shift 08-18."""
    shift = (NOW.replace(hour=8), NOW.replace(hour=18))
    busy = ((NOW, busy_until),) if busy_until else ()
    return WorldView(
        depots=(
            DepotView("KRK", *KRAKOW, {"X465-48P": stock_krk} if stock_krk else {}),
            DepotView("WAW", *WARSZAWA, {}),
        ),
        engineers=(EngineerView("E1", *KRAKOW, frozenset({"switch"}), 12000, (shift,), busy),),
    )


def ticket(product: str, tier: str) -> PlanningTicket:
    """A ticket at a site in Tarnów accepted ten minutes ago."""
    accepted = NOW - timedelta(minutes=10)
    return PlanningTicket(1, "X465-48P", product, tier, 50.0121, 20.9858, accepted, accepted)


def test_ahb_nbd_recommends_the_courier_and_lists_the_car_as_dearer() -> None:
    """Courier first; the dedicated car is an alternative that costs more."""
    options = EnginePlanner(CATALOGUE).plan(ticket("AHB", "8x5xNBD"), world(), NOW)
    assert options[0].mode == "courier" and options[0].depot_id == "KRK"
    assert any(o.mode == "dedicated" and "dearer" in o.reason for o in options[1:])


def test_sos_goes_to_the_engineer_after_their_busy_time() -> None:
    """The only engineer is busy until 13:00, so the visit starts after 13:00."""
    busy_until = NOW.replace(hour=13)
    options = EnginePlanner(CATALOGUE).plan(
        ticket("SOS", "24x7x4"), world(busy_until=busy_until), NOW
    )
    assert options[0].mode == "engineer" and options[0].engineer_id == "E1"
    assert options[0].arrival_at >= busy_until


def test_no_stock_anywhere_is_infeasible_with_the_reason() -> None:
    """No free unit: the engine's reason comes back as Infeasible."""
    with pytest.raises(Infeasible, match="no stock of X465-48P"):
        EnginePlanner(CATALOGUE).plan(ticket("AHB", "8x5xNBD"), world(stock_krk=0), NOW)


def test_an_engineer_whose_next_shift_is_tomorrow_is_not_planned_today() -> None:
    """Today's shift is over; the only shift left is tomorrow's, so the visit is tomorrow."""
    tomorrow = (NOW.replace(hour=8) + timedelta(days=1), NOW.replace(hour=18) + timedelta(days=1))
    view = world()
    engineer = view.engineers[0]
    late_world = WorldView(
        depots=view.depots,
        engineers=(
            EngineerView(engineer.engineer_id, engineer.home_lat, engineer.home_lon,
                         engineer.skills, engineer.hourly_cost_gr, (tomorrow,), ()),
        ),
    )  # fmt: skip
    options = EnginePlanner(CATALOGUE).plan(ticket("SOS", "8x5xNBD"), late_world, NOW)
    assert options[0].mode == "engineer"
    assert options[0].arrival_at >= tomorrow[0]


def _engineer_with(shifts, *, on_call: bool) -> WorldView:
    """``world()`` with its engineer's shifts and on-call flag replaced."""
    view = world()
    e = view.engineers[0]
    return WorldView(
        depots=view.depots,
        engineers=(
            EngineerView(e.engineer_id, e.home_lat, e.home_lon, e.skills, e.hourly_cost_gr,
                         tuple(shifts), (), on_call=on_call),
        ),
    )  # fmt: skip


def _night_ticket(accepted: datetime) -> PlanningTicket:
    return PlanningTicket(1, "X465-48P", "SOS", "24x7x4", 50.0121, 20.9858, accepted, accepted)


@pytest.mark.parametrize(("on_call", "on_time"), [(True, True), (False, False)])
def test_an_on_call_engineer_takes_a_night_24x7_ticket(on_call: bool, on_time: bool) -> None:
    """21:30, next shift tomorrow 08:00: on call, the engineer goes tonight; otherwise not
    before the shift, hours after the 4 h deadline."""
    night = NOW.replace(hour=21, minute=30)
    tomorrow = (NOW.replace(hour=8) + timedelta(days=1), NOW.replace(hour=18) + timedelta(days=1))
    options = EnginePlanner(CATALOGUE).plan(
        _night_ticket(night), _engineer_with([tomorrow], on_call=on_call), night
    )
    best = options[0]
    assert best.mode == "engineer" and best.engineer_id == "E1"
    assert (best.arrival_at < tomorrow[0]) is on_time
    assert ("late" in best.reason) is not on_time


def test_on_call_does_not_put_an_engineer_on_shift_on_their_day_off() -> None:
    """Wednesday 10:00, next shift Thursday 08:00 (Wednesday off): on call or not, the engineer
    does not work the rest of Wednesday's business hours."""
    thursday = (NOW.replace(hour=8) + timedelta(days=1), NOW.replace(hour=18) + timedelta(days=1))
    options = EnginePlanner(CATALOGUE).plan(
        ticket("SOS", "24x7x8"), _engineer_with([thursday], on_call=True), NOW
    )
    assert options[0].engineer_id == "E1"
    assert options[0].arrival_at >= thursday[0]


def test_no_engineer_with_a_shift_ahead_is_infeasible_not_a_crash() -> None:
    """No shift in the horizon: an on-site ticket is refused with the reason (was a 500)."""
    with pytest.raises(Infeasible, match="no engineer has a shift or on-call duty ahead"):
        EnginePlanner(CATALOGUE).plan(
            ticket("SOS", "24x7x4"), _engineer_with([], on_call=False), NOW
        )
