"""The dispatch engine on small Polish scenarios whose right answers can be worked out by hand.

Travel is great-circle x 1.25 at 70 km/h (GeodesicTravel) so that the expected answers depend on
the engine's rules, not on the road network's calibration (tested in tests/solver/travel).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dispatch.engine import plan
from dispatch.errors import InvalidInputs
from dispatch.plans import PlanResult
from dispatch.scenario import Scenario
from solver.travel.geodesic import GeodesicTravel

BASE: dict[str, Any] = {
    "now": "2026-12-02T10:00",  # a Wednesday
    "skus": [
        {"sku": "X465-48T", "family": "switch", "onsite_minutes": 90, "substitutes": ["X465-48P"]},
        {"sku": "X465-48P", "family": "switch", "onsite_minutes": 90},
        {"sku": "AP4000", "family": "wireless", "onsite_minutes": 30},
    ],
    "depots": [
        {"id": "KRK", "location": "Kraków", "stock": {"X465-48T": 2, "AP4000": 1},
         "pick_minutes": 20, "courier_cutoff": "16:00", "drivers": 1},
        {"id": "GDN", "location": "Gdańsk", "stock": {"X465-48T": 1},
         "pick_minutes": 20, "courier_cutoff": "16:00", "drivers": 1},
    ],
    "couriers": [{"id": "NBD", "delivery_by": "17:00", "price": 60}],
    "engineers": [
        {"id": "E-RZE", "home": "Rzeszów", "skills": ["switch"], "shift": ["08:00", "18:00"],
         "cost_per_hour": 120},
        {"id": "E-GDY", "home": "Gdynia", "skills": ["switch", "wireless"],
         "shift": ["08:00", "18:00"], "cost_per_hour": 120},
    ],
    "tickets": [],
    "costs": {"dedicated_per_km": 2.5, "dedicated_per_hour": 60, "engineer_per_km": 1.2},
}  # fmt: skip


def scenario(tickets: list[dict[str, Any]], **changes: Any) -> Scenario:
    """BASE with these tickets and top-level changes."""
    data = copy.deepcopy(BASE)
    data["tickets"] = tickets
    data.update(changes)
    return Scenario.from_dict(data)


def ticket(tid: str, service: str, tier: str, site: str, sku: str = "X465-48T", **extra: Any):
    """A ticket accepted ten minutes before BASE's now."""
    return {"id": tid, "service": service, "tier": tier, "accepted_at": "2026-12-02T09:50",
            "site": site, "sku": sku, **extra}  # fmt: skip


def run(sc: Scenario) -> PlanResult:
    """Plan with the geodesic travel model and a short time limit."""
    return plan(sc, travel=GeodesicTravel(), time_limit_s=1.0)


def only(result: PlanResult, tid: str):
    """The assignment of one ticket."""
    (found,) = [a for a in result.assignments if a.ticket == tid]
    return found


def test_ahb_nbd_goes_by_courier_from_any_stocked_depot() -> None:
    """An NBD AHB ticket: a 60 zł parcel arrives tomorrow 17:00, in time and far cheaper."""
    result = run(scenario([ticket("T1", "AHB", "8x5xNBD", "Tarnów")]))
    a = only(result, "T1")
    assert (a.mode, a.on_time, a.cost) == ("courier", True, 60.0)
    assert a.eta.isoformat() == "2026-12-03T17:00:00+01:00"


def test_ahb_after_courier_cutoff_arrives_a_day_later_and_is_late() -> None:
    """Packed after the 16:00 cutoff, the parcel leaves tomorrow: an NBD courier is too late."""
    result = run(scenario([ticket("T1", "AHB", "24x7xNBD", "Tarnów")], now="2026-12-02T16:30"))
    a = only(result, "T1")
    assert a.mode == "dedicated"  # the only way to make tomorrow 17:00
    reasons = [alt.why_not for alt in a.alternatives if alt.mode == "courier"]
    assert reasons and "misses the deadline" in reasons[0]


