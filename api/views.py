"""Stored rows to public bodies (read inside the request's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.schemas.plans import MovePublic, OptionPublic, PlanPublic
from api.schemas.resources import LegPublic, PointPublic
from api.schemas.tickets import (
    BreachPublic,
    Decision,
    EventPublic,
    OptionLeftPublic,
    RmaPublic,
    TicketPublic,
    TicketSummary,
)
from depots.ledger.sql import SqlLedger
from dispatch.sla import at_risk, time_left
from dispatch.store import events, plans, routes, tickets
from dispatch.store.lifecycle import TicketStatus
from dispatch.store.tables import Plan, PlanOption, RouteLeg, Ticket, TicketEvent
from dispatch.timeparse import parse_instant

S = TypeVar("S", bound=BaseModel)
OPEN = frozenset(
    {
        TicketStatus.ACCEPTED,
        TicketStatus.PLANNED,
        TicketStatus.DISPATCHED,
        TicketStatus.ESCALATED,
        TicketStatus.UNSERVABLE,
    }
)


def from_row(schema: type[S], row: object, **computed: Any) -> S:
    """``schema`` validated from ``row``'s attributes of the same names and the ``computed``
    fields the row does not hold (a stored row becomes a public body without a field-by-field
    copy: a column added to both is served with no change here)."""
    names = schema.model_fields.keys() - computed.keys()
    return schema.model_validate({**{n: getattr(row, n) for n in names}, **computed})


def _clock(ticket: Ticket, now: datetime) -> tuple[int | None, bool | None]:
    if ticket.deadline is None or TicketStatus(ticket.status) not in OPEN:
        return None, None
    return int(time_left(ticket.deadline, now).total_seconds()), at_risk(ticket.deadline, now)


def ticket_public(
    session: Session, ticket: Ticket, now: datetime, *, submitted: TicketEvent | None = None
) -> TicketPublic:
    """Everything about one ticket, with time left measured at ``now``.

    ``submitted``, the event of a ticket submitted in this transaction, is its whole history,
    and such a ticket has no plan or RMA return yet: nothing to look up on the intake path,
    the hot one under load.
    """
    new = submitted is not None
    left, risky = _clock(ticket, now)
    owed = None if new else tickets.rma(session, ticket.id)
    plan = None if new else plans.latest(session, ticket.id)
    history = [submitted] if submitted is not None else events.history(session, ticket.id)
    return from_row(
        TicketPublic,
        ticket,
        reaction_breached=tickets.reaction_breached(ticket, now),
        time_left_s=left,
        at_risk=risky,
        plan_id=None if plan is None else plan.id,
        rma=None
        if owed is None
        else from_row(RmaPublic, owed, overdue=tickets.is_overdue(owed, now)),
        decision=_decision(ticket, history),
        history=[from_row(EventPublic, e) for e in history],
    )


def _decision(ticket: Ticket, history: Sequence[TicketEvent]) -> Decision | None:
    """An unservable ticket's latest verdict."""
    if ticket.status != TicketStatus.UNSERVABLE:
        return None
    event = next((e for e in reversed(history) if e.kind == "unservable"), None)
    if event is None:
        return None
    left = [OptionLeftPublic.model_validate(o) for o in event.data.get("options_left", [])]
    return Decision(reasons=event.data.get("reasons", []), options_left=left, at=event.at)


def breach_public(ticket: Ticket, now: datetime) -> BreachPublic:
    """One reaction-clock breach."""
    assert ticket.reaction_due is not None
    late = (ticket.contacted_at or now) - ticket.reaction_due
    return BreachPublic(
        ticket_id=ticket.id, tier=ticket.tier, status=ticket.status,
        submitted_at=ticket.submitted_at, reaction_due=ticket.reaction_due,
        contacted_at=ticket.contacted_at, late_by_s=int(late.total_seconds()),
    )  # fmt: skip


def ticket_summary(ticket: Ticket, now: datetime) -> TicketSummary:
    """One queue row."""
    left, risky = _clock(ticket, now)
    return from_row(TicketSummary, ticket, time_left_s=left, at_risk=risky)


def leg_public(leg: RouteLeg, now: datetime) -> LegPublic:
    """A booked leg; under way once its departure is past."""
    return from_row(
        LegPublic,
        leg,
        origin=PointPublic(lat=leg.origin_lat, lon=leg.origin_lon, name=leg.origin_name),
        destination=PointPublic(lat=leg.dest_lat, lon=leg.dest_lon, name=leg.dest_name),
        under_way=leg.depart_at <= now,
    )


def proposed_leg_public(raw: dict[str, Any]) -> LegPublic:
    """A leg a plan option would book (nothing is under way yet)."""
    leg = routes.leg_of(raw)
    return LegPublic(
        vehicle=leg.vehicle,
        kind=leg.kind,
        ticket_id=None if leg.ticket is None else int(leg.ticket),
        plan_id=None,
        origin=PointPublic(lat=leg.origin.lat, lon=leg.origin.lon, name=leg.origin.name),
        destination=PointPublic(
            lat=leg.destination.lat, lon=leg.destination.lon, name=leg.destination.name
        ),
        depart_at=leg.depart,
        arrive_at=leg.arrive,
        start_at=leg.start,
        finish_at=leg.finish,
        drive_s=leg.drive_s,
        distance_m=leg.distance_m,
        under_way=False,
        shape=leg.shape,
    )


def _option(option: PlanOption, deadline: datetime) -> OptionPublic:
    return from_row(
        OptionPublic,
        option,
        slack_s=int(time_left(deadline, option.arrival_at).total_seconds()),
        legs=[proposed_leg_public(raw) for raw in option.legs or []],
        moves=[
            MovePublic(
                ticket_id=int(m["ticket"]),
                before=parse_instant(m["before"], field="move.before"),
                after=parse_instant(m["after"], field="move.after"),
            )
            for m in option.moves or []
        ],
    )


def plan_public(session: Session, plan: Plan) -> PlanPublic:
    """A plan with its recommendation, alternatives and the units it holds."""
    ticket = tickets.get(session, plan.ticket_id)
    assert ticket.deadline is not None  # plans exist only for accepted tickets
    ranked = [_option(o, ticket.deadline) for o in plans.options(session, plan.id)]
    held = SqlLedger(session).held(ticket.id) if plan.status == plans.CONFIRMED else []
    return from_row(
        PlanPublic,
        plan,
        deadline=ticket.deadline,
        reserved_units=held,
        recommendation=ranked[0],
        alternatives=ranked[1:],
    )
