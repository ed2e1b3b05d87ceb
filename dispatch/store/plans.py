"""Stored plans: each planning run's ranked options, and the one a dispatcher confirmed.

Rank 0 is the engine's recommendation, the rest are its alternatives. Confirming an option
(the recommendation, or another one as an override) supersedes the ticket's other plans and,
for an engineer visit, puts it on the engineer's day plan. Stock is reserved by the caller in
the same transaction (the stock ledger's ``reserve``); this module knows nothing of depots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatch.errors import Conflict, InvalidInput
from dispatch.plans import Leg, Move
from dispatch.store import routes
from dispatch.store.db import one_or_not_found
from dispatch.store.lifecycle import PLANNABLE, TicketStatus
from dispatch.store.tables import Plan, PlanOption, Ticket
from dispatch.store.tickets import move
from dispatch.timeparse import format_instant
from dispatch.world import Point
from solver.candidates import PLAN_NAMES

PROPOSED = "proposed"
CONFIRMED = "confirmed"
SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class ProposedOption:
    """One way to serve a ticket, as a planner proposes it.

    ``depart_at`` is when the part (or engineer) leaves, ``arrival_at`` when it reaches the site
    (what the SLA deadline measures) and ``finish_at`` when the work there ends.
    """

    mode: str
    depot_id: str
    sku: str
    engineer_id: str | None
    depart_at: datetime
    arrival_at: datetime
    finish_at: datetime
    cost_gr: int
    reason: str
    source: str = ""  # parcel, car, depot, van or meet
    legs: tuple[Leg, ...] = ()  # as the engine timed them; stored on confirm
    moves: tuple[Move, ...] = ()  # other visits this option moves
    route_key: str | None = None  # the engineer's window whose booked legs it replaces
    route_digest: str | None = None  # what that window held when planned

    def __post_init__(self) -> None:
        if self.mode not in PLAN_NAMES:
            raise InvalidInput(
                "option.mode", f"must be one of {', '.join(PLAN_NAMES)}, got {self.mode!r}"
            )
        if (self.mode == "engineer") != (self.engineer_id is not None):
            raise InvalidInput("option.engineer_id", "is required for, and only for, engineer mode")
        if not self.depart_at <= self.arrival_at <= self.finish_at:
            raise InvalidInput("option.arrival_at", "needs depart_at <= arrival_at <= finish_at")
        if self.cost_gr < 0:
            raise InvalidInput("option.cost_gr", f"must be >= 0, got {self.cost_gr}")


def check_plannable(ticket: Ticket) -> None:
    """Refuse to plan a ticket that is not accepted or is already finished.

    Raises
    ------
    Conflict
        When the ticket's state does not allow planning.
    """
    if TicketStatus(ticket.status) not in PLANNABLE:
        allowed = ", ".join(sorted(PLANNABLE))
        raise Conflict(f"ticket {ticket.id} is {ticket.status}; only {allowed} tickets are planned")


def store(
    *,
    session: Session,
    ticket: Ticket,
    options: Sequence[ProposedOption],
    actor: str,
    now: datetime,
) -> Plan:
    """Save a planning run for ``ticket`` and supersede its earlier proposals.

    A ticket that holds a confirmed plan (dispatched, or escalated after dispatch) is, or goes
    back to, dispatched: that plan and its reserved unit hold until a new one is confirmed, and
    the ticket can still be reported delivered. Otherwise the ticket becomes planned.

    Raises
    ------
    Conflict
        When the ticket is not in a plannable state.
    InvalidInput
        When ``options`` is empty.
    """
    check_plannable(ticket)
    if not options:
        raise InvalidInput("options", "a plan needs at least one option")
    session.execute(
        update(Plan)
        .where(Plan.ticket_id == ticket.id, Plan.status == PROPOSED)
        .values(status=SUPERSEDED)
    )
    plan = Plan(ticket_id=ticket.id, created_at=now, status=PROPOSED)
    session.add(plan)
    session.flush()
    session.add_all(
        PlanOption(
            plan_id=plan.id,
            rank=rank,
            mode=o.mode,
            depot_id=o.depot_id,
            sku=o.sku,
            engineer_id=o.engineer_id,
            depart_at=o.depart_at,
            arrival_at=o.arrival_at,
            finish_at=o.finish_at,
            cost_gr=o.cost_gr,
            reason=o.reason,
            source=o.source,
            legs=[routes.leg_json(leg) for leg in o.legs] or None,
            moves=[routes.move_json(m) for m in o.moves] or None,
            route_key=o.route_key,
            route_digest=o.route_digest,
        )
        for rank, o in enumerate(options)
    )
    status = TicketStatus.DISPATCHED if _holds_confirmed(session, ticket) else TicketStatus.PLANNED
    move(
        session=session,
        ticket=ticket,
        status=status,
        kind="planned",
        actor=actor,
        now=now,
        data={"plan_id": plan.id, "options": len(options)},
    )
    return plan


def _holds_confirmed(session: Session, ticket: Ticket) -> bool:
    """Whether ``ticket`` has a confirmed plan in force (escalation does not undo it)."""
    if ticket.status == TicketStatus.DISPATCHED:
        return True
    if ticket.status != TicketStatus.ESCALATED:
        return False
    confirmed = select(Plan.id).where(Plan.ticket_id == ticket.id, Plan.status == CONFIRMED)
    return session.scalars(confirmed.limit(1)).first() is not None


def get(session: Session, plan_id: int, *, for_update: bool = False) -> Plan:
    """The plan ``plan_id``.

    Raises
    ------
    NotFound
        When there is no such plan.
    """
    query = select(Plan).where(Plan.id == plan_id)
    return one_or_not_found(session, query, kind="plan", ident=plan_id, for_update=for_update)


def ticket_of(session: Session, plan_id: int) -> int:
    """The id of the ticket plan ``plan_id`` was made for.

    Raises
    ------
    NotFound
        When there is no such plan.
    """
    query = select(Plan.ticket_id).where(Plan.id == plan_id)
    return one_or_not_found(session, query, kind="plan", ident=plan_id, for_update=False)


def options(session: Session, plan_id: int) -> Sequence[PlanOption]:
    """A plan's options by rank (0 = recommendation)."""
    return session.scalars(
        select(PlanOption).where(PlanOption.plan_id == plan_id).order_by(PlanOption.rank)
    ).all()


