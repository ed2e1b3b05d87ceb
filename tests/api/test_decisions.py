"""Nothing left without a decision: an unservable ticket says why and what is left; the
reaction clock stops at the first contact, and its breaches are counted and listed."""

from __future__ import annotations

from datetime import timedelta

from dispatch.store.keys import Role
from tests.api.conftest import SOS_TICKET, Harness


def test_a_ticket_no_option_serves_is_unservable_with_reasons_and_options_left(
    api: Harness,
) -> None:
    """Two depots hold one X465 each; the third ticket finds none: 422 with the decisions
    left, and the ticket is unservable (an open state, planned again once stock returns)."""
    for _ in range(2):
        plan = api.planned(SOS_TICKET)
        assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    third = api.accepted(SOS_TICKET)
    reply = api.post(f"/v1/tickets/{third}/plan", Role.DISPATCHER)
    assert reply.status_code == 422
    assert reply.json()["reasons"] and {o["kind"] for o in reply.json()["options_left"]} >= {
        "order",
        "escalate",
    }
    ticket = api.get(f"/v1/tickets/{third}").json()
    assert ticket["status"] == "unservable"
    assert ticket["decision"]["reasons"] == reply.json()["reasons"]
    assert [e["kind"] for e in ticket["history"]][-1] == "unservable"
    queue = api.get("/v1/tickets").json()
    assert third in [row["id"] for row in queue]


def test_a_confirm_that_loses_the_last_unit_leaves_the_ticket_unservable(api: Harness) -> None:
    """Three proposals for two units: the last confirm's 409 has no fresh plan, and the
    ticket is put in the unservable state rather than left in the queue as planned."""
    plans = [api.planned(SOS_TICKET) for _ in range(3)]
    outcomes = []
    for plan in plans:
        reply = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
        if reply.status_code == 409 and reply.json()["plan"] is not None:
            fresh = reply.json()["plan"]["id"]
            reply = api.post(f"/v1/plans/{fresh}/confirm", Role.DISPATCHER)
        outcomes.append(reply)
    assert [r.status_code for r in outcomes] == [200, 200, 409]
    assert outcomes[-1].json()["plan"] is None
    last = api.get(f"/v1/tickets/{plans[-1]['ticket_id']}").json()
    assert last["status"] == "unservable" and last["decision"]["options_left"]


def test_contact_stops_the_reaction_clock_and_breaches_are_listed(api: Harness) -> None:
    """24x7: reaction due an hour after submission. One ticket contacted in 30 min, one
    after 90 min, one never: two breaches, one of each kind; the contact moves no state."""
    on_time, late, never = (
        api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()["id"] for _ in range(3)
    )
    api.clock.advance(timedelta(minutes=30))
    reply = api.post(f"/v1/tickets/{on_time}/status", Role.TICKETING, {"status": "contacted"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "submitted" and body["reaction_breached"] is False
    assert body["contacted_at"] is not None
    api.clock.advance(timedelta(minutes=60))
    assert api.get(f"/v1/tickets/{late}").json()["reaction_breached"] is True
    assert api.post(f"/v1/tickets/{late}/status", Role.TICKETING,
                    {"status": "contacted"}).status_code == 200  # fmt: skip
    breaches = api.get("/v1/reaction/breaches").json()
    assert breaches["count"] == 2
    assert (breaches["not_contacted"], breaches["contacted_late"]) == (1, 1)
    listed = {b["ticket_id"]: b for b in breaches["tickets"]}
    assert set(listed) == {late, never}
    assert listed[late]["late_by_s"] == 30 * 60
    mine = api.get("/v1/reaction/breaches", role=Role.TICKETING).json()
    assert mine["count"] == 2  # the ticketing client submitted them


def test_a_contact_in_the_future_or_before_submission_is_refused(api: Harness) -> None:
    ticket = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    later = (api.clock.now + timedelta(minutes=5)).isoformat()
    earlier = (api.clock.now - timedelta(minutes=5)).isoformat()
    for at in (later, earlier):
        reply = api.post(f"/v1/tickets/{ticket['id']}/status", Role.TICKETING,
                         {"status": "contacted", "at": at})  # fmt: skip
        assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["at"]
