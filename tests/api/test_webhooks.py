"""Webhook delivery against a real receiver on loopback (issue 18, findings 1, 2, 4 and 11).

Rounds are driven by the test with the harness's frozen clock, so back-off is exact and nothing
waits on wall time; the receiver fails, redirects, hangs and recovers as each test scripts it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from api import webhooks
from dispatch.store import delivery, outbox
from dispatch.store.db import transaction
from dispatch.store.keys import Role, create_key
from dispatch.store.tables import OutboxMessage
from tests.api.conftest import AHB_TICKET, START, Harness, import_demo, make_harness
from tests.api.receiver import receiving
from tests.support_db import Database

HELPDESK = "ticketing-client"  # the harness's ticketing key's client
send = partial(webhooks.post, timeout_s=2, allow_private=True)


@pytest.fixture
def hooks(database: Database) -> Iterator[Harness]:
    """The app on SQLite and on PostgreSQL, demo data in, webhooks to loopback allowed."""
    for harness in make_harness(database, webhook_allow_private=True):
        import_demo(harness)
        yield harness


@pytest.fixture
def local(sqlite_database: Database) -> Iterator[Harness]:
    """As ``hooks``, on SQLite only (for rules that do not depend on the database)."""
    for harness in make_harness(sqlite_database, webhook_allow_private=True):
        import_demo(harness)
        yield harness


def hook(h: Harness, client: str, url: str | None) -> dict[str, Any]:
    reply = h.client.put(
        f"/v1/clients/{client}/webhook", json={"url": url}, headers=h.headers(Role.ADMIN)
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def deliver(h: Harness, **options: Any) -> delivery.DeliveryRound:
    """One delivery round at the harness's "now"."""
    return delivery.deliver_due(factory=h.db.factory, send=send, clock=h.clock, **options)


def submit(h: Harness, headers: dict[str, str] | None = None) -> int:
    reply = h.client.post(
        "/v1/tickets", json=AHB_TICKET, headers=headers or h.headers(Role.TICKETING)
    )
    assert reply.status_code == 201, reply.text
    ticket_id: int = reply.json()["id"]
    return ticket_id


def second_client(h: Harness, name: str) -> dict[str, str]:
    with transaction(h.db.factory) as session:
        key = create_key(session=session, role=Role.TICKETING, client=name, now=START)
    return {"X-API-Key": key}


def verified(secret: str, body: bytes, header: str, now: datetime, max_age_s: int = 300) -> bool:
    """What a receiver does: recompute the HMAC of "t." + body and refuse stale stamps."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    mac = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    fresh = abs(now.timestamp() - int(fields["t"])) <= max_age_s
    return fresh and hmac.compare_digest(mac.hexdigest(), fields["v1"])


def script(*answers: str) -> Any:
    """Answer the first requests as listed, then "ok"."""
    return lambda n, _payload: answers[n] if n < len(answers) else "ok"


def test_events_survive_an_outage_in_order_and_signed(local: Harness) -> None:
    """Events queue while the receiver fails and arrive later, once each, in order, signed."""
    with receiving(script("fail")) as receiver:
        secret = hook(local, HELPDESK, receiver.url)["secret"]
        ticket_id = submit(local)
        local.post(f"/v1/tickets/{ticket_id}/accept", Role.TICKETING, {})
        assert deliver(local) == delivery.DeliveryRound(failed=1)
        assert deliver(local) == delivery.DeliveryRound()  # backing off: the retry is not due
        retry_at = local.clock() + outbox.FIRST_RETRY
        assert delivery.next_retry(local.db.factory, local.clock()) == retry_at  # loop wakes then
        local.clock.advance(outbox.FIRST_RETRY)
        assert deliver(local) == delivery.DeliveryRound(sent=2)
        assert deliver(local) == delivery.DeliveryRound()
    assert [(p["ticket_id"], p["kind"], p["seq"]) for p in receiver.received] == [
        (ticket_id, "submitted", 1),
        (ticket_id, "accepted", 2),
    ]
    history = local.get(f"/v1/tickets/{ticket_id}").json()["history"]
    assert [p["at"] for p in receiver.received] == [e["at"] for e in history]  # Warsaw time
    assert [p["event_id"] for p in receiver.received] == [e["id"] for e in history]
    now = local.clock()
    for body, header in receiver.signatures:
        assert verified(secret, body, header, now)
        assert not verified("another secret", body, header, now)
        assert not verified(secret, body[:-1] + b', "forged": 1}', header, now)
        assert not verified(secret, body, header, now + timedelta(hours=1))


def test_a_redirect_is_a_failure_and_is_never_followed(
    local: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Finding 1: a 302 used to be followed as a GET without the body, and its 200 marked the
    event delivered. Now it is a logged failure, retried until the receiver answers 2xx."""
    with receiving(script("redirect", "redirect")) as receiver:
        hook(local, HELPDESK, receiver.url)
        submit(local)
        with caplog.at_level(logging.WARNING, logger="dispatch.store.delivery"):
            assert deliver(local) == delivery.DeliveryRound(failed=1)
        assert "HTTP 302 redirect to /moved not followed" in caplog.text
        with transaction(local.db.factory) as session:
            (message,) = session.scalars(select(OutboxMessage)).all()
            assert (message.state, message.attempts) == ("pending", 1)
            assert "302" in (message.last_error or "")
        local.clock.advance(outbox.retry_delay(1))
        assert deliver(local) == delivery.DeliveryRound(failed=1)
        local.clock.advance(outbox.retry_delay(2))
        assert deliver(local) == delivery.DeliveryRound(sent=1)
    assert [path for _method, path, _answer in receiver.requests] == ["/hook"] * 3  # no /moved
    assert [p["kind"] for p in receiver.received] == ["submitted"]