def test_ahb_4h_uses_a_dedicated_car_from_the_nearest_depot() -> None:
    """24x7x4 to Katowice: only a car from Kraków (about 1 h 20 min) is on time."""
    result = run(scenario([ticket("T1", "AHB", "24x7x4", "Katowice")]))
    a = only(result, "T1")
    assert (a.mode, a.depot, a.on_time) == ("dedicated", "KRK", True)


def test_courier_skips_the_christmas_holidays() -> None:
    """Handed over on Wed 23 Dec 2026, a parcel arrives Mon 28 Dec (24-27 Dec closed)."""
    t = ticket("T1", "AHB", "8x5xNBD", "Tarnów", accepted_at="2026-12-23T09:50")
    result = run(scenario([t], now="2026-12-23T10:00"))
    a = only(result, "T1")
    assert a.mode == "courier"
    assert a.eta.isoformat() == "2026-12-28T17:00:00+01:00"
    assert a.deadline.isoformat() == "2026-12-28T17:00:00+01:00"


def test_sos_goes_to_the_skilled_engineer_only() -> None:
    """A wireless job in Tarnów goes to Katowice's wireless engineer, not nearer Rzeszów's."""
    data = copy.deepcopy(BASE)
    data["engineers"].append({"id": "E-KAT", "home": "Katowice", "skills": ["wireless"]})
    data["tickets"] = [ticket("T1", "SOS", "8x5xNBD", "Tarnów", sku="AP4000")]
    a = only(run(Scenario.from_dict(data)), "T1")
    assert (a.mode, a.engineer, a.on_time) == ("engineer", "E-KAT", True)


def test_sos_without_any_skilled_engineer_is_unassigned_with_the_reason() -> None:
    """No engineer certified for the family: listed unassigned, never silently dropped."""
    data = copy.deepcopy(BASE)
    data["engineers"] = [data["engineers"][0]]  # only the switch engineer
    data["tickets"] = [ticket("T1", "SOS", "8x5xNBD", "Przemyśl", sku="AP4000")]
    result = run(Scenario.from_dict(data))
    assert [(u.ticket, u.reason) for u in result.unassigned] == [
        ("T1", "no engineer certified for wireless")
    ]


def test_substitute_is_used_when_the_sku_is_out_of_stock() -> None:
    """X465-48T is gone everywhere, but Gdańsk holds the listed substitute X465-48P."""
    data = copy.deepcopy(BASE)
    data["depots"][0]["stock"] = {}
    data["depots"][1]["stock"] = {"X465-48P": 1}
    data["tickets"] = [ticket("T1", "AHB", "8x5xNBD", "Tarnów")]
    a = only(run(Scenario.from_dict(data)), "T1")
    assert (a.depot, a.sku) == ("GDN", "X465-48P")


def test_no_stock_anywhere_is_unassigned_with_the_reason() -> None:
    """No unit of the part or a substitute: unassigned, naming the SKU."""
    result = run(scenario([ticket("T1", "AHB", "8x5xNBD", "Tarnów", sku="AP4000"),
                           ticket("T2", "AHB", "8x5xNBD", "Tarnów", sku="AP4000")]))  # fmt: skip
    assert len(result.assignments) == 1  # Kraków's single AP4000 goes to one ticket only
    assert [u.reason for u in result.unassigned] == [
        "no stock of AP4000 or a substitute at any depot"
        "; the units left went to tickets they keep on time"
    ]


def test_one_unit_is_never_promised_twice() -> None:
    """Three tickets, three X465 units in all (KRK 2, GDN 1): each unit used once."""
    tickets = [ticket(f"T{i}", "AHB", "8x5xNBD", "Tarnów") for i in range(4)]
    result = run(scenario(tickets))
    draws = [(a.depot, a.sku) for a in result.assignments]
    assert sorted(draws) == [("GDN", "X465-48T"), ("KRK", "X465-48T"), ("KRK", "X465-48T")]
    assert len(result.unassigned) == 1


