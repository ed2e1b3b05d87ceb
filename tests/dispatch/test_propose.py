"""The service's proposals: one ticket inserted into booked routes, with legs that can be driven."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.engine import plan
from dispatch.errors import Infeasible
from dispatch.plans import Leg
from dispatch.propose import SCARCER_SHELF, Option, propose
from dispatch.timeparse import WARSAW
from dispatch.world import Point, Stop, TicketState, WorldSnapshot
from solver.travel.geodesic import GeodesicTravel

TRAVEL = GeodesicTravel()
WARSZAWA = Point(52.22977, 21.01178, "Warszawa")


def at(hhmm: str, day: int = 2) -> datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 12, day, hours, minutes, tzinfo=WARSAW)


def booked_visit(ticket: str, where: Point, start: str, finish: str, latest: str, day: int = 2):
    """A confirmed visit of ``ticket`` at ``where`` from ``start`` to ``finish``, as the service
    books one: not earlier than booked (the customer was told), not later than ``latest``."""
    return Stop(
        kind="visit",
        ref=ticket,
        ticket=ticket,
        at=where,
        service_s=int((at(finish, day) - at(start, day)).total_seconds()),
        arrive=at(start, day),
        start=at(start, day),
        depart=at(finish, day),
        ready=at(start, day),
        latest=at(latest, day),
    )


def warsaw_world(tiny, *stops: Stop) -> WorldSnapshot:
    """The tiny world with a depot in Warszawa (two switches) and only one engineer, based in
    Warszawa, on these booked stops."""
    world = tiny.world()
    depot = dataclasses.replace(world.depots[0], id="WAW", at=WARSZAWA, stock={"X465-48T": 2})
    warsaw = dataclasses.replace(world.engineers[0], id="E-WAW", home=WARSZAWA, route=tuple(stops))
    return dataclasses.replace(world, depots=(*world.depots, depot), engineers=(warsaw,))


def ticket(tiny, site: str, tier: str = "24x7x4", service: str = "SOS") -> TicketState:
    return tiny.spec(tiny.ticket("NEW", service, tier, site))


def assert_drivable(legs: tuple[Leg, ...]) -> None:
    """Each leg leaves where the previous ended, no earlier than it finished, and takes at
    least the model's driving time."""
    for before, after in itertools.pairwise(legs):
        assert after.origin == before.destination
        assert after.depart >= before.finish
    for leg in legs:
        assert leg.arrive - leg.depart >= timedelta(seconds=leg.drive_s)


def engineer_legs(option: Option) -> tuple[Leg, ...]:
    return tuple(leg for leg in option.legs if leg.vehicle == option.engineer)


def test_an_engineer_booked_until_1224_in_warszawa_is_not_booked_elsewhere_at_1231(tiny):
    """Booked in Warszawa from 11:00 until 12:24 (done by 15:00); a ticket in Radom is served
    after it, reached from Warszawa after 12:24, never from home at 12:31."""
    world = warsaw_world(tiny, booked_visit("T-WAW", WARSZAWA, "11:00", "12:24", "15:00"))
    (best, *_) = propose(world, ticket(tiny, "Radom", tier="8x5xNBD"), TRAVEL)
    legs = engineer_legs(best)
    assert best.engineer == "E-WAW" and best.eta.date() == at("12:00").date()
    visit = next(leg for leg in legs if leg.ticket == "NEW" and leg.kind == "visit")
    booked = next(leg for leg in legs if leg.ticket == "T-WAW")
    assert booked.finish <= visit.depart and visit.origin == WARSZAWA
    assert visit.arrive >= at("12:24") + timedelta(seconds=visit.drive_s)
    assert_drivable(legs)