def test_a_hanging_receiver_times_out_and_is_retried(sqlite_database: Database) -> None:
    """A receiver that never answers is a failure after the timeout, not a stuck worker."""
    quick = partial(webhooks.post, timeout_s=0.3, allow_private=True)
    for h in make_harness(sqlite_database, webhook_allow_private=True):
        import_demo(h)
        with receiving(script("hang")) as receiver:
            hook(h, HELPDESK, receiver.url)
            submit(h)
            first = delivery.deliver_due(factory=h.db.factory, send=quick, clock=h.clock)
            assert first == delivery.DeliveryRound(failed=1)
            h.clock.advance(outbox.FIRST_RETRY)
            again = delivery.deliver_due(factory=h.db.factory, send=quick, clock=h.clock)
            assert again == delivery.DeliveryRound(sent=1)
            assert [p["kind"] for p in receiver.received] == ["submitted"]


def test_a_failing_client_does_not_hold_up_another(hooks: Harness) -> None:
    """Finding 2: 100+ undeliverable events of one client stopped every other client, and
    clearing its URL did not release them. Each client now has a queue of its own."""
    rival = second_client(hooks, "helpdesk-b")
    with (
        receiving(lambda _n, _p: "fail") as down,
        receiving() as up,
    ):
        hook(hooks, HELPDESK, down.url)
        hook(hooks, "helpdesk-b", up.url)
        for _ in range(105):
            submit(hooks)
        theirs = submit(hooks, rival)
        done = deliver(hooks)
        assert (done.sent, done.failed) == (1, 1)  # one try at the failing head, B delivered
        assert [p["ticket_id"] for p in up.received] == [theirs]
        cleared = hook(hooks, HELPDESK, None)
        assert cleared == {"url": None, "secret": None}
        later = submit(hooks, rival)
        hooks.clock.advance(timedelta(hours=1))
        assert deliver(hooks) == delivery.DeliveryRound(sent=1)
        assert [p["ticket_id"] for p in up.received] == [theirs, later]
        assert len(down.requests) == 1
    parked = hooks.get(f"/v1/clients/{HELPDESK}/outbox", Role.ADMIN).json()
    assert len(parked) == 105
    assert {m["last_error"] for m in parked} == {"the webhook URL was cleared"}


def test_one_failure_delays_only_its_successors_and_all_arrive_within_a_minute(
    hooks: Harness,
) -> None:
    """Finding 4: with a receiver failing 20 % of requests, 22 of 48 events had arrived after
    240 s, as every failure pushed back the whole queue. Now a failure backs off that queue
    from 1 s, the waiting successors keep their own attempt count, and all 48 arrive within
    60 s of (simulated) time, in order."""
    chance = random.Random(18)
    with receiving(lambda _n, _p: "fail" if chance.random() < 0.2 else "ok") as receiver:
        hook(hooks, HELPDESK, receiver.url)
        for _ in range(16):
            ticket_id = submit(hooks)
            hooks.post(f"/v1/tickets/{ticket_id}/accept", Role.TICKETING, {})
            escalated = {"status": "escalated"}
            hooks.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, escalated)
        started, failures = hooks.clock.now, 0
        while len(receiver.received) < 48 and hooks.clock.now - started <= timedelta(minutes=5):
            failures += deliver(hooks).failed
            hooks.clock.advance(timedelta(seconds=1))
        took = hooks.clock.now - started
    assert failures >= 5  # the receiver did fail, and often
    assert took <= timedelta(seconds=60), took
    assert [p["seq"] for p in receiver.received] == list(range(1, 49))
    assert [p["event_id"] for p in receiver.received] == sorted(
        p["event_id"] for p in receiver.received
    )
    with transaction(hooks.db.factory) as session:
        tries = [m.attempts for m in session.scalars(select(OutboxMessage))]
    assert sum(tries) == 48 + failures  # only sends count: waiting successors are not charged


