"""Moving a visit to a time of day (``at``): checked by the engine, a real earliest start, and
a bad time refused naming ``at``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatch.store.keys import Role
from tests.api.conftest import AHB_TICKET, SOS_TICKET, Harness
from tests.api.console.test_console_api import confirmed, engineer_day

DAY = "2026-12-22"  # the harness's today (a Tuesday, now 10:00); shifts 08:00-18:00


def move(api: Harness, ticket: int, body: dict[str, Any]) -> Any:
    return api.post(f"/console/api/tickets/{ticket}/move", Role.DISPATCHER, body)


def test_a_visit_moved_to_a_time_starts_then_and_holds_nothing_until_confirmed(
    engine_api: Harness,
) -> None:
    """The 4 h SOS visit (due 14:00) asked of E-WAW-1 from 13:15: the proposal arrives at 13:15
    exactly (45 min to spare), reserves nothing, and once confirmed the engineer's day has the
    visit at 13:15."""
    api = engine_api
    plan = confirmed(api, SOS_TICKET)
    ticket = plan["ticket_id"]
    assert plan["recommendation"]["arrival_at"] < f"{DAY}T13:15"
    reply = move(api, ticket, {"engineer_id": "E-WAW-1", "at": "13:15"})
    assert reply.status_code == 200, reply.text
    moved = reply.json()
    option = moved["recommendation"]
    assert option["engineer_id"] == "E-WAW-1" and moved["reserved_units"] == []
    assert datetime.fromisoformat(option["arrival_at"]) == datetime.fromisoformat(
        f"{DAY}T13:15+01:00"
    )
    assert option["slack_s"] == 45 * 60
    assert api.post(f"/v1/plans/{moved['id']}/confirm", Role.DISPATCHER).status_code == 200
    visit = next(s for s in engineer_day(api, "E-WAW-1")["segments"] if s["kind"] == "visit")
    assert (visit["ticket_id"], visit["start"]) == (ticket, option["arrival_at"])


def test_a_time_after_the_deadline_is_kept_and_the_proposal_is_late(engine_api: Harness) -> None:
    """From 15:30 (the deadline is 14:00) with any engineer: the engine keeps the time (the
    visit starts then, or minutes later when the drive runs into rush hour) and the proposal
    says the ticket will be late by 1 h 30 or more."""
    plan = confirmed(engine_api, SOS_TICKET)
    reply = move(engine_api, plan["ticket_id"], {"at": f"{DAY}T15:30"})
    assert reply.status_code == 200, reply.text
    option = reply.json()["recommendation"]
    arrival = datetime.fromisoformat(option["arrival_at"])
    assert datetime.fromisoformat(f"{DAY}T15:30+01:00") <= arrival  # (rush-hour drives: a
    assert arrival < datetime.fromisoformat(f"{DAY}T15:45+01:00")  # few minutes after)
    assert option["slack_s"] <= -90 * 60 and "late" in option["reason"]


def test_a_bad_time_is_refused_naming_at_and_the_reason(engine_api: Harness) -> None:
    api = engine_api
    plan = confirmed(api, SOS_TICKET)
    ticket = plan["ticket_id"]

    def refused(body: dict[str, Any]) -> str:
        reply = move(api, ticket, body)
        assert reply.status_code == 422, reply.text
        (problem,) = reply.json()["detail"]
        assert problem["loc"][-1] == "at", problem
        return str(problem["msg"])

    assert "in the past" in refused({"engineer_id": "E-WAW-1", "at": "09:30"})
    assert "outside engineer E-WAW-1's shifts (shifts that day: 08:00-18:00)" in refused(
        {"engineer_id": "E-WAW-1", "at": "19:00"}
    )
    assert "no shift that day" in refused({"engineer_id": "E-WAW-1", "at": "2026-12-24T10:00"})
    assert "ISO 8601" in refused({"engineer_id": "E-WAW-1", "at": "half past one"})
    assert "outside every engineer's shifts" in refused({"at": "2026-12-25T10:00"})
    delivery = api.planned(AHB_TICKET)["ticket_id"]
    reply = move(api, delivery, {"at": "13:00"})
    assert reply.status_code == 422 and "no visit to time" in reply.text
    nothing = move(api, ticket, {})
    assert nothing.status_code == 422 and "engineer_id, at or both" in nothing.text
    tomorrow = move(api, ticket, {"engineer_id": "E-WAW-1", "at": "17:45"})
    assert tomorrow.status_code == 200, tomorrow.text  # no room left today: her next shift
    option = tomorrow.json()["recommendation"]
    assert option["arrival_at"].startswith("2026-12-23T08:") and option["slack_s"] < 0
