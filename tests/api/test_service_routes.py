"""The service plans with the real engine into booked routes and books exactly its legs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.engine_planner import EnginePlanner
from dispatch.store.keys import Role
from solver.travel.osrm import OsrmTravel
from solver.travel.road import RoadTravel
from tests.api.conftest import SOS_TICKET, Harness, demo_copy

DAY = "2026-12-22"


def comparable(leg: dict[str, Any]) -> tuple[Any, ...]:
    """What a leg says, whatever the reader (plan option or booked day)."""
    return (
        leg["vehicle"], leg["kind"], leg["ticket_id"],
        (leg["origin"]["lat"], leg["origin"]["lon"]),
        (leg["destination"]["lat"], leg["destination"]["lon"]),
        leg["depart_at"], leg["arrive_at"], leg["start_at"], leg["finish_at"],
        leg["drive_s"], leg["distance_m"],
    )  # fmt: skip


def confirm(api: Harness, plan: dict[str, Any]) -> dict[str, Any]:
    reply = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    assert reply.status_code == 200, reply.text
    confirmed: dict[str, Any] = reply.json()
    return confirmed


def test_a_confirmed_plans_legs_are_what_the_day_plans_return(engine_api: Harness) -> None:
    """The recommendation's legs, confirmed, come back from the day plans unchanged: the
    engineer's pickup, visit and drive home, none under way yet."""
    plan = engine_api.planned(SOS_TICKET)
    best = plan["recommendation"]
    assert best["mode"] == "engineer" and best["legs"]
    confirm(engine_api, plan)
    (day,) = engine_api.get(
        "/v1/engineers/day-plans", day=DAY, engineer_id=best["engineer_id"]
    ).json()
    assert [comparable(leg) for leg in day["legs"]] == [comparable(leg) for leg in best["legs"]]
    assert [leg["kind"] for leg in day["legs"]][-1] == "return"
    assert not any(leg["under_way"] for leg in day["legs"])
    (visit,) = day["visits"]
    assert visit["arrival_at"] == best["arrival_at"]


def test_the_second_visit_is_reached_from_the_first_after_it_ends(engine_api: Harness) -> None:
    """Two 4 h tickets at one Warsaw site: whoever takes the second, if it is the engineer
    booked for the first, they leave the first site when that work ends, never before."""
    first = engine_api.planned(SOS_TICKET)
    confirm(engine_api, first)
    booked = next(
        leg for leg in first["recommendation"]["legs"]
        if leg["kind"] == "visit" and leg["ticket_id"] == first["ticket_id"]
    )  # fmt: skip
    second = engine_api.planned(SOS_TICKET)
    for option in [second["recommendation"], *second["alternatives"]]:
        if option["engineer_id"] != first["recommendation"]["engineer_id"]:
            continue
        legs = [leg for leg in option["legs"] if leg["vehicle"] == option["engineer_id"]]
        work = [leg for leg in legs if leg["kind"] != "return"]
        for before, after in itertools.pairwise(work):
            assert after["depart_at"] >= before["finish_at"]
            assert after["origin"] == before["destination"]
        mine = [leg for leg in work if leg["ticket_id"] == second["ticket_id"]]
        if any(leg["ticket_id"] == first["ticket_id"] for leg in work):
            assert min(leg["depart_at"] for leg in mine) >= booked["finish_at"]


def test_an_under_way_visit_stays_booked_when_new_work_joins_the_route(
    engine_api: Harness,
) -> None:
    """Once the engineer has left for the first visit, a second confirm into the same day
    keeps the first visit's leg as it was; only what had not started is re-timed."""
    first = engine_api.planned(SOS_TICKET)
    confirm(engine_api, first)
    engineer = first["recommendation"]["engineer_id"]
    (day,) = engine_api.get("/v1/engineers/day-plans", day=DAY, engineer_id=engineer).json()
    started = day["legs"][0]
    engine_api.clock.now = datetime.fromisoformat(started["depart_at"]) + timedelta(minutes=1)
    second = engine_api.planned(SOS_TICKET)
    confirm(engine_api, second)
    (after,) = engine_api.get("/v1/engineers/day-plans", day=DAY, engineer_id=engineer).json()
    kept = [leg for leg in after["legs"] if leg["under_way"]]
    assert comparable(started) in [comparable(leg) for leg in kept]
    visits = [leg for leg in after["legs"] if leg["kind"] == "visit"]
    assert {leg["ticket_id"] for leg in visits} >= {first["ticket_id"]}
    work = [leg for leg in after["legs"] if leg["kind"] != "return"]
    for before, nxt in itertools.pairwise(work):
        assert nxt["depart_at"] >= before["finish_at"]