def test_a_message_is_dead_lettered_after_n_attempts_and_replayed_on_request(
    hooks: Harness,
) -> None:
    """After ``max_attempts`` failures a message is parked (the queue moves on); an admin sees
    it with its last error and replays it, and it arrives as the next event of the stream."""
    refuse_submitted = partial(
        lambda kind, _n, p: "fail" if p["kind"] == kind else "ok", "submitted"
    )
    with receiving(refuse_submitted) as receiver:
        hook(hooks, HELPDESK, receiver.url)
        ticket_id = submit(hooks)
        hooks.post(f"/v1/tickets/{ticket_id}/accept", Role.TICKETING, {})
        for attempt in (1, 2):
            assert deliver(hooks, max_attempts=3) == delivery.DeliveryRound(failed=1)
            hooks.clock.advance(outbox.retry_delay(attempt))
        assert deliver(hooks, max_attempts=3) == delivery.DeliveryRound(sent=1, failed=1, dead=1)
        assert [p["kind"] for p in receiver.received] == ["accepted"]
        (dead,) = hooks.get(f"/v1/clients/{HELPDESK}/outbox", Role.ADMIN).json()
        assert (dead["state"], dead["attempts"], dead["seq"]) == ("dead", 3, 1)
        assert dead["last_error"] == "HTTP 500 Internal Server Error"
        assert dead["payload"]["kind"] == "submitted"
        receiver.script = lambda _n, _p: "ok"
        path = f"/v1/clients/{HELPDESK}/outbox/replay"
        reply = hooks.post(path, Role.ADMIN, {"message_ids": [dead["id"]]})
        assert reply.json() == {"replayed": 1}
        assert deliver(hooks, max_attempts=3) == delivery.DeliveryRound(sent=1)
    assert [(p["kind"], p["seq"]) for p in receiver.received] == [
        ("accepted", 2),
        ("submitted", 3),
    ]
    assert hooks.get(f"/v1/clients/{HELPDESK}/outbox", Role.ADMIN).json() == []


def test_dead_letters_and_replay_are_for_admins_only(local: Harness) -> None:
    """A ticketing or dispatcher key may not read another system's queue or replay it."""
    for role in (Role.TICKETING, Role.DISPATCHER):
        assert local.get(f"/v1/clients/{HELPDESK}/outbox", role).status_code == 403
        assert local.post(f"/v1/clients/{HELPDESK}/outbox/replay", role, {}).status_code == 403
    assert local.get("/v1/clients/nobody/outbox", Role.ADMIN).status_code == 404


def test_a_new_webhook_url_gets_a_new_secret_and_null_stops_it(api: Harness) -> None:
    """Each PUT with a URL rotates the secret; clearing the URL clears the secret."""
    path, admin = "/v1/clients/ticketing-client/webhook", api.headers(Role.ADMIN)
    first = api.client.put(path, json={"url": "https://93.184.216.34/h"}, headers=admin).json()
    second = api.client.put(path, json={"url": "https://93.184.216.34/h"}, headers=admin).json()
    assert len(first["secret"]) >= 40 and first["secret"] != second["secret"]
    stopped = api.client.put(path, json={"url": None}, headers=admin).json()
    assert stopped == {"url": None, "secret": None}


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://localhost/hook", "loopback"),  # a name is judged by what it resolves to
        ("http://[::1]/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),  # cloud metadata
        ("http://100.64.0.1/hook", "private"),  # shared address space (carrier NAT)
        ("file:///etc/passwd", None),  # not http(s) at all
    ],
)
def test_webhook_targets_must_be_public_addresses(api: Harness, url: str, kind: str | None) -> None:
    """Finding 11: an admin could point a webhook at loopback or a private network."""
    reply = api.client.put(
        "/v1/clients/ticketing-client/webhook", json={"url": url}, headers=api.headers(Role.ADMIN)
    )
    assert reply.status_code == 422, reply.text
    if kind is not None:
        (problem,) = reply.json()["detail"]
        assert problem["loc"] == ["url"]
        assert f"a {kind} or reserved address" in problem["msg"]
        assert "DISPATCH_WEBHOOK_ALLOW_PRIVATE=true" in problem["msg"]


def test_private_targets_are_refused_again_at_delivery() -> None:
    """A URL stored while allowed (or a name re-pointed since) is refused when sending."""
    with receiving() as receiver, pytest.raises(webhooks.DeliveryFailed, match="loopback"):
        webhooks.post(receiver.url, b"{}", {}, timeout_s=2, allow_private=False)
    assert receiver.requests == []


def test_allowing_private_targets_admits_a_local_receiver(local: Harness) -> None:
    """With DISPATCH_WEBHOOK_ALLOW_PRIVATE=true (tests, receivers on the same network)."""
    with receiving() as receiver:
        assert hook(local, HELPDESK, receiver.url)["url"] == receiver.url
        submit(local)
        assert deliver(local).sent == 1
    assert json.loads(receiver.signatures[0][0])["kind"] == "submitted"