def test_the_more_urgent_ticket_gets_the_scarce_nearby_unit() -> None:
    """Kraków's last unit goes to the 4 h ticket; the NBD ticket takes Gdańsk's by courier."""
    data = copy.deepcopy(BASE)
    data["depots"][0]["stock"] = {"X465-48T": 1}
    data["tickets"] = [
        ticket("NBD", "AHB", "8x5xNBD", "Katowice"),
        ticket("FAST", "AHB", "24x7x4", "Katowice"),
    ]
    result = run(Scenario.from_dict(data))
    assert (only(result, "FAST").depot, only(result, "FAST").on_time) == ("KRK", True)
    assert (only(result, "NBD").depot, only(result, "NBD").on_time) == ("GDN", True)


def test_outside_shift_only_on_call_engineers_serve_24x7() -> None:
    """At 19:00 nobody is on shift; a 24x7x4 SOS ticket goes to the on-call engineer, who has
    the part in the van (from Kraków it could not reach Przemyśl within 4 h)."""
    data = copy.deepcopy(BASE)
    data["engineers"][0]["on_call"] = True
    data["engineers"][0]["van_stock"] = {"X465-48T": 1}
    data["now"] = "2026-12-02T19:00"
    data["tickets"] = [ticket("T1", "SOS", "24x7x4", "Przemyśl", accepted_at="2026-12-02T18:50")]
    a = only(run(Scenario.from_dict(data)), "T1")
    assert (a.engineer, a.source, a.on_time) == ("E-RZE", "van", True)
    assert a.eta.hour >= 19


def test_without_on_call_a_24x7_ticket_at_night_waits_for_the_morning_shift() -> None:
    """The same night ticket with nobody on call is served in tomorrow's shift, late."""
    data = copy.deepcopy(BASE)
    data["engineers"][0]["van_stock"] = {"X465-48T": 1}
    data["now"] = "2026-12-02T19:00"
    data["tickets"] = [ticket("T1", "SOS", "24x7x4", "Przemyśl", accepted_at="2026-12-02T18:50")]
    a = only(run(Scenario.from_dict(data)), "T1")
    assert a.eta.isoformat() >= "2026-12-03T08:00"
    assert not a.on_time


def test_8x5_ticket_after_hours_waits_for_tomorrows_shift() -> None:
    """An NBD SOS ticket at 19:00 is served in tomorrow's shift, still on time."""
    t = ticket("T1", "SOS", "8x5xNBD", "Przemyśl", accepted_at="2026-12-02T18:50")
    a = only(run(scenario([t], now="2026-12-02T19:00")), "T1")
    assert a.eta.date().isoformat() == "2026-12-03"
    assert a.on_time


def test_pinned_visit_stays_first_on_the_engineers_day() -> None:
    """A visit under way stays first; the new ticket follows it."""
    data = copy.deepcopy(BASE)
    data["engineers"][0]["visits"] = [
        {"id": "V-under-way", "location": "Jarosław", "onsite_minutes": 60, "pinned": True}
    ]
    data["engineers"] = [data["engineers"][0]]
    data["tickets"] = [ticket("T1", "SOS", "8x5xNBD", "Rzeszów")]
    result = run(Scenario.from_dict(data))
    stops = result.routes["E-RZE"]
    visits = [s for s in stops if s.kind == "visit"]
    assert visits[0].ref == "V-under-way" and visits[0].pinned
    assert visits[1].ref == "T1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tickets": [ticket("T1", "AHB", "8x5xNBX", "Tarnów")]}, "tickets[0].tier"),
        ({"tickets": [ticket("T1", "AHB", "8x5xNBD", "Tarnów", sku="NOPE")]}, "tickets.T1.sku"),
        ({"now": "yesterday"}, "now"),
    ],
)
def test_invalid_scenarios_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    """Unknown tier, unknown SKU, bad time: refused with the field named."""
    data = copy.deepcopy(BASE)
    data["tickets"] = [ticket("T1", "AHB", "8x5xNBD", "Tarnów")]
    data.update(change)
    with pytest.raises(InvalidInputs) as info:
        Scenario.from_dict(data)
    assert field in [p.field for p in info.value.problems]


