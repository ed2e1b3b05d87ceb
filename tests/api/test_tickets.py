"""Ticket intake, acceptance and reads through the REST API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.store.keys import Role
from tests.api.conftest import AHB_TICKET, SOS_TICKET, Harness


def test_submit_returns_the_submitted_ticket_with_reaction_due(api: Harness) -> None:
    """A covered serial creates a submitted ticket; reaction is due 1 h later (24x7 tier)."""
    reply = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET)
    assert reply.status_code == 201
    body = reply.json()
    assert body["status"] == "submitted"
    assert body["tier"] == "24x7x4"
    assert body["product"] == "SOS"
    assert body["sku"] == "X465-48P"
    assert body["reaction_due"] == "2026-12-22T11:00:00+01:00"
    assert body["deadline"] is None
    assert [e["kind"] for e in body["history"]] == ["submitted"]


def test_retry_with_same_idempotency_key_returns_the_same_ticket(api: Harness) -> None:
    """A retried request returns the first ticket (200, replay header), never a second one."""
    first = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET, **{"Idempotency-Key": "abc-1"})
    again = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    queue = api.get("/v1/tickets", status="submitted").json()
    assert [t["id"] for t in queue] == [first.json()["id"]]


def test_retry_later_without_submitted_at_is_still_a_replay(api: Harness) -> None:
    """The default submission time is not part of the request: a retry a minute on replays."""
    first = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET, **{"Idempotency-Key": "r"})
    api.clock.advance(timedelta(minutes=1))
    again = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET, **{"Idempotency-Key": "r"})
    assert again.status_code == 200
    assert (
        again.json()["submitted_at"] == first.json()["submitted_at"] == "2026-12-22T10:00:00+01:00"
    )


def test_submission_in_the_future_is_refused(api: Harness) -> None:
    """A report cannot be dated after now."""
    reply = api.post(
        "/v1/tickets", Role.TICKETING, {**SOS_TICKET, "submitted_at": "2026-12-22T11:00"}
    )
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["submitted_at"]


def test_same_idempotency_key_with_other_body_is_a_conflict(api: Harness) -> None:
    """Reusing a key for a different ticket is refused with 409, naming the first ticket."""
    api.post("/v1/tickets", Role.TICKETING, SOS_TICKET, **{"Idempotency-Key": "k"})
    reply = api.post("/v1/tickets", Role.TICKETING, AHB_TICKET, **{"Idempotency-Key": "k"})
    assert reply.status_code == 409
    assert "different request" in reply.json()["detail"]


def test_idempotency_keys_are_per_client(api: Harness) -> None:
    """Two clients may use the same key text for their own tickets."""
    one = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET, **{"Idempotency-Key": "k"})
    two = api.post("/v1/tickets", Role.ADMIN, SOS_TICKET, **{"Idempotency-Key": "k"})
    assert two.status_code == 201
    assert two.json()["id"] != one.json()["id"]


@pytest.mark.parametrize(
    ("override", "field", "reason"),
    [
        # serial that exists but on another contract
        ({"serial": "SN-AP-0002"}, "serial", "not covered by contract C-2026-001"),
        # serial nobody knows
        ({"serial": "SN-NOPE"}, "serial", "not covered"),
        # contract nobody knows
        ({"contract_number": "C-404"}, "contract_number", "no contract"),
        # contract ended 2025-12-31
        (
            {"contract_number": "C-2025-009", "serial": "SN-AP-0003"},
            "contract_number",
            "expired on 2025-12-31",
        ),
        # SOS contract asked for AHB
        ({"product": "AHB"}, "product", "covers SOS, not AHB"),
        # submission before the contract's validity
        ({"submitted_at": "2025-06-01T10:00"}, "contract_number", "valid from 2026-01-01"),
        # malformed instant: the SLA time parser names the field
        ({"submitted_at": "yesterday"}, "submitted_at", "ISO 8601"),
        # a local time the spring DST change skips
        ({"submitted_at": "2026-03-29T02:30"}, "submitted_at", "does not exist"),
        # unknown field
        ({"priority": "high"}, "priority", "Extra inputs"),
    ],
)
def test_uncovered_tickets_are_refused_with_the_field_and_reason(
    api: Harness, override: dict[str, str], field: str, reason: str
) -> None:
    """Rule 7 and input checks: 422 whose detail names the field and says why; nothing stored."""
    reply = api.post("/v1/tickets", Role.TICKETING, {**SOS_TICKET, **override})
    assert reply.status_code == 422, reply.text
    detail = reply.json()["detail"]
    assert any(field in d["loc"] and reason in d["msg"] for d in detail), detail
    assert api.get("/v1/tickets", status="submitted").json() == []


def test_accept_starts_the_clock_and_sets_the_deadline(api: Harness) -> None:
    """8x5xNBD accepted Tue 10:00 is due Wed 17:00; time left counts from the frozen now."""
    ticket = api.post("/v1/tickets", Role.TICKETING, AHB_TICKET).json()
    api.clock.advance(timedelta(minutes=30))
    reply = api.post(f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {})
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "accepted"
    assert body["clock_start"] == "2026-12-22T10:30:00+01:00"
    assert body["deadline"] == "2026-12-23T17:00:00+01:00"
    assert body["time_left_s"] == (24 + 6) * 3600 + 30 * 60
    assert body["at_risk"] is False


def test_accept_after_hours_starts_the_8x5_clock_at_next_opening(api: Harness) -> None:
    """Accepted Wed 23 Dec 18:30: clock starts Mon 28 Dec 09:00 (24-26 Dec are holidays)."""
    api.clock.advance(timedelta(days=1, hours=9))  # Wed 2026-12-23 19:00
    late = {**AHB_TICKET, "submitted_at": "2026-12-23T18:00"}
    ticket = api.post("/v1/tickets", Role.TICKETING, late).json()
    reply = api.post(
        f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {"accepted_at": "2026-12-23T18:30"}
    )
    assert reply.json()["clock_start"] == "2026-12-28T09:00:00+01:00"
    assert reply.json()["deadline"] == "2026-12-29T17:00:00+01:00"


def test_time_left_turns_negative_and_flags_risk_after_the_deadline(api: Harness) -> None:
    """Rule 9: under an hour left (or missed) marks the ticket at risk."""
    ticket = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    api.post(f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {})
    api.clock.advance(timedelta(hours=4, minutes=5))
    body = api.get(f"/v1/tickets/{ticket['id']}").json()
    assert body["time_left_s"] == -300
    assert body["at_risk"] is True


def test_accepting_twice_is_a_conflict(api: Harness) -> None:
    """The lifecycle refuses accepting an accepted ticket, naming the allowed next states."""
    ticket = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    api.post(f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {})
    reply = api.post(f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {})
    assert reply.status_code == 409
    assert "accepted; it cannot become accepted" in reply.json()["detail"]


def test_accepted_at_in_the_future_is_refused(api: Harness) -> None:
    """Acceptance cannot be dated after now."""
    ticket = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    reply = api.post(
        f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {"accepted_at": "2026-12-22T12:00"}
    )
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["accepted_at"]


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59-01:00", "0001-01-01T00:00+05:00", "1999-12-31T22:00"]
)
def test_instants_outside_the_calendar_years_are_refused_naming_the_field(
    api: Harness, moment: str
) -> None:
    ticket = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    reply = api.post(f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {"accepted_at": moment})
    assert reply.status_code == 422, reply.text
    assert reply.json()["detail"][0]["loc"] == ["body", "accepted_at"]  # a schema check
    assert "supported years" in reply.json()["detail"][0]["msg"]


def test_refused_ticket_is_final_and_keeps_the_reason(api: Harness) -> None:
    """Verification failure ends the ticket; the reason is in its history."""
    ticket = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    reply = api.post(
        f"/v1/tickets/{ticket['id']}/refuse", Role.TICKETING, {"reason": "no fault found"}
    )
    assert reply.json()["status"] == "refused"
    assert reply.json()["history"][-1]["data"] == {"reason": "no fault found"}
    again = api.post(f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {})
    assert again.status_code == 409
    assert "final state" in again.json()["detail"]


def test_unknown_ticket_is_404_with_a_json_body(api: Harness) -> None:
    """Reads of a missing id answer 404 naming the ticket."""
    reply = api.get("/v1/tickets/999")
    assert reply.status_code == 404
    assert reply.json() == {"detail": "ticket '999' not found", "kind": "ticket"}


def test_queue_lists_open_tickets_most_urgent_first(api: Harness) -> None:
    """The 4 h ticket comes before the NBD one; submitted (no deadline) ones come last."""
    nbd = api.post("/v1/tickets", Role.TICKETING, AHB_TICKET).json()
    four = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    waiting = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    for t in (nbd, four):
        api.post(f"/v1/tickets/{t['id']}/accept", Role.TICKETING, {})
    ids = [t["id"] for t in api.get("/v1/tickets").json()]
    assert ids == [four["id"], nbd["id"], waiting["id"]]
