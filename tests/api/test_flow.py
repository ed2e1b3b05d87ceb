"""A ticket from submission to closed: statuses, delivery and the RMA return."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.store.keys import Role
from tests.api.conftest import AHB_TICKET, Harness


def dispatched(api: Harness) -> int:
    plan = api.planned(AHB_TICKET)
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    ticket_id: int = plan["ticket_id"]
    return ticket_id


def test_ticket_goes_through_to_closed(api: Harness) -> None:
    """delivered -> resolved -> closed; the history lists every step in order."""
    ticket_id = dispatched(api)
    for status in ("delivered", "resolved", "closed"):
        reply = api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, {"status": status})
        assert reply.status_code == 200, reply.text
    body = api.get(f"/v1/tickets/{ticket_id}").json()
    assert body["status"] == "closed"
    assert [e["kind"] for e in body["history"]] == [
        "submitted",
        "accepted",
        "planned",
        "confirmed",
        "delivered",
        "resolved",
        "closed",
    ]
    assert body["time_left_s"] is None


def test_delivery_issues_the_unit_and_opens_the_rma_due_in_7_days(api: Harness) -> None:
    """The reserved unit leaves stock; the failed unit is owed back 7 days after delivery."""
    ticket_id = dispatched(api)
    api.clock.advance(timedelta(hours=2))
    reply = api.post(
        f"/v1/tickets/{ticket_id}/status",
        Role.TICKETING,
        {"status": "delivered", "at": "2026-12-22T11:45"},
    )
    rma = reply.json()["rma"]
    assert rma["due_at"] == "2026-12-29T11:45:00+01:00"
    assert rma["overdue"] is False
    levels = {(x["depot_id"], x["sku"]): x for x in api.get("/v1/depots/stock").json()}
    assert ("KRK", "AP5010") not in levels  # the only KRK AP5010 unit was issued


def test_late_rma_is_flagged_overdue_and_receipt_records_it(api: Harness) -> None:
    """Rule 8: not back after 7 days is overdue; a late receipt stays flagged as late."""
    ticket_id = dispatched(api)
    api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, {"status": "delivered"})
    api.clock.advance(timedelta(days=7, seconds=1))
    assert api.get(f"/v1/tickets/{ticket_id}").json()["rma"]["overdue"] is True
    reply = api.post(f"/v1/tickets/{ticket_id}/rma", Role.TICKETING, {"waybill": "DPD-1"})
    body = reply.json()
    assert body["rma"]["waybill"] == "DPD-1"
    assert body["rma"]["overdue"] is True
    assert body["history"][-1]["data"]["late"] is True
    again = api.post(f"/v1/tickets/{ticket_id}/rma", Role.TICKETING, {})
    assert again.status_code == 409


def test_delivery_before_acceptance_is_refused_naming_the_field(api: Harness) -> None:
    """A delivery dated before the ticket was accepted would count as on time: 422 on ``at``."""
    ticket_id = dispatched(api)  # accepted at 10:00
    reply = api.post(
        f"/v1/tickets/{ticket_id}/status",
        Role.TICKETING,
        {"status": "delivered", "at": "2026-12-22T09:59"},
    )
    assert reply.status_code == 422
    [problem] = reply.json()["detail"]
    assert problem["loc"] == ["at"]
    assert problem["msg"] == (
        "must not be before the ticket's accepted_at (2026-12-22T10:00:00+01:00)"
    )
    body = api.get(f"/v1/tickets/{ticket_id}").json()
    assert (body["status"], body["delivered_at"], body["rma"]) == ("dispatched", None, None)


def delivered_at_noon(api: Harness) -> int:
    """A dispatched ticket reported delivered at 12:00 on the harness's day; its id."""
    ticket_id = dispatched(api)
    api.clock.advance(timedelta(hours=3))
    delivered = {"status": "delivered", "at": "2026-12-22T12:00"}
    assert api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, delivered).is_success
    return ticket_id


