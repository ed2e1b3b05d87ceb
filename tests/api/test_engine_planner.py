"""The real dispatch engine behind the API's Planner protocol, on hand-made service worlds."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from api.engine_planner import EnginePlanner
from dispatch.calendar import from_epoch
from dispatch.errors import Infeasible
from dispatch.sla import deadline_s
from dispatch.tiers import Tier
from dispatch.timeparse import WARSAW
from dispatch.world import (
    CourierService,
    DepotState,
    EngineerState,
    Point,
    Service,
    Sku,
    Stop,
    TicketState,
    Window,
    WorldSnapshot,
)

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=WARSAW)  # a Wednesday
KRAKOW = Point(50.0614, 19.9372, "Kraków")
WARSZAWA = Point(52.2297, 21.0122, "Warszawa")
TARNOW = Point(50.0121, 20.9858, "Tarnów")
TODAY = Window(NOW.replace(hour=8), NOW.replace(hour=18))
TOMORROW = Window(TODAY.start + timedelta(days=1), TODAY.end + timedelta(days=1))


def world(stock_krk: int = 1, *windows: Window, on_call: bool = False, route=()) -> WorldSnapshot:
    """Depots in Kraków and Warsaw; one switch engineer based in Kraków."""
    return WorldSnapshot(
        now=NOW,
        skus={"X465-48P": Sku("X465-48P", "switch", 90)},
        depots=(
            DepotState("KRK", KRAKOW, {"X465-48P": stock_krk} if stock_krk else {}),
            DepotState("WAW", WARSZAWA, {}),
        ),
        couriers=(CourierService("NBD"),),
        engineers=(
            EngineerState(
                "E1",
                KRAKOW,
                frozenset({"switch"}),
                12_000,
                windows or (TODAY,),
                on_call=on_call,
                route=route,
            ),
        ),
        tickets=(),
    )


def ticket(product: str, tier: str, accepted: datetime = NOW - timedelta(minutes=10)):
    """A ticket at a site in Tarnów, its deadline fixed by its tier."""
    parsed = Tier.parse(tier)
    due = from_epoch(deadline_s(parsed, int(accepted.timestamp()), None))
    return TicketState("1", Service(product), parsed, accepted, due, TARNOW, "X465-48P")


def test_ahb_4h_recommends_a_car_and_books_its_trip() -> None:
    """A 4 h AHB ticket in Tarnów: the Kraków car, out after packing and back."""
    options = EnginePlanner().plan(world(), ticket("AHB", "24x7x4"))
    best = options[0]
    assert (best.mode, best.source, best.depot_id) == ("dedicated", "car", "KRK")
    assert [leg.kind for leg in best.legs] == ["deliver", "return"]
    assert best.depart_at == NOW + timedelta(minutes=20) and best.arrival_at == best.legs[0].arrive


def test_sos_is_booked_after_the_engineers_booked_visit() -> None:
    """The only engineer works in Kraków from 11:00 to 13:00 (due by 13:30): the Tarnów visit
    cannot come first, so it comes after it, from Kraków, and the booked visit keeps its time."""
    eleven = NOW.replace(hour=11)
    booked = Stop(
        kind="visit", ref="9", ticket="9", at=KRAKOW, service_s=2 * 3600,
        arrive=eleven, start=eleven, depart=NOW.replace(hour=13), ready=eleven,
        latest=NOW.replace(hour=13, minute=30),
    )  # fmt: skip
    options = EnginePlanner().plan(world(1, route=(booked,)), ticket("SOS", "24x7x8"))
    best = options[0]
    assert best.mode == "engineer" and best.engineer_id == "E1"
    visit = next(leg for leg in best.legs if leg.ticket == "1" and leg.kind == "visit")
    assert visit.depart >= NOW.replace(hour=13) and best.arrival_at == visit.start
    assert not any(m.ticket == "9" for m in best.moves)


def test_no_stock_anywhere_is_infeasible_with_the_reason() -> None:
    """No free unit: the engine's reason comes back as Infeasible."""
    with pytest.raises(Infeasible, match="no stock of X465-48P"):
        EnginePlanner().plan(world(stock_krk=0), ticket("AHB", "8x5xNBD"))


def test_an_engineer_whose_next_shift_is_tomorrow_is_not_planned_today() -> None:
    """Only tomorrow's shift is left, so the visit is tomorrow."""
    options = EnginePlanner().plan(world(1, TOMORROW), ticket("SOS", "8x5xNBD"))
    assert options[0].mode == "engineer"
    assert options[0].arrival_at >= TOMORROW.start


@pytest.mark.parametrize(("on_call", "on_time"), [(True, True), (False, False)])
def test_an_on_call_engineer_takes_a_night_24x7_ticket(on_call: bool, on_time: bool) -> None:
    """21:30, next shift tomorrow 08:00: on call, the engineer goes tonight; otherwise not
    before the shift, hours after the 4 h deadline."""
    night = NOW.replace(hour=21, minute=30)
    windows = (Window(night, TOMORROW.start, on_call=True), TOMORROW) if on_call else (TOMORROW,)
    snapshot = dataclasses.replace(world(1, *windows, on_call=on_call), now=night)
    best = EnginePlanner().plan(snapshot, ticket("SOS", "24x7x4", accepted=night))[0]
    assert best.mode == "engineer" and best.engineer_id == "E1"
    assert (best.arrival_at < TOMORROW.start) is on_time
    assert ("late" in best.reason) is not on_time


def test_on_call_time_serves_only_round_the_clock_tickets() -> None:
    """Wednesday without a shift, on call until Thursday's: a 24x7 ticket goes today (at the
    on-call rate), an 8x5 one waits for Thursday's shift."""
    windows = (Window(NOW, TOMORROW.start, on_call=True), TOMORROW)
    snapshot = world(1, *windows, on_call=True)
    planner = EnginePlanner()
    assert planner.plan(snapshot, ticket("SOS", "24x7x8"))[0].arrival_at < TOMORROW.start
    assert planner.plan(snapshot, ticket("SOS", "8x5x8"))[0].arrival_at >= TOMORROW.start


def test_no_engineer_with_a_window_ahead_is_infeasible_not_a_crash() -> None:
    """No working window in the horizon: an on-site ticket is refused with the reason."""
    snapshot = dataclasses.replace(world(), engineers=())
    with pytest.raises(Infeasible, match="no engineer"):
        EnginePlanner().plan(snapshot, ticket("SOS", "24x7x4"))
