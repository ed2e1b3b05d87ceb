"""Rule 9: tickets at risk of missing their deadline are escalated, once, by the system.

A ticket is at risk when nobody is dispatched and less than the threshold is left, when its
confirmed plan arrives after the deadline, or when the deadline passed before delivery. The
escalation is an ordinary status change with its event, so it reaches the ticketing system's
webhook (the escalation channel) through the outbox. A ticket escalated once, by anyone, is not
escalated again: the dispatcher already knows, and a sweep every minute must not spam.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from dispatch.sla import DEFAULT_RISK_THRESHOLD
from dispatch.store.lifecycle import TicketStatus
from dispatch.store.plans import CONFIRMED
from dispatch.store.tables import Plan, PlanOption, Ticket, TicketEvent
from dispatch.store.tickets import get, move

SYSTEM = "system"
ESCALATED = TicketStatus.ESCALATED.value
_WAITING = (
    TicketStatus.ACCEPTED.value,
    TicketStatus.PLANNED.value,
    TicketStatus.UNSERVABLE.value,
)


@dataclass(frozen=True, slots=True)
class Risk:
    """Why one ticket is escalated."""

    ticket_id: int
    reason: str


def _minutes(delta: timedelta) -> int:
    return int(abs(delta.total_seconds()) // 60)


def at_risk(
    session: Session, now: datetime, threshold: timedelta = DEFAULT_RISK_THRESHOLD
) -> list[Risk]:
    """Open tickets at risk at ``now`` that were never escalated, by ticket id."""
    arrival = (
        select(PlanOption.arrival_at)
        .join(Plan, Plan.id == PlanOption.plan_id)
        .where(
            Plan.ticket_id == Ticket.id,
            Plan.status == CONFIRMED,
            PlanOption.rank == Plan.confirmed_rank,
        )
        .scalar_subquery()
    )
    escalated_before = exists().where(
        TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == ESCALATED
    )
    dispatched = Ticket.status == TicketStatus.DISPATCHED.value
    query = (
        select(Ticket, arrival)
        .where(
            Ticket.deadline.is_not(None),
            ~escalated_before,
            or_(
                and_(Ticket.status.in_(_WAITING), Ticket.deadline < now + threshold),
                and_(dispatched, or_(Ticket.deadline < now, arrival > Ticket.deadline)),
            ),
        )
        .order_by(Ticket.id)
    )
    risks = []
    for ticket, arrives in session.execute(query):
        deadline = ticket.deadline
        if deadline is None:  # excluded by the query; narrows the type
            continue
        if ticket.status != TicketStatus.DISPATCHED.value:
            if deadline <= now:
                reason = f"deadline passed {_minutes(now - deadline)} min ago, nobody dispatched"
            else:
                reason = f"{_minutes(deadline - now)} min left and nobody dispatched"
        elif deadline < now:
            reason = f"deadline passed {_minutes(now - deadline)} min ago before delivery"
        else:
            late = _minutes(arrives - deadline) if arrives is not None else 0
            reason = f"the confirmed plan arrives {late} min after the deadline"
        risks.append(Risk(ticket.id, reason))
    return risks


def escalate_at_risk(
    session: Session, now: datetime, threshold: timedelta = DEFAULT_RISK_THRESHOLD
) -> list[Risk]:
    """Escalate every ticket :func:`at_risk` finds, in the caller's transaction."""
    risks = at_risk(session, now, threshold)
    for risk in risks:
        ticket = get(session, risk.ticket_id, for_update=True)
        move(
            session=session,
            ticket=ticket,
            status=TicketStatus.ESCALATED,
            kind=ESCALATED,
            actor=SYSTEM,
            now=now,
            data={"reason": risk.reason, "automatic": True},
        )
    return risks
