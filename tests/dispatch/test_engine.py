"""The dispatch engine on small Polish scenarios whose right answers can be worked out by hand.

Travel is great-circle x 1.25 at 70 km/h (GeodesicTravel) so that the expected answers depend on
the engine's rules, not on the road network's calibration (tested in tests/solver/travel).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from dispatch.allocation import allocation_order
from dispatch.days import EngineerDays
from dispatch.encode import encode
from dispatch.engine import plan
from dispatch.errors import InvalidInputs
from dispatch.scenario import Scenario
from dispatch.scenario_snapshot import snapshot
from dispatch.sources import choose_sources
from dispatch.timeparse import WARSAW
from solver.travel.geodesic import GeodesicTravel


def test_ahb_nbd_goes_by_courier_from_any_stocked_depot(tiny) -> None:
    """An NBD AHB ticket: a 60 zł parcel arrives tomorrow 17:00, in time and far cheaper."""
    result = tiny.run(tiny.scenario([tiny.ticket("T1", "AHB", "8x5xNBD", "Tarnów")]))
    a = tiny.only(result, "T1")
    assert (a.mode, a.on_time, a.cost) == ("courier", True, 60.0)
    assert a.eta.isoformat() == "2026-12-03T17:00:00+01:00"


def test_ahb_after_courier_cutoff_arrives_a_day_later_and_is_late(tiny) -> None:
    """Packed after the 16:00 cutoff, the parcel leaves tomorrow: an NBD courier is too late."""
    result = tiny.run(
        tiny.scenario([tiny.ticket("T1", "AHB", "24x7xNBD", "Tarnów")], now="2026-12-02T16:30")
    )
    a = tiny.only(result, "T1")
    assert a.mode == "dedicated"  # the only way to make tomorrow 17:00
    reasons = [alt.why_not for alt in a.alternatives if alt.mode == "courier"]
    assert reasons and "misses the deadline" in reasons[0]


def test_ahb_4h_uses_a_dedicated_car_from_the_nearest_depot(tiny) -> None:
    """24x7x4 to Katowice: only a car from Kraków (about 1 h 20 min) is on time."""
    result = tiny.run(tiny.scenario([tiny.ticket("T1", "AHB", "24x7x4", "Katowice")]))
    a = tiny.only(result, "T1")
    assert (a.mode, a.depot, a.on_time) == ("dedicated", "KRK", True)


def test_courier_skips_the_christmas_holidays(tiny) -> None:
    """Handed over on Wed 23 Dec 2026, a parcel arrives Mon 28 Dec (24-27 Dec closed)."""
    t = tiny.ticket("T1", "AHB", "8x5xNBD", "Tarnów", accepted_at="2026-12-23T09:50")
    result = tiny.run(tiny.scenario([t], now="2026-12-23T10:00"))
    a = tiny.only(result, "T1")
    assert a.mode == "courier"
    assert a.eta.isoformat() == "2026-12-28T17:00:00+01:00"
    assert a.deadline.isoformat() == "2026-12-28T17:00:00+01:00"


def test_sos_goes_to_the_skilled_engineer_only(tiny) -> None:
    """A wireless job in Tarnów goes to Katowice's wireless engineer, not nearer Rzeszów's."""
    data = tiny.data()
    data["engineers"].append({"id": "E-KAT", "home": "Katowice", "skills": ["wireless"]})
    data["tickets"] = [tiny.ticket("T1", "SOS", "8x5xNBD", "Tarnów", sku="AP4000")]
    a = tiny.only(tiny.run(Scenario.from_dict(data)), "T1")
    assert (a.mode, a.engineer, a.on_time) == ("engineer", "E-KAT", True)


def test_sos_without_any_skilled_engineer_is_unassigned_with_the_reason(tiny) -> None:
    """No engineer certified for the family: listed unassigned, never silently dropped."""
    data = tiny.data()
    data["engineers"] = [data["engineers"][0]]  # only the switch engineer
    data["tickets"] = [tiny.ticket("T1", "SOS", "8x5xNBD", "Przemyśl", sku="AP4000")]
    result = tiny.run(Scenario.from_dict(data))
    assert [(u.ticket, u.reason) for u in result.unassigned] == [
        ("T1", "no engineer certified for wireless")
    ]


def test_substitute_is_used_when_the_sku_is_out_of_stock(tiny) -> None:
    """X465-48T is gone everywhere, but Gdańsk holds the listed substitute X465-48P."""
    data = tiny.data()
    data["depots"][0]["stock"] = {}
    data["depots"][1]["stock"] = {"X465-48P": 1}
    data["tickets"] = [tiny.ticket("T1", "AHB", "8x5xNBD", "Tarnów")]
    a = tiny.only(tiny.run(Scenario.from_dict(data)), "T1")
    assert (a.depot, a.sku) == ("GDN", "X465-48P")


def test_no_stock_anywhere_is_unassigned_with_the_reason(tiny) -> None:
    """No unit of the part or a substitute: unassigned, naming the SKU."""
    tickets = [tiny.ticket(t, "AHB", "8x5xNBD", "Tarnów", sku="AP4000") for t in ("T1", "T2")]
    result = tiny.run(tiny.scenario(tickets))
    assert len(result.assignments) == 1  # Kraków's single AP4000 goes to one ticket only
    assert [u.reason for u in result.unassigned] == [
        "no stock of AP4000 or a substitute at any depot"
        "; the units left went to tickets they keep on time"
    ]


def test_one_unit_is_never_promised_twice(tiny) -> None:
    """Three tickets, three X465 units in all (KRK 2, GDN 1): each unit used once."""
    tickets = [tiny.ticket(f"T{i}", "AHB", "8x5xNBD", "Tarnów") for i in range(4)]
    result = tiny.run(tiny.scenario(tickets))
    draws = [(a.depot, a.sku) for a in result.assignments]
    assert sorted(draws) == [("GDN", "X465-48T"), ("KRK", "X465-48T"), ("KRK", "X465-48T")]
    assert len(result.unassigned) == 1


def test_the_more_urgent_ticket_gets_the_scarce_nearby_unit(tiny) -> None:
    """Kraków's last unit goes to the 4 h ticket; the NBD ticket takes Gdańsk's by courier."""
    data = tiny.data()
    data["depots"][0]["stock"] = {"X465-48T": 1}
    data["tickets"] = [
        tiny.ticket("NBD", "AHB", "8x5xNBD", "Katowice"),
        tiny.ticket("FAST", "AHB", "24x7x4", "Katowice"),
    ]
    result = tiny.run(Scenario.from_dict(data))
    assert (tiny.only(result, "FAST").depot, tiny.only(result, "FAST").on_time) == ("KRK", True)
    assert (tiny.only(result, "NBD").depot, tiny.only(result, "NBD").on_time) == ("GDN", True)


def test_outside_shift_only_on_call_engineers_serve_24x7(tiny) -> None:
    """At 19:00 nobody is on shift; a 24x7x4 SOS ticket goes to the on-call engineer, who has
    the part in the van (from Kraków it could not reach Przemyśl within 4 h)."""
    data = tiny.data()
    data["engineers"][0]["on_call"] = True
    data["engineers"][0]["van_stock"] = {"X465-48T": 1}
    data["now"] = "2026-12-02T19:00"
    data["tickets"] = [
        tiny.ticket("T1", "SOS", "24x7x4", "Przemyśl", accepted_at="2026-12-02T18:50")
    ]
    a = tiny.only(tiny.run(Scenario.from_dict(data)), "T1")
    assert (a.engineer, a.source, a.on_time) == ("E-RZE", "van", True)
    assert a.eta.hour >= 19


def test_without_on_call_a_24x7_ticket_at_night_waits_for_the_morning_shift(tiny) -> None:
    """The same night ticket with nobody on call is served in tomorrow's shift, late."""
    data = tiny.data()
    data["engineers"][0]["van_stock"] = {"X465-48T": 1}
    data["now"] = "2026-12-02T19:00"
    data["tickets"] = [
        tiny.ticket("T1", "SOS", "24x7x4", "Przemyśl", accepted_at="2026-12-02T18:50")
    ]
    a = tiny.only(tiny.run(Scenario.from_dict(data)), "T1")
    assert a.eta.isoformat() >= "2026-12-03T08:00"
    assert not a.on_time