def test_resolution_before_delivery_is_refused(api: Harness) -> None:
    """Each reported state follows the ones recorded: resolved no earlier than delivered."""
    ticket_id = delivered_at_noon(api)
    early = {"status": "resolved", "at": "2026-12-22T11:00"}
    reply = api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, early)
    assert reply.status_code == 422
    assert "delivered_at (2026-12-22T12:00:00+01:00)" in reply.json()["detail"][0]["msg"]
    same = {"status": "resolved", "at": "2026-12-22T12:00"}
    assert api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, same).is_success


def test_rma_received_before_delivery_is_refused(api: Harness) -> None:
    """A receipt dated before the delivery would hide an overdue return: 422 on received_at."""
    ticket_id = delivered_at_noon(api)
    early = {"waybill": "DPD-9", "received_at": "2026-12-22T11:59"}
    reply = api.post(f"/v1/tickets/{ticket_id}/rma", Role.TICKETING, early)
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["received_at"]
    assert "delivered_at" in reply.json()["detail"][0]["msg"]
    assert api.get(f"/v1/tickets/{ticket_id}").json()["rma"]["received_at"] is None


@pytest.mark.parametrize("waybill", ["", "   ", "DPD\x00-1"])
def test_rma_waybill_must_say_something(api: Harness, waybill: str) -> None:
    """An empty or blank waybill (or one with NUL) is refused; omit the field instead."""
    ticket_id = dispatched(api)
    api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, {"status": "delivered"})
    reply = api.post(f"/v1/tickets/{ticket_id}/rma", Role.TICKETING, {"waybill": waybill})
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["body", "waybill"]
    assert api.get(f"/v1/tickets/{ticket_id}").json()["rma"]["received_at"] is None


def test_rma_before_delivery_is_a_conflict(api: Harness) -> None:
    """Nothing is owed until the replacement is delivered."""
    ticket_id = dispatched(api)
    reply = api.post(f"/v1/tickets/{ticket_id}/rma", Role.TICKETING, {})
    assert reply.status_code == 409
    assert "nothing was delivered yet" in reply.json()["detail"]


def test_status_update_out_of_order_is_a_conflict(api: Harness) -> None:
    """A dispatched ticket cannot be closed before delivery and resolution."""
    ticket_id = dispatched(api)
    reply = api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, {"status": "closed"})
    assert reply.status_code == 409
    assert "allowed next: delivered, dispatched, escalated" in reply.json()["detail"]


def test_escalated_ticket_can_be_replanned_and_dispatched(api: Harness) -> None:
    """Rule 9: escalation is a state from which planning resumes."""
    ticket_id = dispatched(api)
    api.post(f"/v1/tickets/{ticket_id}/status", Role.DISPATCHER, {"status": "escalated"})
    plan = api.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER).json()
    reply = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    assert reply.json()["status"] == "confirmed"
    assert api.get(f"/v1/tickets/{ticket_id}").json()["status"] == "dispatched"


def test_replanning_an_escalated_dispatched_ticket_keeps_it_dispatched(api: Harness) -> None:
    """Issue 18, finding 9: the confirmed plan and its unit still hold after a re-plan, so the
    ticket is dispatched (not "planned" while holding a unit) and can be reported delivered."""
    ticket_id = dispatched(api)
    api.post(f"/v1/tickets/{ticket_id}/status", Role.DISPATCHER, {"status": "escalated"})
    assert api.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER).status_code == 200
    body = api.get(f"/v1/tickets/{ticket_id}").json()
    assert body["status"] == "dispatched"
    assert [e["status"] for e in body["history"][-2:]] == ["escalated", "dispatched"]
    reply = api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, {"status": "delivered"})
    assert reply.status_code == 200, reply.text


def test_replanning_an_escalated_undispatched_ticket_makes_it_planned(api: Harness) -> None:
    """Without a confirmed plan, an escalated ticket's new plan is a proposal: planned."""
    plan = api.planned(AHB_TICKET)
    ticket_id = plan["ticket_id"]
    api.post(f"/v1/tickets/{ticket_id}/status", Role.DISPATCHER, {"status": "escalated"})
    assert api.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER).status_code == 200
    assert api.get(f"/v1/tickets/{ticket_id}").json()["status"] == "planned"