def test_a_visit_booked_tomorrow_leaves_today_free(tiny):
    """A visit booked for Thursday does not stop a Wednesday ticket from being served today."""
    world = warsaw_world(tiny, booked_visit("T-THU", WARSZAWA, "10:00", "11:00", "17:00", day=3))
    (best, *_) = propose(world, ticket(tiny, "Piaseczno"), TRAVEL)
    assert best.engineer == "E-WAW" and best.eta.date() == at("12:00").date() and best.on_time
    assert best.route is not None and best.route.startswith("E-WAW@2026-12-02")
    assert all(leg.ticket != "T-THU" for leg in best.legs)  # tomorrow's route is not touched


def test_no_booked_visit_is_made_late_and_moves_are_reported(tiny):
    """A visit booked in Grodzisk Mazowiecki at 10:30, due by 11:00: a new ticket in Piaseczno
    must not go first (Grodzisk would be late); any move of the booked visit is reported."""
    grodzisk = Point(52.10387, 20.6337, "Grodzisk Mazowiecki")
    world = warsaw_world(tiny, booked_visit("T-DUE", grodzisk, "10:30", "11:00", "11:00"))
    options = propose(world, ticket(tiny, "Piaseczno", tier="8x5xNBD"), TRAVEL)
    same_day = [o for o in options if ("T-DUE", "visit") in {(g.ticket, g.kind) for g in o.legs}]
    assert same_day and all(o.engineer == "E-WAW" for o in same_day)
    for option in same_day:
        kinds = [(leg.ticket, leg.kind) for leg in engineer_legs(option)]
        assert kinds.index(("T-DUE", "visit")) < kinds.index(("NEW", "visit"))
        booked = next(leg for leg in option.legs if leg.ticket == "T-DUE")
        assert booked.start <= at("11:00")
        moved = {m.ticket: m for m in option.moves}
        if booked.start != at("10:30"):
            assert (moved["T-DUE"].before, moved["T-DUE"].after) == (at("10:30"), booked.start)
        assert_drivable(engineer_legs(option))


def test_options_are_distinct_and_explained_against_the_recommendation(tiny):
    """No two options are the same choice; each alternative's reason matches its numbers."""
    world = warsaw_world(tiny)
    best, *rest = propose(world, ticket(tiny, "Radom"), TRAVEL)
    keys = [o.key for o in (best, *rest)]
    assert len(keys) == len(set(keys)) and rest
    assert best.why.startswith("recommended")
    for option in rest:
        if option.why.startswith("dearer by"):
            amount = float(option.why.split()[2])
            assert amount == pytest.approx((option.cost_gr - best.cost_gr) / 100)
        elif option.why.startswith("misses the deadline"):
            assert not option.on_time


def test_a_tie_in_time_and_cost_goes_to_the_nearer_depot(tiny):
    """A next-business-day parcel costs the same and arrives at the same hour from Kraków or
    Warszawa: a site in Warszawa gets it from Warszawa, the nearer (fewer km, less at risk)."""
    world = warsaw_world(tiny)
    best, *rest = propose(world, ticket(tiny, "Warszawa", tier="8x5xNBD", service="AHB"), TRAVEL)
    parcels = [o for o in (best, *rest) if o.mode == "courier"]
    assert {o.depot for o in parcels} >= {"KRK", "WAW"}
    assert best.mode == "courier" and best.depot == "WAW"
    krk = next(o for o in parcels if o.depot == "KRK")
    assert (krk.cost_gr, krk.eta) == (best.cost_gr, best.eta)


def test_a_tie_in_time_and_cost_spares_the_shelf_with_its_last_unit(tiny):
    """The same parcel, but Warszawa holds its last unit and Kraków three: the parcel comes from
    Kraków, so Warszawa keeps its unit for a ticket there that needs it within hours."""
    world = warsaw_world(tiny)
    depots = tuple(
        dataclasses.replace(d, stock={"X465-48T": {"WAW": 1, "KRK": 3}.get(d.id, 0)})
        for d in world.depots
    )
    world = dataclasses.replace(world, depots=depots)
    best, *rest = propose(world, ticket(tiny, "Warszawa", tier="8x5xNBD", service="AHB"), TRAVEL)
    waw = next(o for o in rest if o.mode == "courier" and o.depot == "WAW")
    assert best.mode == "courier" and best.depot == "KRK"
    assert (waw.cost_gr, waw.eta) == (best.cost_gr, best.eta)
    assert waw.why == SCARCER_SHELF


