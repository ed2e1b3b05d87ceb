"""Mark an engineer unavailable and move their remaining visits to new plans.

The engineer's shifts are cut at ``now`` up to ``until`` (master data: shifts shortened or
removed), then each of their unfinished visits is planned again with the engine and the new
recommendation confirmed: the old unit is released, the new one reserved and the old visit
superseded, or, when no new plan can be confirmed, the ticket keeps its old plan.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from api.console.schemas import Replanned, ReplanReport
from api.planning import HORIZON, Planner, load_snapshot, planning_ticket
from api.workflows import reserve_and_confirm, with_digest
from depots.ledger.sql import SqlLedger
from dispatch.errors import DispatchError, Infeasible, InvalidInput, NotFound
from dispatch.store import plans, routes, tickets
from dispatch.store.db import transaction
from dispatch.store.tables import Engineer, Shift
from dispatch.timeparse import WARSAW, format_instant


def end_of_day(now: datetime) -> datetime:
    """Midnight after ``now`` in Warsaw."""
    today = now.astimezone(WARSAW).date()
    return datetime.combine(today + timedelta(days=1), time(0), WARSAW)


def cut_shifts(session: Session, engineer_id: str, now: datetime, until: datetime) -> int:
    """Remove working time in [now, until); return how many shifts changed."""
    shifts = session.scalars(
        select(Shift).where(
            Shift.engineer_id == engineer_id, Shift.end_at > now, Shift.start_at < until
        )
    ).all()
    for shift in shifts:
        if shift.start_at >= now and shift.end_at <= until:
            session.execute(delete(Shift).where(Shift.id == shift.id))
        elif shift.start_at >= now:
            shift.start_at = until
        else:
            shift.end_at = now
    return len(shifts)


def mark_unavailable(
    db: sessionmaker[Session],
    planner: Planner,
    *,
    engineer_id: str,
    reason: str,
    until: datetime | None,
    actor: str,
    now: datetime,
) -> ReplanReport:
    """Cut the engineer's shifts, then replan and confirm each of their unfinished visits.

    Raises
    ------
    InvalidInput
        When ``until`` is not after ``now`` (nothing would change).
    NotFound
        When there is no such engineer.
    """
    if until is not None and until <= now:
        raise InvalidInput("until", f"must be after now ({format_instant(now)})")
    with transaction(db) as session:
        if session.get(Engineer, engineer_id) is None:
            raise NotFound("engineer", engineer_id)
        cut = cut_shifts(session, engineer_id, now, until or end_of_day(now))
        affected = sorted(
            {
                leg.ticket_id
                for leg in routes.of_vehicle(session, engineer_id, now, now + HORIZON)
                if leg.ticket_id is not None and leg.kind == "visit"
            }
        )
    note = f"engineer {engineer_id} unavailable: {reason}"
    return ReplanReport(
        engineer_id=engineer_id,
        shifts_cut=cut,
        tickets=[
            _replan(db, planner, ticket_id, engineer_id, note, actor, now) for ticket_id in affected
        ],
    )


def _replan(
    db: sessionmaker[Session],
    planner: Planner,
    ticket_id: int,
    absent: str,
    note: str,
    actor: str,
    now: datetime,
) -> Replanned:
    """Plan ``ticket_id`` again and confirm the recommendation, all in one transaction.

    The ticket's own unit is released first so the engine may keep it; if no new plan can be
    confirmed the transaction rolls back and the old plan, unit and visit stay as they were.
    The ``absent`` engineer is left out of the engine's world altogether.
    """
    try:
        with transaction(db) as session:
            ticket = tickets.get(session, ticket_id, for_update=True)
            plans.check_plannable(ticket)
            SqlLedger(session).release(ticket_id=ticket.id, now=now)
            world = load_snapshot(session, now, for_ticket=ticket.id, absent=absent)
            options = [
                with_digest(session, option, ticket.id)
                for option in planner.plan(world, planning_ticket(session, ticket))
            ]
            if not options:
                raise Infeasible([f"the planner found no way to serve ticket {ticket.id}"])
            plan = plans.store(
                session=session, ticket=ticket, options=options, actor=actor, now=now
            )
            chosen = plans.option(session, plan, 0)
            reserve_and_confirm(
                session=session,
                ticket=ticket,
                plan=plan,
                chosen=chosen,
                actor=actor,
                reason=note,
                now=now,
            )
            return Replanned(
                ticket_id=ticket_id,
                plan_id=plan.id,
                mode=chosen.mode,
                engineer_id=chosen.engineer_id,
                arrival_at=chosen.arrival_at,
                error=None,
            )
    except DispatchError as failed:
        return Replanned(
            ticket_id=ticket_id,
            plan_id=None,
            mode=None,
            engineer_id=None,
            arrival_at=None,
            error=str(failed),
        )