@pytest.fixture
def osrm_api(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, osrm_trunk: Path
) -> Iterator[Harness]:
    """As ``engine_api``, the engine travelling on OSRM (the trunk-network dataset)."""
    travel = OsrmTravel(osrm_trunk, RoadTravel.default())
    yield from demo_copy(tmp_path, tmp_path_factory, EnginePlanner(travel))


def test_on_osrm_the_booked_legs_carry_the_roads_they_drive(osrm_api: Harness) -> None:
    """Every engineer leg of the recommendation has a road shape from its origin to its
    destination; confirmed, the day's legs keep exactly those shapes."""
    plan = osrm_api.planned(SOS_TICKET)
    best = plan["recommendation"]
    drives = [leg for leg in best["legs"] if leg["origin"] != leg["destination"]]
    assert drives and all(leg["shape"] for leg in drives)
    confirm(osrm_api, plan)
    (day,) = osrm_api.get(
        "/v1/engineers/day-plans", day=DAY, engineer_id=best["engineer_id"]
    ).json()
    assert [leg["shape"] for leg in day["legs"]] == [leg["shape"] for leg in best["legs"]]
    booked = osrm_api.get("/v1/legs", day=DAY, vehicle=best["engineer_id"]).json()
    assert {leg["shape"] for leg in booked} == {leg["shape"] for leg in best["legs"]}


def test_24x7_work_run_on_into_on_call_time_is_booked_once_and_drivable(
    engine_api: Harness,
) -> None:
    """An on-call engineer late in the shift: 24x7 visits start in the shift and run on into
    the on-call time after it (docs/rules.md §5). Each further confirm re-times the whole
    run-on route, so every ticket keeps one visit, and the day plans' legs follow one
    another: each leaves where the one before ended, after its work is done."""
    api = engine_api
    rows = [{"engineer_id": "E-WAW-1", "start_at": "2026-12-24T08:00", "end_at":
             "2026-12-24T18:00", "on_call": True}]  # fmt: skip
    assert api.post("/v1/import/shifts", Role.ADMIN, rows).status_code == 200
    units = [{"unit_id": f"U-WAW-X465-{n}", "depot_id": "WAW", "sku": "X465-48P",
              "kind": "spare"} for n in (2, 3)]  # fmt: skip
    assert api.post("/v1/import/stock", Role.ADMIN, units).status_code == 200
    api.clock.now = datetime.fromisoformat(f"{DAY}T16:45:00+01:00")
    tickets = []
    for _ in range(3):
        plan = api.planned(SOS_TICKET)
        assert plan["recommendation"]["engineer_id"] == "E-WAW-1"
        confirm(api, plan)
        tickets.append(plan["ticket_id"])
    (day,) = api.get("/v1/engineers/day-plans", day=DAY, engineer_id="E-WAW-1").json()
    visits = [leg for leg in day["legs"] if leg["kind"] == "visit"]
    assert sorted(leg["ticket_id"] for leg in visits) == sorted(tickets)
    shift_end = f"{DAY}T18:00:00+01:00"
    assert any(leg["start_at"] < shift_end < leg["finish_at"] for leg in visits)
    assert any(leg["start_at"] > shift_end for leg in visits)
    work = [leg for leg in day["legs"] if leg["kind"] != "return"]
    for before, after in itertools.pairwise(day["legs"]):
        assert after["depart_at"] >= before["finish_at"]
        assert after["origin"] == before["destination"]
    assert work[-1]["finish_at"] <= day["legs"][-1]["depart_at"]
