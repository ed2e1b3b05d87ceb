"""Planning, confirmation with stock reservation, overrides and stock conflicts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.planning import load_snapshot
from dispatch.store.db import transaction
from dispatch.store.keys import Role
from dispatch.world import WorldSnapshot
from tests.api.conftest import AHB_TICKET, SOS_TICKET, Harness, make_harness
from tests.support_db import Database


def test_plan_returns_recommendation_and_alternatives(api: Harness) -> None:
    """Warsaw site: the WAW unit with the Warsaw engineer first, Kraków as the alternative."""
    plan = api.planned(SOS_TICKET)
    assert plan["status"] == "proposed"
    best = plan["recommendation"]
    assert (best["rank"], best["depot_id"], best["engineer_id"]) == (0, "WAW", "E-WAW-1")
    assert best["mode"] == "engineer"
    assert [a["depot_id"] for a in plan["alternatives"]] == ["KRK"]
    assert plan["alternatives"][0]["slack_s"] < best["slack_s"]
    assert plan["reserved_units"] == []
    ticket = api.get(f"/v1/tickets/{plan['ticket_id']}").json()
    assert ticket["status"] == "planned"
    assert ticket["plan_id"] == plan["id"]
    assert api.get(f"/v1/plans/{plan['id']}").json() == plan


def test_planning_a_submitted_ticket_is_a_conflict(api: Harness) -> None:
    """Only accepted tickets are planned; the planner is not even asked."""
    ticket_id = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()["id"]
    reply = api.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER)
    assert reply.status_code == 409
    assert "is submitted" in reply.json()["detail"]
    assert api.planner.calls == 0


def test_confirm_reserves_the_unit_and_dispatches(api: Harness) -> None:
    """Confirm holds the WAW unit, the ticket is dispatched, the engineer's day shows the visit."""
    plan = api.planned(SOS_TICKET)
    reply = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    assert reply.status_code == 200
    assert reply.json()["status"] == "confirmed"
    assert reply.json()["reserved_units"] == ["U-WAW-X465-1"]
    levels = {(x["depot_id"], x["sku"]): x for x in api.get("/v1/depots/stock").json()}
    assert levels[("WAW", "X465-48P")] == {
        "depot_id": "WAW",
        "sku": "X465-48P",
        "on_hand": 1,
        "reserved": 1,
        "available": 0,
    }
    ticket = api.get(f"/v1/tickets/{plan['ticket_id']}").json()
    assert ticket["status"] == "dispatched"
    assert ticket["history"][-1]["kind"] == "confirmed"
    days = api.get("/v1/engineers/day-plans", day="2026-12-22", engineer_id="E-WAW-1").json()
    assert [v["ticket_id"] for v in days[0]["visits"]] == [plan["ticket_id"]]


def test_confirming_twice_changes_nothing(api: Harness) -> None:
    """A retried confirm returns the same confirmed plan and holds the same single unit."""
    plan = api.planned(SOS_TICKET)
    first = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).json()
    again = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    assert again.status_code == 200
    assert again.json() == first
    history = api.get(f"/v1/tickets/{plan['ticket_id']}").json()["history"]
    assert [e["kind"] for e in history].count("confirmed") == 1


def test_override_switches_to_the_alternative_and_gives_the_unit_back(api: Harness) -> None:
    """After confirming WAW, overriding to KRK releases WAW's unit and holds KRK's."""
    plan = api.planned(SOS_TICKET)
    api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    reply = api.post(
        f"/v1/plans/{plan['id']}/override",
        Role.DISPATCHER,
        {"rank": 1, "reason": "WAW van in the garage"},
    )
    assert reply.status_code == 200
    body = reply.json()
    assert (body["confirmed_rank"], body["reserved_units"]) == (1, ["U-KRK-X465-1"])
    assert body["override_reason"] == "WAW van in the garage"
    free = {(x["depot_id"], x["sku"]): x["available"] for x in api.get("/v1/depots/stock").json()}
    assert free[("WAW", "X465-48P")] == 1
    assert free[("KRK", "X465-48P")] == 0
    last = api.get(f"/v1/tickets/{plan['ticket_id']}").json()["history"][-1]
    assert (last["kind"], last["data"]["reason"]) == ("overridden", "WAW van in the garage")