def test_8x5_ticket_after_hours_waits_for_tomorrows_shift(tiny) -> None:
    """An NBD SOS ticket at 19:00 waits for a shift (not tonight), still on time. Its clock
    starts at 09:00 tomorrow, so the day after is on time too and may cost the same: which of
    the two the exact path picks is a tie it may break either way."""
    t = tiny.ticket("T1", "SOS", "8x5xNBD", "Przemyśl", accepted_at="2026-12-02T18:50")
    a = tiny.only(tiny.run(tiny.scenario([t], now="2026-12-02T19:00")), "T1")
    assert a.eta >= datetime(2026, 12, 3, 8, 0, tzinfo=WARSAW)
    assert a.on_time


@pytest.mark.parametrize("exact", [True, False])
def test_an_8x5_ticket_from_the_van_never_goes_into_on_call_time(tiny, exact: bool) -> None:
    """19:00, the engineer on call with the part in the van: an 8x5xNBD visit waits for
    tomorrow's shift (on-call time is for 24x7 tickets), by either path."""
    data = tiny.data(
        [tiny.ticket("T1", "SOS", "8x5xNBD", "Przemyśl", accepted_at="2026-12-02T18:50")]
    )
    data["now"] = "2026-12-02T19:00"
    data["engineers"][0] |= {"on_call": True, "van_stock": {"X465-48T": 1}}
    world = snapshot(Scenario.from_dict(data))
    a = tiny.only(plan(world, travel=GeodesicTravel(), exact=exact), "T1")
    assert (a.engineer, a.source) == ("E-RZE", "van")
    assert a.eta >= datetime(2026, 12, 3, 8, 0, tzinfo=WARSAW)
    # and the routing core could not move it there: no on-call vehicle holds the job's skill
    encoded = encode(world, GeodesicTravel())
    choices, _, _ = choose_sources(encoded, allocation_order(encoded))
    days = EngineerDays(encoded, choices)
    problem = days.problem()
    (visit,) = days.unit_of(0)
    on_call = [v for v, k in enumerate(days.vehicle_window) if encoded.shifts[k].on_call]
    assert on_call and not any(problem.can_serve(v, visit) for v in on_call)