def test_unknown_place_is_refused_with_every_problem() -> None:
    """Two unknown places are both reported."""
    data = copy.deepcopy(BASE)
    data["tickets"] = [ticket("T1", "AHB", "8x5xNBD", "Atlantis"),
                       ticket("T2", "AHB", "8x5xNBD", "Xyzzyville")]  # fmt: skip
    with pytest.raises(InvalidInputs) as info:
        run(Scenario.from_dict(data))
    assert {p.field for p in info.value.problems} == {"tickets.T1.site", "tickets.T2.site"}


def test_busy_engineer_starts_new_work_only_when_free() -> None:
    """An engineer busy until 15:00 reaches a job next door no earlier than 15:00."""
    data = copy.deepcopy(BASE)
    data["engineers"] = [data["engineers"][0] | {"available_from": "2026-12-02T15:00"}]
    data["engineers"][0]["van_stock"] = {"X465-48T": 1}
    data["tickets"] = [ticket("T1", "SOS", "8x5xNBD", "Rzeszów")]
    a = only(run(Scenario.from_dict(data)), "T1")
    assert a.eta.isoformat() >= "2026-12-02T15:00"


def test_visit_under_way_stays_today_after_the_shift_ends() -> None:
    """At 15:15, after a 07-15 shift, the pinned visit in Olsztyn is done now, not tomorrow."""
    data = copy.deepcopy(BASE)
    data["now"] = "2026-12-02T15:15"
    data["engineers"] = [
        {"id": "E-TOR", "home": "Toruń", "skills": ["switch"], "shift": ["07:00", "15:00"],
         "on_call": True,
         "visits": [{"id": "V1", "location": "Olsztyn", "onsite_minutes": 60, "pinned": True}]}
    ]  # fmt: skip
    data["tickets"] = [ticket("T1", "AHB", "8x5xNBD", "Tarnów")]
    result = run(Scenario.from_dict(data))
    (stop,) = result.routes["E-TOR"]
    assert (stop.ref, stop.pinned, stop.arrive.date().isoformat()) == ("V1", True, "2026-12-02")


def test_on_call_work_never_overlaps_a_visit_under_way() -> None:
    """A 24x7x4 ticket in Kraków waits until the engineer is back from the pinned Gdańsk visit."""
    data = copy.deepcopy(BASE)
    data["now"] = "2026-12-02T13:00"
    data["engineers"] = [
        {"id": "E-KRK", "home": "Kraków", "skills": ["switch"], "shift": ["08:00", "15:00"],
         "on_call": True, "van_stock": {"X465-48T": 1},
         "visits": [{"id": "V1", "location": "Gdańsk", "onsite_minutes": 120, "pinned": True}]}
    ]  # fmt: skip
    data["tickets"] = [ticket("T1", "SOS", "24x7x4", "Kraków", accepted_at="2026-12-02T12:50")]
    result = run(Scenario.from_dict(data))
    pinned, *later = result.routes["E-KRK"]
    assert pinned.ref == "V1" and pinned.pinned
    assert [s.ref for s in later if s.kind == "visit"] == ["T1"]
    assert all(s.arrive >= pinned.depart for s in later)


def test_a_car_to_the_depots_own_city_is_not_cheaper_than_a_parcel() -> None:
    """The car's call-out fee keeps an NBD parcel to the depot's own city with the courier."""
    a = only(run(scenario([ticket("T1", "AHB", "8x5xNBD", "Kraków")])), "T1")
    assert (a.mode, a.depot) == ("courier", "KRK")


