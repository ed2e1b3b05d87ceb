"""Sending the outbox: per-client queues, leased to one worker at a time, strictly in order.

A round (:func:`deliver_due`) leases the client queues that are due and not leased by another
worker (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite runs writers one at a time), then
drains each leased queue on a thread of its own, so a slow or failing receiver never holds up
another client. Draining a queue first numbers the messages that became visible since the last
round (``seq`` 1, 2, 3, ... per client, in the order the worker first sees them committed: on
PostgreSQL a transaction may commit after one that took a later id, and numbering at sight
keeps delivery in commit order). It then sends them by ``seq``. A failure stops the drain and
backs off that queue alone; the failed message counts an attempt, its successors do not, and
at ``max_attempts`` it is dead-lettered and the queue moves on. Each outcome is recorded in its
own transaction that also checks and renews the lease, so a worker whose lease ran out (it
stalled past :data:`LEASE`) stops before it could send out of order.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.store.db import transaction
from dispatch.store.outbox import (
    DEAD,
    DEFAULT_MAX_ATTEMPTS,
    DELIVERED,
    PENDING,
    SIGNATURE_HEADER,
    retry_delay,
    signature,
)
from dispatch.store.tables import Client, OutboxMessage, OutboxQueue

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
"""How long a leased queue is hidden from other workers; renewed at every recorded outcome."""
QUEUES_PER_ROUND = 16
BATCH = 200
"""Messages sent from one queue per round at most (the next round goes on)."""

Sender = Callable[[str, bytes, Mapping[str, str]], None]
"""POSTs a JSON body with headers to a URL; raises on any failure (network error, non-2xx)."""
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class DeliveryRound:
    """What one :func:`deliver_due` call did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0

    def __add__(self, other: DeliveryRound) -> DeliveryRound:
        return DeliveryRound(
            self.sent + other.sent, self.failed + other.failed, self.dead + other.dead
        )


@dataclass(frozen=True, slots=True)
class _Lease:
    client: str
    token: str


@dataclass(frozen=True, slots=True)
class _Message:
    id: int
    seq: int
    body: bytes


def deliver_due(
    *,
    factory: sessionmaker[Session],
    send: Sender,
    clock: Clock,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    queues: int = QUEUES_PER_ROUND,
) -> DeliveryRound:
    """Lease the due client queues and drain each on its own thread; what was done."""
    leases = _lease_due(factory, clock(), queues)
    if not leases:
        return DeliveryRound()

    def drain(lease: _Lease) -> DeliveryRound:
        return _drain(factory, send, clock, lease, max_attempts)

    if len(leases) == 1:
        return drain(leases[0])
    with ThreadPoolExecutor(max_workers=len(leases), thread_name_prefix="outbox") as pool:
        return sum(pool.map(drain, leases), DeliveryRound())


def _lease_due(factory: sessionmaker[Session], now: datetime, limit: int) -> list[_Lease]:
    """Lease up to ``limit`` due queues with pending messages, least recently tried first."""
    waiting = exists().where(
        OutboxMessage.client == OutboxQueue.client, OutboxMessage.state == PENDING
    )
    with transaction(factory) as session:
        due = session.scalars(
            select(OutboxQueue)
            .join(Client, Client.name == OutboxQueue.client)
            .where(
                Client.webhook_url.is_not(None),
                or_(OutboxQueue.next_attempt_at.is_(None), OutboxQueue.next_attempt_at <= now),
                or_(OutboxQueue.leased_until.is_(None), OutboxQueue.leased_until <= now),
                waiting,
            )
            .order_by(OutboxQueue.next_attempt_at.is_not(None), OutboxQueue.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=OutboxQueue)
        ).all()
        leases = []
        for queue in due:
            queue.leased_until = now + LEASE
            queue.lease_token = secrets.token_hex(16)
            leases.append(_Lease(queue.client, queue.lease_token))
        return leases


def next_retry(factory: sessionmaker[Session], now: datetime) -> datetime | None:
    """When the soonest backed-off queue with pending messages is due again (None: none is).

    The delivery loop sleeps until then rather than a whole interval, so a failure costs its
    queue the back-off (1 s the first time), not the polling period on top.
    """
    waiting = exists().where(
        OutboxMessage.client == OutboxQueue.client, OutboxMessage.state == PENDING
    )
    with transaction(factory) as session:
        return session.scalar(
            select(func.min(OutboxQueue.next_attempt_at)).where(
                OutboxQueue.next_attempt_at > now, waiting
            )
        )


