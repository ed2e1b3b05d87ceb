"""Use cases that span packages, each one transaction: intake, planning, confirmation, delivery.

This is the wiring layer between ``dispatch.store`` (tickets, plans) and the stock ledger
``depots.ledger`` (reservations); the rules themselves live in those packages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.errors import PlanConflict
from api.planning import Planner, load_snapshot, planning_ticket
from api.schemas.plans import PlanPublic
from api.schemas.tickets import TicketPublic
from api.views import plan_public, ticket_public
from depots.ledger import OutOfStock, StockLine
from depots.ledger.sql import SqlLedger
from dispatch.errors import Infeasible, InvalidInput
from dispatch.options_left import Unservable, options_left
from dispatch.store import plans, routes, tickets, vans
from dispatch.store.db import transaction
from dispatch.store.lifecycle import TRANSITIONS, TicketStatus
from dispatch.store.plans import ProposedOption
from dispatch.store.routes import RouteChanged
from dispatch.store.tables import Plan, PlanOption, Ticket
from dispatch.store.vans import VanEmpty
from dispatch.timeparse import WARSAW


def submit(
    db: sessionmaker[Session],
    *,
    client: str,
    new: tickets.NewTicket,
    idempotency_key: str | None,
    now: datetime,
) -> tuple[TicketPublic, bool]:
    """Create a ticket, or find the one an earlier request with the same key created.

    Two racing requests with one key both pass the lookup on PostgreSQL; the loser's insert
    of the key fails, and it then reads the winner's ticket.
    """
    try:
        return _submit_once(db, client, new, idempotency_key, now)
    except IntegrityError:
        if idempotency_key is None:
            raise
        return _submit_once(db, client, new, idempotency_key, now)  # finds the twin's ticket


def _submit_once(
    db: sessionmaker[Session],
    client: str,
    new: tickets.NewTicket,
    idempotency_key: str | None,
    now: datetime,
) -> tuple[TicketPublic, bool]:
    with transaction(db) as session:
        ticket, submitted = tickets.create(
            session=session, client=client, new=new, idempotency_key=idempotency_key, now=now
        )
        return ticket_public(session, ticket, now, submitted=submitted), submitted is not None


def _options(
    session: Session, planner: Planner, ticket: Ticket, now: datetime
) -> Sequence[ProposedOption]:
    plans.check_plannable(ticket)
    world = load_snapshot(session, now, for_ticket=ticket.id)
    state = planning_ticket(session, ticket)
    try:
        options = planner.plan(world, state)
    except Infeasible as none:
        raise Unservable(none.reasons, options_left(world, state)) from None
    if not options:
        reasons = [f"the planner found no way to serve ticket {ticket.id}"]
        raise Unservable(reasons, options_left(world, state))
    return [with_digest(session, option, ticket.id) for option in options]


def with_digest(session: Session, option: ProposedOption, ticket_id: int) -> ProposedOption:
    """The option with what its engineer's window holds now, so a confirm can tell whether
    another confirm changed that window in between."""
    if option.route_key is None:
        return option
    return dataclasses.replace(
        option, route_digest=routes.digest(session, option.route_key, ticket_id)
    )


def _propose(session: Session, planner: Planner, ticket: Ticket, actor: str, now: datetime) -> Plan:
    options = _options(session, planner, ticket, now)
    return plans.store(session=session, ticket=ticket, options=options, actor=actor, now=now)


def plan(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    planner: Planner,
    *,
    ticket_id: int,
    actor: str,
    now: datetime,
) -> PlanPublic:
    """Ask the engine for a recommendation with alternatives and store it as a proposal.

    The engine works on a snapshot read outside the writing transaction: a proposal reserves
    nothing (confirm re-checks the stock atomically), and holding SQLite's single write lock
    through a search would queue every other writer behind it. Storing re-checks that the
    ticket may still be planned.
    """
    try:
        with transaction(reads) as session:
            options = _options(session, planner, tickets.get(session, ticket_id), now)
    except Unservable as none:
        with transaction(db) as session:
            mark_unservable(session, ticket_id, none, actor, now)
        raise
    with transaction(db) as session:
        ticket = tickets.get(session, ticket_id, for_update=True)
        stored = plans.store(session=session, ticket=ticket, options=options, actor=actor, now=now)
        return plan_public(session, stored)


def confirm(
    db: sessionmaker[Session],
    planner: Planner,
    *,
    plan_id: int,
    rank: int,
    actor: str,
    reason: str | None,
    now: datetime,
) -> PlanPublic:
    """Confirm option ``rank``: reserve its unit atomically and dispatch the ticket.

    Confirming the already-confirmed option again changes nothing, unless it comes with a new
    reason: then the dispatcher's latest word is recorded (a new event, the reason replaced)
    and the held unit stays. When the unit is gone, nothing is kept, a fresh plan is made and
    returned inside the 409.

    Raises
    ------
    PlanConflict
        When the depot or van has no free unit any more, or another confirm changed the
        engineer's day since the plan was made (with a fresh plan to choose from).
    """
    try:
        with transaction(db) as session:
            chosen_plan = plans.get(session, plan_id, for_update=True)
            ticket = tickets.get(session, chosen_plan.ticket_id, for_update=True)
            if plans.check_confirmable(chosen_plan, rank):
                chosen = plans.option(session, chosen_plan, rank)
                SqlLedger(session).release(ticket_id=ticket.id, now=now)
                reserve_and_confirm(
                    session=session,
                    ticket=ticket,
                    plan=chosen_plan,
                    chosen=chosen,
                    actor=actor,
                    reason=reason,
                    now=now,
                )
            elif reason is not None and reason != chosen_plan.override_reason:
                plans.confirm(  # same option, new reason: recorded again, the unit stays held
                    session=session,
                    ticket=ticket,
                    plan=chosen_plan,
                    chosen=plans.option(session, chosen_plan, rank),
                    actor=actor,
                    reason=reason,
                    now=now,
                )
            return plan_public(session, chosen_plan)
    except (OutOfStock, VanEmpty, RouteChanged) as lost:
        reason_text = lost.reason
    with transaction(db) as session:  # stock winners have committed (see SqlLedger.reserve)
        stale = plans.get(session, plan_id)
        ticket = tickets.get(session, stale.ticket_id, for_update=True)
        try:
            fresh: PlanPublic | None = plan_public(
                session, _propose(session, planner, ticket, actor, now)
            )
        except Unservable as none_left:  # kept: the ticket now says no option is left
            mark_unservable(session, ticket.id, none_left, actor, now)
            fresh, detail = None, f"{reason_text}; {none_left}"
        else:
            assert fresh is not None
            detail = f"{reason_text}; choose from the fresh plan {fresh.id}"
    raise PlanConflict(detail, None if fresh is None else fresh.model_dump(mode="json"))


def mark_unservable(
    session: Session, ticket_id: int, none: Unservable, actor: str, now: datetime
) -> None:
    """Put a ticket no option serves in the explicit ``unservable`` state, with the engine's
    reasons and the decisions left (the event reaches the client's webhook). A ticket with a
    plan in force keeps it."""
    ticket = tickets.get(session, ticket_id, for_update=True)
    if TicketStatus.UNSERVABLE not in TRANSITIONS[TicketStatus(ticket.status)]:
        return
    data = {"reasons": list(none.reasons), "options_left": [o.as_json() for o in none.left]}
    tickets.move(session=session, ticket=ticket, status=TicketStatus.UNSERVABLE,
                 kind="unservable", actor=actor, now=now, data=data)  # fmt: skip


def report_status(
    db: sessionmaker[Session],
    *,
    ticket_id: int,
    status: TicketStatus,
    at: datetime,
    note: str,
    actor: str,
    now: datetime,
) -> TicketPublic:
    """Apply a reported state; delivery also takes the reserved unit out of stock."""
    with transaction(db) as session:
        ticket = apply_status(
            session, ticket_id=ticket_id, status=status, at=at, note=note, actor=actor, now=now
        )
        return ticket_public(session, ticket, now)


def apply_status(
    session: Session,
    *,
    ticket_id: int,
    status: TicketStatus,
    at: datetime,
    note: str,
    actor: str,
    now: datetime,
) -> Ticket:
    """A reported state in the caller's transaction; delivery takes the unit out of stock."""
    check_not_before(tickets.get(session, ticket_id, for_update=True), "at", at)
    ticket = tickets.update_status(
        session=session, ticket_id=ticket_id, status=status, at=at, note=note, actor=actor,
        now=now,
    )  # fmt: skip
    if status is TicketStatus.DELIVERED:
        SqlLedger(session).consume(ticket_id=ticket_id, now=now)
        chosen = plans.confirmed_option(session, ticket_id)
        if chosen is not None and chosen.source == vans.VAN and chosen.engineer_id:
            vans.count_off(session, engineer_id=chosen.engineer_id, sku=chosen.sku)
    return ticket


def receive_return(
    db: sessionmaker[Session],
    *,
    ticket_id: int,
    received_at: datetime,
    waybill: str | None,
    actor: str,
    now: datetime,
) -> TicketPublic:
    """Record that the failed unit came back (rule 8), no earlier than its delivery."""
    with transaction(db) as session:
        ticket = tickets.get(session, ticket_id, for_update=True)
        check_not_before(ticket, "received_at", received_at)
        tickets.receive_return(
            session=session,
            ticket_id=ticket_id,
            received_at=received_at,
            waybill=waybill,
            actor=actor,
            now=now,
        )
        return ticket_public(session, ticket, now)


def check_not_before(ticket: Ticket, field: str, at: datetime) -> None:
    """Refuse a reported instant earlier than the latest one the ticket already records.

    A delivery dated before acceptance would count as on time, and a return received before
    the delivery would hide an overdue RMA.

    Raises
    ------
    InvalidInput
        Naming ``field`` and the recorded instant it precedes.
    """
    recorded = {  # the later milestone first, so that a tie names it
        "delivered_at": ticket.delivered_at,
        "accepted_at": ticket.accepted_at,
        "submitted_at": ticket.submitted_at,
    }
    name, latest = max(
        ((name, when) for name, when in recorded.items() if when is not None),
        key=lambda item: item[1],
    )
    if at < latest:
        shown = latest.astimezone(WARSAW).isoformat()
        raise InvalidInput(field, f"must not be before the ticket's {name} ({shown})")


def reserve_and_confirm(
    *,
    session: Session,
    ticket: Ticket,
    plan: Plan,
    chosen: PlanOption,
    actor: str,
    reason: str | None,
    now: datetime,
) -> None:
    """Reserve the chosen option's unit and confirm the option, in the caller's transaction.

    Raises
    ------
    OutOfStock
        When the depot has no free unit of the SKU any more.
    VanEmpty
        When the option takes the part from a van that has none left.
    RouteChanged
        When another confirm changed the engineer's window since the option was planned.
    """
    # the days it rewrites before the unit: the order an applied proposal takes them in
    routes.lock_vehicles(session, routes.vehicles_of(plans.booked_legs(chosen, ticket.id),
                                                     chosen.route_key))  # fmt: skip
    if chosen.source == vans.VAN and chosen.engineer_id is not None:
        vans.check_free(
            session, engineer_id=chosen.engineer_id, sku=chosen.sku, ticket_id=ticket.id
        )
    else:
        SqlLedger(session).reserve(
            plan_id=plan.id,
            ticket_id=ticket.id,
            lines=[StockLine(chosen.depot_id, chosen.sku)],
            now=now,
        )
    plans.confirm(
        session=session,
        ticket=ticket,
        plan=plan,
        chosen=chosen,
        actor=actor,
        reason=reason,
        now=now,
    )
