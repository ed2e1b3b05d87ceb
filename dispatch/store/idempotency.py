"""``Idempotency-Key`` bookkeeping: a retried submission returns the first ticket, never a new one.

The key row is inserted in the ticket's transaction under a primary key on (client, key), so
two racing retries cannot both create a ticket: the loser's commit fails and it reads the
winner's ticket.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.errors import Conflict
from dispatch.store.tables import IdempotencyKey, Ticket


def request_digest(request: Any) -> str:
    """A stable SHA-256 of a request dataclass, to tell a retry from a reuse of the key."""
    if not is_dataclass(request) or isinstance(request, type):
        raise TypeError("request_digest needs a dataclass instance")
    text = json.dumps(asdict(request), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def lookup(*, session: Session, client: str, key: str, digest: str) -> int | None:
    """The ticket id first created with ``key``, or None for a new key.

    Raises
    ------
    Conflict
        When the key was used with a different request.
    """
    row = session.get(IdempotencyKey, (client, key))
    if row is None:
        return None
    if row.request_digest != digest:
        raise Conflict(
            f"Idempotency-Key {key!r} was already used for a different request "
            f"(ticket {row.ticket_id}); use a new key for a new ticket"
        )
    return row.ticket_id


def remember(
    *, session: Session, client: str, key: str, digest: str, ticket: Ticket, now: datetime
) -> None:
    """Bind ``key`` to ``ticket`` in the current transaction (written at the next flush)."""
    session.add(
        IdempotencyKey(
            client=client, key=key, request_digest=digest, ticket_id=ticket.id, created_at=now
        )
    )
