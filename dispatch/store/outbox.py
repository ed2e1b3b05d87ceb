"""Outgoing events to each client's webhook, through an outbox table written with the change.

A status change and its outbox row commit together, so an event can never be lost: when the
receiver is down the row stays pending and is retried (``dispatch.store.delivery`` sends it).
Each client has a queue of its own (:class:`~dispatch.store.tables.OutboxQueue`): its messages
go out one after the other, and a failure holds back that client's later messages only. A
message that fails :data:`DEFAULT_MAX_ATTEMPTS` times is parked as a dead letter, which an
admin can list and replay. Every delivery is signed with the client's webhook secret, so a
receiver can tell it from a forgery and refuse a replay (:func:`signature`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from dispatch.store.tables import Client, OutboxMessage, OutboxQueue, TicketEvent
from dispatch.timeparse import format_instant

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"
FIRST_RETRY = timedelta(seconds=1)
MAX_RETRY = timedelta(minutes=15)
DEFAULT_MAX_ATTEMPTS = 25
"""Attempts before a message is dead-lettered: with the back-off below, about 3.5 hours."""

SIGNATURE_HEADER = "X-Dispatch-Signature"


def signature(secret: str, body: bytes, at: datetime) -> str:
    """The ``X-Dispatch-Signature`` value: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.

    The HMAC covers ``"<t>." + body`` under the client's secret; a receiver recomputes it and
    rejects old ``t`` values, which stops replays of a captured delivery.
    """
    stamp = int(at.timestamp())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def event_payload(event: TicketEvent) -> dict[str, Any]:
    """The JSON body a webhook receives for ``event`` (the sender adds the client's ``seq``)."""
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
    every ticket passes here. The queue row is not touched, so concurrent changes of one
    client never wait for each other here.
    """
    columns = OutboxMessage.__table__.c
    values = select(
        Client.name,
        literal(event.id, columns.event_id.type),
        literal(event_payload(event), columns.payload.type),
        literal(PENDING, columns.state.type),
        literal(0, columns.attempts.type),
    ).where(Client.name == client, Client.webhook_url.is_not(None))
    names = ["client", "event_id", "payload", "state", "attempts"]
    session.execute(insert(OutboxMessage).from_select(names, values))


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failure: 1 s, 2 s, 4 s, ... capped at 15 min."""
    factor: int = 2 ** min(max(attempts - 1, 0), 20)
    return min(FIRST_RETRY * factor, MAX_RETRY)


def open_queue(*, session: Session, client: str) -> None:
    """Make sure ``client`` has a delivery queue (when it gets a webhook URL)."""
    if session.get(OutboxQueue, client) is None:
        session.add(OutboxQueue(client=client, last_seq=0))
        session.flush()


def park(*, session: Session, client: str, reason: str) -> int:
    """Dead-letter every pending message of ``client`` (its webhook was cleared); how many.

    They are kept, listed among the client's dead letters and can be replayed once the client
    has a URL again: nothing is lost, and a new receiver is not flooded unasked.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.client == client, OutboxMessage.state == PENDING)
        .values(state=DEAD, last_error=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def messages(
    session: Session, client: str, state: str, limit: int = 200
) -> Sequence[OutboxMessage]:
    """A client's messages in ``state``, oldest first."""
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.client == client, OutboxMessage.state == state)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()


def replay(*, session: Session, client: str, message_ids: Sequence[int] | None) -> int:
    """Put dead letters of ``client`` back in its queue (all, or those in ``message_ids``).

    A replayed message gets a fresh attempt count and a new ``seq`` after the ones already
    given out, so the receiver sees it as the next event of the stream. Returns how many.
    """
    query = (
        update(OutboxMessage)
        .where(OutboxMessage.client == client, OutboxMessage.state == DEAD)
        .values(state=PENDING, attempts=0, seq=None)
    )
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    result = session.execute(query)
    session.execute(
        update(OutboxQueue).where(OutboxQueue.client == client).values(next_attempt_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
