"""Outgoing events to each client's webhook, through an outbox table written with the change.

A status change and its outbox row commit together, so an event can never be lost: when the
receiver is down the row stays pending and is retried with capped exponential back-off, forever
(delivery is at least once; receivers de-duplicate on ``event_id``). Messages of one client go
out in order: a client's batch stops at its first failure, and a row that is not yet due holds
back the later ones. Every delivery is signed with the client's webhook secret, so a receiver
can tell it from a forgery and refuse a replay (:func:`signature`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.store.db import transaction
from dispatch.store.tables import Client, OutboxMessage, TicketEvent
from dispatch.timeparse import format_instant

log = logging.getLogger(__name__)

PENDING = "pending"
DELIVERED = "delivered"
FIRST_RETRY = timedelta(seconds=5)
MAX_RETRY = timedelta(minutes=15)
LEASE = timedelta(seconds=60)
"""How long a claimed row is hidden from other workers while it is being sent."""

SIGNATURE_HEADER = "X-Dispatch-Signature"

Sender = Callable[[str, bytes, Mapping[str, str]], None]
"""POSTs a JSON body with headers to a URL; raises on any failure (network error, non-2xx)."""


def signature(secret: str, body: bytes, at: datetime) -> str:
    """The ``X-Dispatch-Signature`` value: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.

    The HMAC covers ``"<t>." + body`` under the client's secret; a receiver recomputes it and
    rejects old ``t`` values, which stops replays of a captured delivery.
    """
    stamp = int(at.timestamp())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def event_payload(event: TicketEvent) -> dict[str, Any]:
    """The JSON body a webhook receives for ``event``."""
    return {
        "event_id": event.id,
        "ticket_id": event.ticket_id,
        "kind": event.kind,
        "status": event.status,
        "at": format_instant(event.at),  # Warsaw time, as the REST event history shows it
        "data": event.data,
    }


def enqueue(*, session: Session, client: str, event: TicketEvent) -> None:
    """Queue ``event`` for ``client``'s webhook, if the client has one.

    One ``INSERT ... SELECT`` from the client's row: no read first, as every status change of
    every ticket passes here.
    """
    columns = OutboxMessage.__table__.c
    values = select(
        Client.name,
        literal(event.id, columns.event_id.type),
        literal(event_payload(event), columns.payload.type),
        literal(PENDING, columns.state.type),
        literal(0, columns.attempts.type),
        literal(event.at, columns.next_attempt_at.type),
    ).where(Client.name == client, Client.webhook_url.is_not(None))
    names = ["client", "event_id", "payload", "state", "attempts", "next_attempt_at"]
    session.execute(insert(OutboxMessage).from_select(names, values))


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failure: 5 s, 10 s, 20 s, ... capped at 15 min."""
    factor: int = 2 ** min(max(attempts - 1, 0), 20)
    return min(FIRST_RETRY * factor, MAX_RETRY)


@dataclass(frozen=True, slots=True)
class DeliveryRound:
    """What one :func:`deliver_due` call did."""

    sent: int
    failed: int


@dataclass(frozen=True, slots=True)
class _Claim:
    id: int
    url: str
    secret: str | None
    payload: dict[str, Any]


def _claim(factory: sessionmaker[Session], now: datetime, limit: int) -> list[_Claim]:
    """Take the due head of each client's queue, leasing the rows to this worker."""
    with transaction(factory) as session:
        pending = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.state == PENDING)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        clients = {c.name: c for c in session.scalars(select(Client))}
        blocked: set[str] = set()
        claims: list[_Claim] = []
        for message in pending:
            client = clients.get(message.client)
            url = None if client is None else client.webhook_url
            due = message.next_attempt_at <= now and message.client not in blocked
            if client is None or url is None or not due:
                blocked.add(message.client)
                continue
            message.next_attempt_at = now + LEASE
            claims.append(_Claim(message.id, url, client.webhook_secret, dict(message.payload)))
        return claims


def deliver_due(
    *, factory: sessionmaker[Session], send: Sender, now: datetime, limit: int = 100
) -> DeliveryRound:
    """Send due messages, oldest first per client; record each outcome in its own transaction."""
    sent = failed = 0
    failed_urls: set[str] = set()
    for claim in _claim(factory, now, limit):
        if claim.url in failed_urls:
            _record(factory, claim.id, now, error="an earlier message to this webhook failed")
            continue
        body = json.dumps(claim.payload).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "dispatch-pl-outbox"}
        if claim.secret is not None:
            headers[SIGNATURE_HEADER] = signature(claim.secret, body, now)
        try:
            send(claim.url, body, headers)
        except Exception as exc:  # any failure of the receiver means "retry later"
            log.warning("webhook %s failed for outbox %d: %s", claim.url, claim.id, exc)
            failed_urls.add(claim.url)
            _record(factory, claim.id, now, error=f"{type(exc).__name__}: {exc}")
            failed += 1
        else:
            _record(factory, claim.id, now, error=None)
            sent += 1
    return DeliveryRound(sent=sent, failed=failed)


def _record(
    factory: sessionmaker[Session], message_id: int, now: datetime, error: str | None
) -> None:
    with transaction(factory) as session:
        message = session.get_one(OutboxMessage, message_id)
        message.attempts += 1
        if error is None:
            message.state = DELIVERED
            message.delivered_at = now
            message.last_error = None
        else:
            message.last_error = error[:500]
            message.next_attempt_at = now + retry_delay(message.attempts)


def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float = 5.0) -> None:
    """Default :data:`Sender`: POST with urllib, which raises on non-2xx replies."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        response.read()
