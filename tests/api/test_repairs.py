"""What breaks a booked ticket is re-planned into a repair proposal automatically: an engineer
marked unavailable, a failed visit; each ticket it changes hears of it."""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatch.store.db import transaction
from dispatch.store.keys import Role, create_key
from tests.api.conftest import SOS_TICKET, START, Harness


def booked(api: Harness) -> tuple[int, str]:
    plan = api.planned(SOS_TICKET)
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    api.clock.advance(timedelta(minutes=-1))  # the stand-in's legs leave now: not started yet
    return plan["ticket_id"], plan["recommendation"]["engineer_id"]


def test_an_engineer_off_sick_gets_their_visits_proposed_to_others(api: Harness) -> None:
    ticket, engineer = booked(api)
    reply = api.post(f"/v1/engineers/{engineer}/unavailable", Role.DISPATCHER, {"reason": "sick"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["shifts_cut"] >= 1
    proposal = body["proposal"]
    assert proposal["kind"] == "repair" and "sick" in proposal["trigger"]
    (change,) = proposal["changes"]
    assert change["ticket_id"] == ticket and change["before"]["engineer_id"] == engineer
    assert change["after"] is None or change["after"]["engineer_id"] != engineer
    history = api.get(f"/v1/tickets/{ticket}").json()["history"]
    assert history[-1]["kind"] == "repair_proposed"
    assert history[-1]["data"]["proposal_id"] == proposal["id"]
    missing = api.post("/v1/engineers/E-NONE/unavailable", Role.DISPATCHER, {"reason": "x"})
    assert missing.status_code == 404


def test_a_failed_visit_is_repaired_into_a_proposal(api: Harness) -> None:
    ticket, engineer = booked(api)
    visit = next(
        leg for leg in api.get("/v1/legs", day="2026-12-22", vehicle=engineer).json()
        if leg["kind"] == "visit"
    )  # fmt: skip
    with transaction(api.db.factory) as session:
        key = create_key(session=session, role=Role.FIELD, client=engineer, now=START)
    api.clock.now = START + timedelta(hours=3)
    body = {"event_id": "f1", "vehicle": engineer, "ticket_id": ticket, "kind": "failed",
            "at": visit["finish_at"], "reason": "site_closed"}  # fmt: skip
    reply = api.client.post("/v1/field/events", json=body, headers={"X-API-Key": key})
    assert reply.status_code == 200, reply.text
    assert reply.json()["repair_for"] == [ticket]
    (proposal,) = api.get("/v1/proposals").json()  # made once the answer was sent
    assert proposal["kind"] == "repair" and "site_closed" in proposal["trigger"]
    assert [c["ticket_id"] for c in proposal["changes"]] == [ticket]


def test_a_report_that_makes_a_ticket_late_sends_at_risk_and_proposes_a_repair(
    api: Harness,
) -> None:
    """Departing so late that the visit misses its deadline: eta_changed and at_risk reach
    the ticketing system, and the ticket is re-planned into a repair proposal."""
    ticket, engineer = booked(api)
    deadline = api.get(f"/v1/tickets/{ticket}").json()["deadline"]
    with transaction(api.db.factory) as session:
        key = create_key(session=session, role=Role.FIELD, client=engineer, now=START)
    late = datetime.fromisoformat(deadline) + timedelta(minutes=30)
    api.clock.now = late
    body = {"event_id": "late", "vehicle": engineer, "ticket_id": ticket, "kind": "departed",
            "at": late.isoformat()}  # fmt: skip
    reply = api.client.post("/v1/field/events", json=body, headers={"X-API-Key": key})
    assert reply.status_code == 200, reply.text
    (change,) = [c for c in reply.json()["eta_changes"] if c["ticket_id"] == ticket]
    assert change["newly_late"] and not change["on_time"]
    assert reply.json()["repair_for"] == [ticket]
    kinds = [e["kind"] for e in api.get(f"/v1/tickets/{ticket}").json()["history"]]
    assert {"eta_changed", "at_risk", "repair_proposed"} <= set(kinds)


def test_a_repair_taking_visits_off_a_cut_day_shows_less_overtime_after(api: Harness) -> None:
    """The engineer's shifts are cut from now, so the visit booked on them is overtime as
    booked; the repair moves it to another engineer's shift (or leaves it unserved), so the
    proposal shows less overtime after, per engineer and in total."""
    ticket, engineer = booked(api)
    reply = api.post(f"/v1/engineers/{engineer}/unavailable", Role.DISPATCHER, {"reason": "sick"})
    proposal = reply.json()["proposal"]
    (change,) = proposal["changes"]
    assert change["ticket_id"] == ticket
    mine = next(o for o in proposal["overtime"] if o["engineer_id"] == engineer)
    assert mine["before_s"] > 0 and mine["after_s"] == 0
    assert proposal["before"]["overtime_s"] >= mine["before_s"]
    assert proposal["after"]["overtime_s"] < proposal["before"]["overtime_s"]
    assert api.get(f"/v1/proposals/{proposal['id']}").json()["overtime"] == proposal["overtime"]
