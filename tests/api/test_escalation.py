"""Rule 9: tickets at risk are escalated by the system, once, and the sweep runs by itself."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from dispatch.store import escalation
from dispatch.store.db import transaction
from dispatch.store.keys import Role
from tests.api.conftest import SOS_TICKET, Harness, import_demo, make_harness
from tests.support_db import Database


def sweep(api: Harness) -> list[escalation.Risk]:
    with transaction(api.db.factory) as session:
        return escalation.escalate_at_risk(session, api.clock())


def deadline(api: Harness, ticket_id: int) -> datetime:
    return datetime.fromisoformat(api.get(f"/v1/tickets/{ticket_id}").json()["deadline"])


def test_nobody_dispatched_within_the_threshold_is_escalated_once(api: Harness) -> None:
    """61 min left: nothing; 59 min left: escalated by the system, with the reason; then never."""
    ticket_id = api.accepted(SOS_TICKET)
    due = deadline(api, ticket_id)
    api.clock.advance(due - api.clock() - timedelta(minutes=61))
    assert sweep(api) == []
    api.clock.advance(timedelta(minutes=2))
    assert sweep(api) == [escalation.Risk(ticket_id, "59 min left and nobody dispatched")]
    body = api.get(f"/v1/tickets/{ticket_id}").json()
    assert body["status"] == "escalated"
    last = body["history"][-1]
    assert (last["kind"], last["actor"], last["data"]["automatic"]) == ("escalated", "system", True)
    api.clock.advance(timedelta(minutes=30))
    assert sweep(api) == []


def test_a_dispatched_ticket_on_time_is_left_alone_until_its_deadline_passes(
    api: Harness,
) -> None:
    """The engineer is on the way and arrives in time: no alarm until the deadline is missed."""
    plan = api.planned(SOS_TICKET)
    api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    ticket_id = plan["ticket_id"]
    due = deadline(api, ticket_id)
    api.clock.advance(due - api.clock() - timedelta(minutes=5))
    assert sweep(api) == []
    api.clock.advance(timedelta(minutes=20))
    (risk,) = sweep(api)
    assert risk == escalation.Risk(ticket_id, "deadline passed 15 min ago before delivery")


def test_confirming_an_option_that_arrives_late_escalates_at_once(api: Harness) -> None:
    """The dispatcher overrides to KRK, 42 min past the deadline: the next sweep says so."""
    plan = api.planned(SOS_TICKET)
    late = plan["alternatives"][0]
    assert late["slack_s"] == -42 * 60
    api.post(f"/v1/plans/{plan['id']}/override", Role.DISPATCHER, {"rank": 1, "reason": "test"})
    assert sweep(api) == [
        escalation.Risk(plan["ticket_id"], "the confirmed plan arrives 42 min after the deadline")
    ]


def test_a_ticket_escalated_by_hand_and_replanned_is_not_escalated_again(api: Harness) -> None:
    """The dispatcher already knows: one escalation per ticket, whoever raised it."""
    ticket_id = api.accepted(SOS_TICKET)
    api.post(f"/v1/tickets/{ticket_id}/status", Role.DISPATCHER, {"status": "escalated"})
    api.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER)
    api.clock.advance(deadline(api, ticket_id) - api.clock() - timedelta(minutes=10))
    assert sweep(api) == []
    assert api.get(f"/v1/tickets/{ticket_id}").json()["status"] == "planned"


def test_the_server_sweeps_by_itself(sqlite_database: Database) -> None:
    """With the app running, an at-risk ticket becomes escalated without any request."""
    for harness in make_harness(sqlite_database, escalation_interval_s=0.05):
        import_demo(harness)
        ticket_id = harness.accepted(SOS_TICKET)
        harness.clock.advance(deadline(harness, ticket_id) - harness.clock())
        waited = 0.0
        while harness.get(f"/v1/tickets/{ticket_id}").json()["status"] != "escalated":
            assert waited < 30, "the sweep did not escalate the ticket"
            time.sleep(0.05)
            waited += 0.05
