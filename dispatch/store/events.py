"""The append-only event log of tickets; each entry is also queued for the client's webhook."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.store import outbox
from dispatch.store.tables import TicketEvent


class Subject(Protocol):
    """What an event reads of its ticket (a ticket row, or its columns read plainly)."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def client(self) -> str: ...


def record(
    *,
    session: Session,
    ticket: Subject,
    kind: str,
    actor: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append an event for ``ticket`` in its current status and queue it for delivery."""
    event = TicketEvent(
        ticket_id=ticket.id,
        at=at,
        kind=kind,
        status=ticket.status,
        actor=actor,
        data=data or {},
    )
    session.add(event)
    session.flush()
    outbox.enqueue(session=session, client=ticket.client, event=event)
    return event


def history(session: Session, ticket_id: int) -> Sequence[TicketEvent]:
    """A ticket's events, oldest first."""
    return session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    ).all()