def _held(session: Session, lease: _Lease) -> OutboxQueue | None:
    """The leased queue, row-locked, while the lease is still this worker's; else None."""
    queue = session.scalars(
        select(OutboxQueue).where(OutboxQueue.client == lease.client).with_for_update()
    ).one_or_none()
    return queue if queue is not None and queue.lease_token == lease.token else None


def _batch(
    factory: sessionmaker[Session], lease: _Lease
) -> tuple[str, str | None, list[_Message]] | None:
    """Number the newly visible messages, then the URL, secret and next messages to send."""
    with transaction(factory) as session:
        queue = _held(session, lease)
        if queue is None:
            return None
        client = session.get_one(Client, lease.client)
        if client.webhook_url is None:  # cleared since the lease was taken
            queue.leased_until, queue.lease_token = None, None
            return None
        fresh = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.client == lease.client,
                OutboxMessage.state == PENDING,
                OutboxMessage.seq.is_(None),
            )
            .order_by(OutboxMessage.id)
        ).all()
        for message in fresh:
            queue.last_seq += 1
            message.seq = queue.last_seq
        session.flush()
        pending = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.client == lease.client,
                OutboxMessage.state == PENDING,
                OutboxMessage.seq.is_not(None),  # PostgreSQL: committed after the numbering
            )
            .order_by(OutboxMessage.seq)
            .limit(BATCH)
        ).all()
        batch = [
            _Message(m.id, m.seq or 0, json.dumps({**m.payload, "seq": m.seq}).encode())
            for m in pending
        ]
        return client.webhook_url, client.webhook_secret, batch


def _drain(
    factory: sessionmaker[Session], send: Sender, clock: Clock, lease: _Lease, max_attempts: int
) -> DeliveryRound:
    """Send one leased queue's messages in order until done, a failure, or the lease is lost."""
    done = DeliveryRound()
    found = _batch(factory, lease)
    if found is None:
        return done
    url, secret, batch = found
    for message in batch:
        headers = {"Content-Type": "application/json", "User-Agent": "dispatch-pl-outbox"}
        if secret is not None:
            headers[SIGNATURE_HEADER] = signature(secret, message.body, clock())
        try:
            send(url, message.body, headers)
        except Exception as exc:  # any failure of the receiver means "retry later"
            log.warning("webhook %s failed for %s seq %d: %s", url, lease.client, message.seq, exc)
            outcome = _record(factory, lease, message, clock(), f"{exc}", max_attempts)
            if outcome is None:
                return done
            done += outcome
            if outcome.dead == 0:
                return done  # backed off: later messages wait behind this one
        else:
            outcome = _record(factory, lease, message, clock(), None, max_attempts)
            if outcome is None:
                return done
            done += outcome
    _release(factory, lease)
    return done


def _record(
    factory: sessionmaker[Session],
    lease: _Lease,
    message: _Message,
    now: datetime,
    error: str | None,
    max_attempts: int,
) -> DeliveryRound | None:
    """Store one outcome and renew the lease; None when the lease was lost (nothing stored)."""
    with transaction(factory) as session:
        queue = _held(session, lease)
        if queue is None:
            log.warning("outbox lease of %s lost; another worker goes on", lease.client)
            return None
        row = session.get_one(OutboxMessage, message.id)
        row.attempts += 1
        queue.leased_until = now + LEASE
        if error is None:
            row.state, row.delivered_at, row.last_error = DELIVERED, now, None
            queue.next_attempt_at = now
            return DeliveryRound(sent=1)
        row.last_error = error[:500]
        if row.attempts >= max_attempts:
            row.state = DEAD
            log.error(
                "webhook message %d of %s dead after %d attempts: %s",
                row.id,
                lease.client,
                row.attempts,
                row.last_error,
            )
            return DeliveryRound(failed=1, dead=1)
        queue.next_attempt_at = now + retry_delay(row.attempts)
        queue.leased_until, queue.lease_token = None, None
        return DeliveryRound(failed=1)


def _release(factory: sessionmaker[Session], lease: _Lease) -> None:
    with transaction(factory) as session:
        queue = _held(session, lease)
        if queue is not None:
            queue.leased_until, queue.lease_token = None, None