def option(session: Session, plan: Plan, rank: int) -> PlanOption:
    """Option ``rank`` of ``plan``.

    Raises
    ------
    InvalidInput
        When the plan has no such rank.
    """
    found = session.scalars(
        select(PlanOption).where(PlanOption.plan_id == plan.id, PlanOption.rank == rank)
    ).one_or_none()
    if found is None:
        count = len(options(session, plan.id))
        raise InvalidInput("rank", f"plan {plan.id} has options 0..{count - 1}, not {rank}")
    return found


def latest(session: Session, ticket_id: int) -> Plan | None:
    """The ticket's confirmed plan if any, else its newest live proposal."""
    return session.scalars(
        select(Plan)
        .where(Plan.ticket_id == ticket_id, Plan.status != SUPERSEDED)
        .order_by((Plan.status == CONFIRMED).desc(), Plan.id.desc())
        .limit(1)
    ).first()


def confirmed_option(session: Session, ticket_id: int) -> PlanOption | None:
    """The option the ticket's confirmed plan chose, if it has one (one query)."""
    return session.scalars(
        select(PlanOption)
        .join(Plan, Plan.id == PlanOption.plan_id)
        .where(
            Plan.ticket_id == ticket_id,
            Plan.status == CONFIRMED,
            PlanOption.rank == Plan.confirmed_rank,
        )
        .order_by(Plan.id.desc())
        .limit(1)
    ).first()


def check_confirmable(plan: Plan, rank: int) -> bool:
    """Whether confirming ``rank`` is needed: False when it is already the confirmed one.

    Raises
    ------
    Conflict
        When the plan was superseded by a newer one.
    """
    if plan.status == SUPERSEDED:
        raise Conflict(f"plan {plan.id} was superseded by a newer plan; confirm that one")
    return not (plan.status == CONFIRMED and plan.confirmed_rank == rank)


def confirm(
    *,
    session: Session,
    ticket: Ticket,
    plan: Plan,
    chosen: PlanOption,
    actor: str,
    reason: str | None,
    now: datetime,
) -> None:
    """Make ``chosen`` the ticket's plan: others superseded, engineer's day updated, dispatched.

    ``reason`` is the dispatcher's note when the choice overrides the recommendation.
    """
    session.execute(
        update(Plan)
        .where(Plan.ticket_id == ticket.id, Plan.id != plan.id, Plan.status != SUPERSEDED)
        .values(status=SUPERSEDED)
    )
    routes.book(
        session=session,
        ticket_id=ticket.id,
        plan_id=plan.id,
        legs=booked_legs(chosen, ticket.id),
        route_key=chosen.route_key,
        route_digest=chosen.route_digest,
    )
    plan.status = CONFIRMED
    plan.confirmed_rank = chosen.rank
    plan.confirmed_by = actor
    plan.override_reason = reason
    kind = "overridden" if chosen.rank != 0 else "confirmed"
    move(
        session=session,
        ticket=ticket,
        status=TicketStatus.DISPATCHED,
        kind=kind,
        actor=actor,
        now=now,
        data={
            **choice_data(plan, chosen.rank, chosen),
            "arrival_at": format_instant(chosen.arrival_at),
            "reason": reason,
        },
    )


def choice_data(plan: Plan, rank: int | None, chosen: PlanOption) -> dict[str, Any]:
    """What a ticket event says of the option a confirm books or a release gives up."""
    return {
        "plan_id": plan.id,
        "rank": rank,
        "mode": chosen.mode,
        "depot_id": chosen.depot_id,
        "engineer_id": chosen.engineer_id,
    }


def booked_legs(option: PlanOption, ticket_id: int) -> tuple[Leg, ...]:
    """The legs a confirm of ``option`` books: the engine's, or, for an option planned without
    legs, its engineer's journey and visit as one leg (nothing is booked for other modes)."""
    if option.legs:
        return tuple(routes.leg_of(raw) for raw in option.legs)
    if option.engineer_id is None:
        return ()
    nowhere = Point(0.0, 0.0, "")
    return (
        Leg(
            vehicle=option.engineer_id,
            kind="visit",
            ticket=str(ticket_id),
            ref=str(ticket_id),
            origin=nowhere,
            destination=nowhere,
            depart=option.depart_at,
            arrive=option.arrival_at,
            start=option.arrival_at,
            finish=option.finish_at,
            drive_s=0,
            distance_m=0,
        ),
    )
