"""Ticket states and the transitions between them.

submitted -> accepted (verified; the SLA clock starts) | refused (verification failed);
accepted -> planned -> dispatched (plan confirmed, stock reserved) -> delivered (part on site,
or engineer on site for SOS) -> resolved -> closed. Any open ticket may be escalated (rule 9);
an escalated ticket goes back into planning or on to delivery. A dispatched ticket may be
re-planned (a car breaks down) and stays dispatched until the new plan is confirmed; its confirm
released before anything of it started, it is planned again. A ticket
without a plan in force that no option can serve is unservable (an explicit decision is due:
another SKU, a dedicated car from afar, escalation); planning it again may still succeed.
"""

from __future__ import annotations

import enum

from dispatch.errors import Conflict


class TicketStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ESCALATED = "escalated"
    UNSERVABLE = "unservable"
    """No option can serve it: the engine's reason and the options left are in its event."""


_S = TicketStatus
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    _S.SUBMITTED: frozenset({_S.ACCEPTED, _S.REFUSED}),
    _S.ACCEPTED: frozenset({_S.PLANNED, _S.ESCALATED, _S.UNSERVABLE}),
    _S.PLANNED: frozenset({_S.PLANNED, _S.DISPATCHED, _S.ESCALATED, _S.UNSERVABLE}),
    _S.DISPATCHED: frozenset({_S.PLANNED, _S.DISPATCHED, _S.DELIVERED, _S.ESCALATED}),
    _S.ESCALATED: frozenset({_S.PLANNED, _S.DISPATCHED, _S.DELIVERED, _S.UNSERVABLE}),
    _S.UNSERVABLE: frozenset({_S.PLANNED, _S.DISPATCHED, _S.ESCALATED, _S.UNSERVABLE}),
    _S.DELIVERED: frozenset({_S.RESOLVED}),
    _S.RESOLVED: frozenset({_S.CLOSED}),
    _S.REFUSED: frozenset(),
    _S.CLOSED: frozenset(),
}

PLANNABLE = frozenset({_S.ACCEPTED, _S.PLANNED, _S.DISPATCHED, _S.ESCALATED, _S.UNSERVABLE})
"""States in which a ticket may be (re)planned."""

STATUS_UPDATES = frozenset({_S.DELIVERED, _S.RESOLVED, _S.CLOSED, _S.ESCALATED})
"""States the ticketing system or a dispatcher may set directly; the rest follow actions."""


def check_transition(ticket_id: int, current: str, new: TicketStatus) -> None:
    """Refuse a move the lifecycle does not allow.

    Raises
    ------
    Conflict
        When ``new`` is not reachable from ``current``.
    """
    if new not in TRANSITIONS[TicketStatus(current)]:
        allowed = ", ".join(sorted(TRANSITIONS[TicketStatus(current)])) or "none (final state)"
        raise Conflict(
            f"ticket {ticket_id} is {current}; it cannot become {new} (allowed next: {allowed})"
        )