def test_pinned_visit_stays_first_on_the_engineers_day(tiny) -> None:
    """A visit under way stays first; the new ticket follows it."""
    data = tiny.data()
    data["engineers"][0]["visits"] = [
        {"id": "V-under-way", "location": "Jarosław", "onsite_minutes": 60, "pinned": True}
    ]
    data["engineers"] = [data["engineers"][0]]
    data["tickets"] = [tiny.ticket("T1", "SOS", "8x5xNBD", "Rzeszów")]
    result = tiny.run(Scenario.from_dict(data))
    stops = result.routes["E-RZE"]
    visits = [s for s in stops if s.kind == "visit"]
    assert visits[0].ref == "V-under-way" and visits[0].pinned
    assert visits[1].ref == "T1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tier": "8x5xNBX"}, "tickets[0].tier"),
        ({"sku": "NOPE"}, "tickets.T1.sku"),
        ({"now": "yesterday"}, "now"),
    ],
)
def test_invalid_scenarios_are_refused_naming_the_field(
    tiny, change: dict[str, Any], field: str
) -> None:
    """Unknown tier, unknown SKU, bad time: refused with the field named."""
    data = tiny.data([tiny.ticket("T1", "AHB", "8x5xNBD", "Tarnów")])
    if "now" in change:
        data.update(change)
    else:
        data["tickets"][0].update(change)
    with pytest.raises(InvalidInputs) as info:
        Scenario.from_dict(data)
    assert field in [p.field for p in info.value.problems]


def test_unknown_place_is_refused_with_every_problem(tiny) -> None:
    """Two unknown places are both reported."""
    data = tiny.data()
    data["tickets"] = [tiny.ticket("T1", "AHB", "8x5xNBD", "Atlantis"),
                       tiny.ticket("T2", "AHB", "8x5xNBD", "Xyzzyville")]  # fmt: skip
    with pytest.raises(InvalidInputs) as info:
        tiny.run(Scenario.from_dict(data))
    assert {p.field for p in info.value.problems} == {"tickets.T1.site", "tickets.T2.site"}


def test_busy_engineer_starts_new_work_only_when_free(tiny) -> None:
    """An engineer busy until 15:00 reaches a job next door no earlier than 15:00."""
    data = tiny.data()
    data["engineers"] = [data["engineers"][0] | {"available_from": "2026-12-02T15:00"}]
    data["engineers"][0]["van_stock"] = {"X465-48T": 1}
    data["tickets"] = [tiny.ticket("T1", "SOS", "8x5xNBD", "Rzeszów")]
    a = tiny.only(tiny.run(Scenario.from_dict(data)), "T1")
    assert a.eta.isoformat() >= "2026-12-02T15:00"


def test_visit_under_way_stays_today_after_the_shift_ends(tiny) -> None:
    """At 15:15, after a 07-15 shift, the pinned visit in Olsztyn is done now, not tomorrow."""
    data = tiny.data()
    data["now"] = "2026-12-02T15:15"
    data["engineers"] = [
        {"id": "E-TOR", "home": "Toruń", "skills": ["switch"], "shift": ["07:00", "15:00"],
         "on_call": True,
         "visits": [{"id": "V1", "location": "Olsztyn", "onsite_minutes": 60, "pinned": True}]}
    ]  # fmt: skip
    data["tickets"] = [tiny.ticket("T1", "AHB", "8x5xNBD", "Tarnów")]
    result = tiny.run(Scenario.from_dict(data))
    (stop,) = result.routes["E-TOR"]
    assert (stop.ref, stop.pinned, stop.arrive.date().isoformat()) == ("V1", True, "2026-12-02")