def test_override_to_a_missing_rank_names_the_field(api: Harness) -> None:
    """Rank 7 of a two-option plan is a 422 on ``rank``."""
    plan = api.planned(SOS_TICKET)
    reply = api.post(
        f"/v1/plans/{plan['id']}/override", Role.DISPATCHER, {"rank": 7, "reason": "x"}
    )
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["rank"]
    assert "options 0..1" in reply.json()["detail"][0]["msg"]


def test_lost_stock_race_is_409_with_a_fresh_plan(api: Harness) -> None:
    """Two tickets planned on the WAW unit: the second confirm gets 409 and a KRK plan."""
    first = api.planned(SOS_TICKET)
    second = api.planned(SOS_TICKET)
    assert first["recommendation"]["depot_id"] == second["recommendation"]["depot_id"] == "WAW"
    assert api.post(f"/v1/plans/{first['id']}/confirm", Role.DISPATCHER).status_code == 200
    reply = api.post(f"/v1/plans/{second['id']}/confirm", Role.DISPATCHER)
    assert reply.status_code == 409
    body = reply.json()
    assert "depot WAW has 0 free unit(s) of X465-48P" in body["detail"]
    fresh = body["plan"]
    assert fresh["id"] != second["id"]
    assert fresh["recommendation"]["depot_id"] == "KRK"
    assert fresh["alternatives"] == []
    assert api.get(f"/v1/plans/{second['id']}").json()["status"] == "superseded"
    confirmed = api.post(f"/v1/plans/{fresh['id']}/confirm", Role.DISPATCHER)
    assert confirmed.json()["reserved_units"] == ["U-KRK-X465-1"]


def test_confirming_a_superseded_plan_is_a_conflict(api: Harness) -> None:
    """A re-plan supersedes the old proposal; confirming the old one is refused."""
    old = api.planned(AHB_TICKET)
    api.post(f"/v1/tickets/{old['ticket_id']}/plan", Role.DISPATCHER)
    reply = api.post(f"/v1/plans/{old['id']}/confirm", Role.DISPATCHER)
    assert reply.status_code == 409
    assert "superseded" in reply.json()["detail"]


def test_no_stock_anywhere_is_422_with_the_planner_reasons(api: Harness) -> None:
    """When no depot has the SKU, planning fails with the engine's reasons."""
    first = api.planned(SOS_TICKET)
    api.post(f"/v1/plans/{first['id']}/confirm", Role.DISPATCHER)
    second = api.planned(SOS_TICKET)
    api.post(f"/v1/plans/{second['id']}/confirm", Role.DISPATCHER)
    third = api.accepted(SOS_TICKET)
    reply = api.post(f"/v1/tickets/{third}/plan", Role.DISPATCHER)
    assert reply.status_code == 422
    body = reply.json()
    assert body["detail"] == "no feasible plan"
    assert body["reasons"] == ["no depot has a free X465-48P"]
    assert [o["kind"] for o in body["options_left"]] == ["order", "escalate"]


@pytest.fixture
def no_planner(sqlite_database: Database) -> Iterator[Harness]:
    """The app started without a planner."""
    for harness in make_harness(sqlite_database):
        harness.client.app.state.planner = None  # type: ignore[attr-defined]
        yield harness


def test_plan_without_a_configured_planner_is_503(no_planner: Harness) -> None:
    """A server started without the engine says so instead of failing obscurely."""
    reply = no_planner.post("/v1/tickets/1/plan", Role.DISPATCHER)
    assert reply.status_code == 503
    assert "DISPATCH_PLANNER" in reply.json()["detail"]


def test_replanning_a_dispatched_ticket_may_keep_its_own_unit(api: Harness) -> None:
    """The last WAW unit, held by the ticket, is still its nearest: the re-plan keeps it."""
    plan = api.planned(SOS_TICKET)
    api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    again = api.post(f"/v1/tickets/{plan['ticket_id']}/plan", Role.DISPATCHER)
    assert again.status_code == 200, again.text
    assert again.json()["recommendation"]["depot_id"] == "WAW"
    confirmed = api.post(f"/v1/plans/{again.json()['id']}/confirm", Role.DISPATCHER).json()
    assert confirmed["reserved_units"] == ["U-WAW-X465-1"]
    free = {(x["depot_id"], x["sku"]): x["available"] for x in api.get("/v1/depots/stock").json()}
    assert free[("WAW", "X465-48P")] == 0