def test_a_dedicated_car_books_its_trip_out_and_back(tiny):
    """A 4 h AHB ticket in Katowice: the Kraków car leaves after packing, drives there and
    back; the legs say when the car is out."""
    best, *_ = propose(tiny.world(), ticket(tiny, "Katowice", service="AHB"), TRAVEL)
    out, back = best.legs
    assert (best.mode, out.vehicle, out.kind, back.kind) == (
        "dedicated",
        "car:KRK",
        "deliver",
        "return",
    )
    assert out.depart == tiny.world().now + timedelta(minutes=20)
    assert back.origin == out.destination and back.arrive > out.arrive
    assert_drivable(best.legs)


def test_nothing_possible_is_infeasible_with_the_reason(tiny):
    """No stock of the SKU anywhere: the engine's reason, not an empty answer."""
    world = dataclasses.replace(tiny.world(), depots=())
    with pytest.raises(Infeasible, match="no depot"):
        propose(world, ticket(tiny, "Tarnów", service="AHB"), TRAVEL)


def visit_leg(option: Option) -> Leg:
    return next(leg for leg in engineer_legs(option) if leg.ticket == "NEW" and leg.kind == "visit")


def test_a_visit_asked_for_a_later_time_starts_exactly_then(tiny):
    """Free to reach Radom sooner, the engineer is asked to start at 13:40: the visit starts at
    13:40 (the engineer waits on arrival) and that is the arrival the deadline measures."""
    world = warsaw_world(tiny)
    new = ticket(tiny, "Radom")
    (free, *_) = propose(world, new, TRAVEL)
    assert free.eta < at("13:40")
    (asked, *_) = propose(world, dataclasses.replace(new, not_before=at("13:40")), TRAVEL)
    assert asked.eta == visit_leg(asked).start == at("13:40")
    assert visit_leg(asked).arrive <= at("13:40") and asked.on_time
    assert_drivable(engineer_legs(asked))


def test_a_time_past_the_deadline_is_kept_and_said_to_be_late(tiny):
    """Asked for 14:30, after the 4 h deadline (13:50): the visit starts at 14:30, late, and
    says so."""
    new = ticket(tiny, "Radom")
    (late, *_) = propose(
        warsaw_world(tiny), dataclasses.replace(new, not_before=at("14:30")), TRAVEL
    )
    assert late.eta == at("14:30") > new.deadline
    assert not late.on_time and "late" in late.why


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(minutes=st.integers(min_value=0, max_value=9 * 60))
def test_no_visit_starts_before_the_time_asked(tiny, minutes):
    """Whatever the time asked (from now to the shift's end) and around a booked visit in
    Warszawa, every option starts the visit no earlier, or there is none at all."""
    world = warsaw_world(tiny, booked_visit("T-WAW", WARSZAWA, "12:00", "13:00", "15:00"))
    asked = at("10:00") + timedelta(minutes=minutes)
    new = dataclasses.replace(ticket(tiny, "Radom"), not_before=asked)
    try:
        options = propose(world, new, TRAVEL)
    except Infeasible:
        return
    for option in options:
        assert option.eta >= asked and visit_leg(option).start >= asked
        assert_drivable(engineer_legs(option))


def test_the_engine_plans_a_batch_ticket_no_earlier_than_its_time(tiny):
    """The batch path (``dispatch.engine.plan``) honours the time too: the exact model, which
    has no such time, steps aside."""
    raw = tiny.ticket("T1", "SOS", "24x7x4", "Radom")
    world = tiny.world([raw])
    asked = dataclasses.replace(world.tickets[0], not_before=at("15:00"))
    result = plan(dataclasses.replace(world, tickets=(asked,)), travel=TRAVEL, time_limit_s=1.0)
    (served,) = result.assignments
    assert served.eta == at("15:00") and not served.on_time