def test_on_call_work_never_overlaps_a_visit_under_way(tiny) -> None:
    """A 24x7x4 ticket in Kraków waits until the engineer is back from the pinned Gdańsk visit."""
    data = tiny.data()
    data["now"] = "2026-12-02T13:00"
    data["engineers"] = [
        {"id": "E-KRK", "home": "Kraków", "skills": ["switch"], "shift": ["08:00", "15:00"],
         "on_call": True, "van_stock": {"X465-48T": 1},
         "visits": [{"id": "V1", "location": "Gdańsk", "onsite_minutes": 120, "pinned": True}]}
    ]  # fmt: skip
    data["tickets"] = [tiny.ticket("T1", "SOS", "24x7x4", "Kraków", accepted_at="2026-12-02T12:50")]
    result = tiny.run(Scenario.from_dict(data))
    pinned, *later = result.routes["E-KRK"]
    assert pinned.ref == "V1" and pinned.pinned
    assert [s.ref for s in later if s.kind == "visit"] == ["T1"]
    assert all(s.arrive >= pinned.depart for s in later)


def test_a_car_to_the_depots_own_city_is_not_cheaper_than_a_parcel(tiny) -> None:
    """The car's call-out fee keeps an NBD parcel to the depot's own city with the courier (a
    parcel costs the same from every depot, so which depot sends it is not asserted: under load
    the time-limited search may settle on another one)."""
    a = tiny.only(tiny.run(tiny.scenario([tiny.ticket("T1", "AHB", "8x5xNBD", "Kraków")])), "T1")
    assert a.mode == "courier"


def test_pinned_visits_must_come_first(tiny) -> None:
    """A pinned visit listed after an unpinned one is refused, naming the field."""
    data = tiny.data()
    data["engineers"][0]["visits"] = [
        {"id": "V1", "location": "Tarnów", "onsite_minutes": 30},
        {"id": "V2", "location": "Jarosław", "onsite_minutes": 30, "pinned": True},
    ]
    data["tickets"] = [tiny.ticket("T1", "AHB", "8x5xNBD", "Tarnów")]
    with pytest.raises(InvalidInputs, match="pinned visits"):
        Scenario.from_dict(data)


def test_scarce_units_go_where_both_tickets_are_on_time(tiny) -> None:
    """One unit each in Kraków and Katowice, two 4 h tickets. Chrzanów (first due) is on time
    from either and Katowice is cheaper; Wrocław is on time only from Katowice. Planned one by
    one, Chrzanów would take Katowice's unit and Wrocław would be late: the joint allocation
    sends Kraków's unit to Chrzanów and both are on time."""
    depots = [tiny.depot("KRK", "Kraków", 1), tiny.depot("KAT", "Katowice", 1)]
    result = tiny.run(tiny.scenario(tiny.two_4h_tickets("Chrzanów"), depots=depots))
    first, second = tiny.only(result, "T1"), tiny.only(result, "T2")
    assert (first.depot, first.on_time) == ("KRK", True)
    assert (second.depot, second.on_time) == ("KAT", True)
    (katowice,) = [a for a in first.alternatives if (a.mode, a.depot) == ("dedicated", "KAT")]
    assert katowice.why_not.startswith("better on its own")  # never "later by" an earlier time


def test_a_ticket_that_will_be_late_anyway_does_not_take_the_unit_another_needs(tiny) -> None:
    """One unit, in Katowice. A 4 h ticket in Gdańsk cannot be on time from there; a later 4 h
    ticket in Wrocław can. The unit goes to Wrocław; Gdańsk waits for new stock, told why."""
    result = tiny.run(
        tiny.scenario(tiny.two_4h_tickets("Gdańsk"), depots=[tiny.depot("KAT", "Katowice", 1)])
    )
    assert (tiny.only(result, "T2").depot, tiny.only(result, "T2").on_time) == ("KAT", True)
    (left,) = result.unassigned
    assert left.ticket == "T1" and left.reason.endswith("went to tickets they keep on time")


def test_without_engineers_an_on_site_ticket_is_unassigned_with_the_reason(tiny) -> None:
    """No engineer at all (or none working ahead): SOS is unassigned, AHB still goes out."""
    result = tiny.run(
        tiny.scenario(
            [
                tiny.ticket("T1", "SOS", "24x7x4", "Tarnów"),
                tiny.ticket("T2", "AHB", "8x5xNBD", "Tarnów"),
            ],
            engineers=[],
        )
    )
    assert [(u.ticket, u.reason) for u in result.unassigned] == [("T1", "no engineer in the plan")]
    assert tiny.only(result, "T2").mode == "courier"


def test_an_empty_world_plans_nothing_without_failing(tiny) -> None:
    """No depots, engineers or tickets: an empty plan, not an error."""
    result = plan(tiny.world([], depots=[], engineers=[]), time_limit_s=1.0)  # the road model
    assert (result.assignments, result.unassigned) == ((), ())