def test_pinned_visits_must_come_first() -> None:
    """A pinned visit listed after an unpinned one is refused, naming the field."""
    data = copy.deepcopy(BASE)
    data["engineers"][0]["visits"] = [
        {"id": "V1", "location": "Tarnów", "onsite_minutes": 30},
        {"id": "V2", "location": "Jarosław", "onsite_minutes": 30, "pinned": True},
    ]
    data["tickets"] = [ticket("T1", "AHB", "8x5xNBD", "Tarnów")]
    with pytest.raises(InvalidInputs, match="pinned visits"):
        Scenario.from_dict(data)


def depot(did: str, location: str, units: int) -> dict[str, Any]:
    """A depot holding ``units`` X465-48T, with one driver."""
    return {"id": did, "location": location, "stock": {"X465-48T": units}, "pick_minutes": 20,
            "courier_cutoff": "16:00", "drivers": 1}  # fmt: skip


def two_4h_tickets(first_site: str) -> list[dict[str, Any]]:
    """A 4 h ticket at ``first_site`` and one in Wrocław accepted five minutes later."""
    return [
        ticket("T1", "AHB", "24x7x4", first_site),
        ticket("T2", "AHB", "24x7x4", "Wrocław", accepted_at="2026-12-02T09:55"),
    ]


def test_scarce_units_go_where_both_tickets_are_on_time() -> None:
    """One unit each in Kraków and Katowice, two 4 h tickets. Chrzanów (first due) is on time
    from either and Katowice is cheaper; Wrocław is on time only from Katowice. Planned one by
    one, Chrzanów would take Katowice's unit and Wrocław would be late: the joint allocation
    sends Kraków's unit to Chrzanów and both are on time."""
    depots = [depot("KRK", "Kraków", 1), depot("KAT", "Katowice", 1)]
    result = run(scenario(two_4h_tickets("Chrzanów"), depots=depots))
    first, second = only(result, "T1"), only(result, "T2")
    assert (first.depot, first.on_time) == ("KRK", True)
    assert (second.depot, second.on_time) == ("KAT", True)
    (katowice,) = [a for a in first.alternatives if (a.mode, a.depot) == ("dedicated", "KAT")]
    assert katowice.why_not.startswith("better on its own")  # never "later by" an earlier time


def test_a_ticket_that_will_be_late_anyway_does_not_take_the_unit_another_needs() -> None:
    """One unit, in Katowice. A 4 h ticket in Gdańsk cannot be on time from there; a later 4 h
    ticket in Wrocław can. The unit goes to Wrocław; Gdańsk waits for new stock, told why."""
    result = run(scenario(two_4h_tickets("Gdańsk"), depots=[depot("KAT", "Katowice", 1)]))
    assert (only(result, "T2").depot, only(result, "T2").on_time) == ("KAT", True)
    (left,) = result.unassigned
    assert left.ticket == "T1" and left.reason.endswith("went to tickets they keep on time")


def test_without_engineers_an_on_site_ticket_is_unassigned_with_the_reason() -> None:
    """No engineer at all (or none working ahead): SOS is unassigned, AHB still goes out."""
    result = run(
        scenario(
            [ticket("T1", "SOS", "24x7x4", "Tarnów"), ticket("T2", "AHB", "8x5xNBD", "Tarnów")],
            engineers=[],
        )
    )
    assert [(u.ticket, u.reason) for u in result.unassigned] == [("T1", "no engineer in the plan")]
    assert only(result, "T2").mode == "courier"


def test_an_empty_world_plans_nothing_without_failing() -> None:
    """No depots, engineers or tickets: an empty plan, not an error."""
    result = plan(scenario([], depots=[], engineers=[]), time_limit_s=1.0)  # the road model
    assert (result.assignments, result.unassigned) == ((), ())