def test_the_world_of_a_replanned_ticket_frees_its_unit_and_its_engineer(api: Harness) -> None:
    """Others see the held unit and the visit; the ticket itself sees neither."""
    plan = api.planned(SOS_TICKET)
    api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    with transaction(api.db.factory) as session:
        others = load_snapshot(session, api.clock())
        own = load_snapshot(session, api.clock(), for_ticket=plan["ticket_id"])

    def view(world: WorldSnapshot) -> tuple[int, int]:
        waw = next(d for d in world.depots if d.id == "WAW")
        engineer = next(e for e in world.engineers if e.id == "E-WAW-1")
        return waw.stock.get("X465-48P", 0), sum(s.kind == "visit" for s in engineer.route)

    assert view(others) == (0, 1)
    assert view(own) == (1, 0)


@pytest.mark.parametrize("reason", ["", "   ", "\t\n", "x\x00y"])
def test_override_reason_must_say_something(api: Harness, reason: str) -> None:
    """A blank reason (or one with NUL) is no reason: 422 on ``reason``, nothing confirmed."""
    plan = api.planned(SOS_TICKET)
    reply = api.post(
        f"/v1/plans/{plan['id']}/override", Role.DISPATCHER, {"rank": 1, "reason": reason}
    )
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["body", "reason"]
    assert api.get(f"/v1/plans/{plan['id']}").json()["status"] == "proposed"


def test_override_reason_is_stored_without_surrounding_whitespace(api: Harness) -> None:
    plan = api.planned(SOS_TICKET)
    body = {"rank": 1, "reason": "  WAW van in the garage \n"}
    reply = api.post(f"/v1/plans/{plan['id']}/override", Role.DISPATCHER, body)
    assert reply.json()["override_reason"] == "WAW van in the garage"


@pytest.mark.parametrize("rank", ["1", True, 1.0, None])
def test_override_rank_must_be_a_json_integer(api: Harness, rank: object) -> None:
    """No lax coercion: "1", true and 1.0 are refused rather than read as option 1."""
    plan = api.planned(SOS_TICKET)
    reply = api.post(
        f"/v1/plans/{plan['id']}/override", Role.DISPATCHER, {"rank": rank, "reason": "x"}
    )
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["body", "rank"]


def test_overriding_again_with_a_new_reason_records_it_and_keeps_the_unit(api: Harness) -> None:
    """The dispatcher's latest reason is kept and logged; the same unit stays held."""
    plan = api.planned(SOS_TICKET)
    url = f"/v1/plans/{plan['id']}/override"
    first = api.post(url, Role.DISPATCHER, {"rank": 1, "reason": "x"}).json()
    again = api.post(url, Role.DISPATCHER, {"rank": 1, "reason": "WAW van in the garage"})
    assert again.status_code == 200
    body = again.json()
    assert body["override_reason"] == "WAW van in the garage"
    assert body["reserved_units"] == first["reserved_units"] == ["U-KRK-X465-1"]
    free = {(x["depot_id"], x["sku"]): x["available"] for x in api.get("/v1/depots/stock").json()}
    assert (free[("WAW", "X465-48P")], free[("KRK", "X465-48P")]) == (1, 0)
    history = api.get(f"/v1/tickets/{plan['ticket_id']}").json()["history"]
    overrides = [e["data"]["reason"] for e in history if e["kind"] == "overridden"]
    assert overrides == ["x", "WAW van in the garage"]
    retry = api.post(url, Role.DISPATCHER, {"rank": 1, "reason": "WAW van in the garage"})
    assert retry.json() == body  # a retry with the same reason changes nothing
    history = api.get(f"/v1/tickets/{plan['ticket_id']}").json()["history"]
    assert [e["kind"] for e in history].count("overridden") == 2
    days = api.get("/v1/engineers/day-plans", day="2026-12-22", engineer_id="E-WAW-1").json()
    assert [v["ticket_id"] for v in days[0]["visits"]] == [plan["ticket_id"]]
