"""A ticket from submission to closed: statuses, delivery, RMA return and webhook events."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from dispatch.store import outbox
from dispatch.store.keys import Role
from tests.api.conftest import AHB_TICKET, Harness, import_demo, make_harness
from tests.support_db import Database


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
    plan = planned(api, AHB_TICKET)
    ticket_id = plan["ticket_id"]
    api.post(f"/v1/tickets/{ticket_id}/status", Role.DISPATCHER, {"status": "escalated"})
    assert api.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER).status_code == 200
    assert api.get(f"/v1/tickets/{ticket_id}").json()["status"] == "planned"


class FlakyReceiver:
    """A webhook receiver that is down for the first ``down`` calls."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.received: list[Mapping[str, Any]] = []
        self.signatures: list[tuple[bytes, str]] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        if self.down > 0:
            self.down -= 1
            raise ConnectionError(f"{url} refused")
        self.received.append(json.loads(body))
        self.signatures.append((body, headers[outbox.SIGNATURE_HEADER]))


def verified(secret: str, body: bytes, header: str, now: datetime, max_age_s: int = 300) -> bool:
    """What a receiver does: recompute the HMAC of "t." + body and refuse stale stamps."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    mac = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    fresh = abs(now.timestamp() - int(fields["t"])) <= max_age_s
    return fresh and hmac.compare_digest(mac.hexdigest(), fields["v1"])


def test_webhook_events_survive_a_receiver_outage_in_order(api: Harness) -> None:
    """Events queue while the receiver is down and arrive later, once each, in order."""
    reply = api.client.put(
        "/v1/clients/ticketing-client/webhook",
        json={"url": "https://ticketing.example.com/hook"},
        headers=api.headers(Role.ADMIN),
    )
    assert reply.status_code == 200
    secret = reply.json()["secret"]
    ticket_id = api.post("/v1/tickets", Role.TICKETING, AHB_TICKET).json()["id"]
    api.post(f"/v1/tickets/{ticket_id}/accept", Role.TICKETING, {})
    receiver = FlakyReceiver(down=1)
    first = outbox.deliver_due(factory=api.db.factory, send=receiver, now=api.clock())
    assert (first.sent, first.failed) == (0, 1)
    early = outbox.deliver_due(factory=api.db.factory, send=receiver, now=api.clock())
    assert early.sent == 0  # the retry is not due yet, and it holds back the later event
    api.clock.advance(outbox.FIRST_RETRY)
    later = outbox.deliver_due(factory=api.db.factory, send=receiver, now=api.clock())
    assert later.sent == 2
    assert [(p["ticket_id"], p["kind"]) for p in receiver.received] == [
        (ticket_id, "submitted"),
        (ticket_id, "accepted"),
    ]
    history = api.get(f"/v1/tickets/{ticket_id}").json()["history"]
    assert [p["at"] for p in receiver.received] == [e["at"] for e in history]  # Warsaw time
    assert receiver.received[1]["data"]["deadline"].endswith("+01:00")
    done = outbox.deliver_due(factory=api.db.factory, send=receiver, now=api.clock())
    assert done.sent == 0
    for body, header in receiver.signatures:
        assert verified(secret, body, header, api.clock())
        assert not verified("another secret", body, header, api.clock())
        assert not verified(secret, body[:-1] + b', "forged": 1}', header, api.clock())
        assert not verified(secret, body, header, api.clock() + timedelta(hours=1))


def test_a_new_webhook_url_gets_a_new_secret_and_null_stops_it(api: Harness) -> None:
    """Each PUT with a URL rotates the secret; clearing the URL clears the secret."""
    path, admin = "/v1/clients/ticketing-client/webhook", api.headers(Role.ADMIN)
    first = api.client.put(path, json={"url": "https://a.example/h"}, headers=admin).json()
    second = api.client.put(path, json={"url": "https://a.example/h"}, headers=admin).json()
    assert len(first["secret"]) >= 40 and first["secret"] != second["secret"]
    stopped = api.client.put(path, json={"url": None}, headers=admin).json()
    assert stopped == {"url": None, "secret": None}


def test_webhook_url_must_be_http(api: Harness) -> None:
    """Only http(s) URLs are accepted as webhooks."""
    reply = api.client.put(
        "/v1/clients/ticketing-client/webhook",
        json={"url": "file:///etc/passwd"},
        headers=api.headers(Role.ADMIN),
    )
    assert reply.status_code == 422


class _Receiver(BaseHTTPRequestHandler):
    """Collects webhook bodies posted to it."""

    bodies: ClassVar[queue.Queue[tuple[bytes, str]]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.bodies.put((self.rfile.read(length), self.headers[outbox.SIGNATURE_HEADER]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:  # keep test output clean
        return


@pytest.fixture
def webhook_url() -> Iterator[tuple[str, queue.Queue[tuple[bytes, str]]]]:
    """A real HTTP receiver on loopback and the queue of bodies and signatures it received."""
    bodies: queue.Queue[tuple[bytes, str]] = queue.Queue()
    handler = type("Receiver", (_Receiver,), {"bodies": bodies})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", bodies
    server.shutdown()
    server.server_close()


def test_background_worker_posts_events_to_the_webhook(
    sqlite_database: Database, webhook_url: tuple[str, queue.Queue[tuple[bytes, str]]]
) -> None:
    """With the app running, a status change reaches the client's URL over HTTP by itself,
    signed with the client's secret."""
    url, bodies = webhook_url
    for harness in make_harness(sqlite_database, outbox_interval_s=0.05):
        import_demo(harness)
        secret = harness.client.put(
            "/v1/clients/ticketing-client/webhook",
            json={"url": url},
            headers=harness.headers(Role.ADMIN),
        ).json()["secret"]
        ticket_id = harness.post("/v1/tickets", Role.TICKETING, AHB_TICKET).json()["id"]
        body, header = bodies.get(timeout=30)
        assert verified(secret, body, header, harness.clock())
        event = json.loads(body)
        assert (event["ticket_id"], event["kind"], event["status"]) == (
            ticket_id,
            "submitted",
            "submitted",
        )
