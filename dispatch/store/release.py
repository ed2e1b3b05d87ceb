"""Releasing a confirmed plan: the confirm taken back while nothing of it has started.

The plan becomes a proposal again (its options as they were, so it can be confirmed again),
the ticket goes back to ``planned`` with a ``released`` event, and its legs are given up. For
an engineer visit the working window goes back to what it held before the confirm: the other
visits the confirm re-timed get their old legs back and so does the drive home, so the window's
digest is again the one the plan was made against. That is only possible while none of it has
started; otherwise the day has moved on and the release is refused (plan again instead). The
caller gives the stock units back in the same transaction (this module knows nothing of depots).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dispatch.errors import Conflict
from dispatch.store import events, routes
from dispatch.store.lifecycle import TicketStatus
from dispatch.store.plans import CONFIRMED, PROPOSED, SUPERSEDED, choice_data, option
from dispatch.store.tables import FieldEvent, Plan, PlanOption, RouteLeg, Ticket
from dispatch.store.tickets import move
from dispatch.timeparse import format_instant

RELEASED = "released"
"""The event kind of a release (the counterpart of ``confirmed`` and ``overridden``)."""
STARTED = ("departed", "arrived", "finished", "failed")


def was_released(session: Session, plan: Plan) -> bool:
    """Whether ``plan`` is a proposal because it was released (not confirmed since)."""
    if plan.status != PROPOSED:
        return False
    kinds = [e.kind for e in events.history(session, plan.ticket_id)
             if e.data.get("plan_id") == plan.id]  # fmt: skip
    return RELEASED in kinds


def check_releasable(session: Session, ticket: Ticket, plan: Plan, now: datetime) -> None:
    """Refuse to release a plan that is not the ticket's confirmed one, or whose work started.

    Raises
    ------
    Conflict
        When the plan is not confirmed (or superseded), the ticket is past dispatch, a field
        report says the visit started, or its first leg has left.
    """
    if plan.status == SUPERSEDED:
        raise Conflict(
            f"plan {plan.id} was superseded by a newer plan; there is nothing to release"
        )
    if plan.status != CONFIRMED:
        raise Conflict(f"plan {plan.id} is not confirmed; there is nothing to release")
    if ticket.status not in (TicketStatus.DISPATCHED, TicketStatus.ESCALATED):
        raise Conflict(f"ticket {ticket.id} is {ticket.status}; its plan can no longer be released")
    report = session.scalars(
        select(FieldEvent)
        .where(
            FieldEvent.ticket_id == ticket.id,
            FieldEvent.kind.in_(STARTED),
            or_(FieldEvent.plan_id == plan.id, FieldEvent.plan_id.is_(None)),
        )
        .order_by(FieldEvent.at)
        .limit(1)
    ).first()
    if report is not None:
        raise Conflict(
            f"ticket {ticket.id}'s visit has started: {report.vehicle} reported {report.kind} "
            f"at {format_instant(report.at)}"
        )
    left = [leg for leg in routes.of_ticket(session, ticket.id) if leg.depart_at < now]
    if left:
        raise Conflict(
            f"ticket {ticket.id} is under way: {left[0].vehicle}'s {left[0].kind} leg left at "
            f"{format_instant(left[0].depart_at)}"
        )


def release(
    *, session: Session, ticket: Ticket, plan: Plan, units: Sequence[str], actor: str, now: datetime
) -> None:
    """Take back ``plan``'s confirm (checked by :func:`check_releasable`): the window as before,
    the ticket's legs given up, the plan a proposal again, the ticket planned, the event logged
    with the ``units`` the caller gave back.

    Raises
    ------
    Conflict
        When the engineer's window cannot go back as it was (another of its legs started, or
        the old times have passed).
    """
    chosen = option(session, plan, plan.confirmed_rank or 0)
    if chosen.route_key is not None:
        _restore_window(session, ticket.id, chosen, now)
    routes.release(session, ticket.id)
    rank = plan.confirmed_rank
    plan.status, plan.confirmed_rank = PROPOSED, None
    plan.confirmed_by, plan.override_reason = None, None
    move(
        session=session,
        ticket=ticket,
        status=TicketStatus.PLANNED,
        kind=RELEASED,
        actor=actor,
        now=now,
        data={**choice_data(plan, rank, chosen), "units": list(units)},
    )


def _restore_window(session: Session, ticket_id: int, chosen: PlanOption, now: datetime) -> None:
    """Put the engineer's window back as it was before the confirm of ``chosen``.

    That confirm wrote the option's legs of the window in one go (the ticket's, the other visits
    re-timed, the drive home); each of them replaced the newest older leg of the same ticket
    and kind, and the drive home that left at the end of the last of those. When the window's
    legs are no longer the ones the confirm wrote (re-timed or re-booked since), or one of them
    (or an old time) has started, the day has moved on and cannot go back.
    """
    assert chosen.route_key is not None
    engineer = routes.window_of_key(chosen.route_key)[0]
    routes.lock_vehicles(session, {engineer})
    active = {
        (leg.ticket_id, leg.kind, leg.start_at): leg
        for leg in session.scalars(
            select(RouteLeg).where(
                RouteLeg.vehicle == engineer,
                RouteLeg.route_key == chosen.route_key,
                RouteLeg.active.is_(True),
            )
        )
    }
    written: list[RouteLeg] = []
    for booked in (routes.leg_of(raw) for raw in chosen.legs or ()):
        if booked.vehicle != engineer:
            continue
        owner = None if booked.ticket is None else int(booked.ticket)
        found = active.get((owner, booked.kind, booked.start))
        if found is None:
            raise Conflict(_moved_on(engineer, "its legs were re-timed since"))
        written.append(found)
    if not written:
        return
    first = min(leg.id for leg in written)
    olds: dict[int, RouteLeg] = {}
    for leg in written:
        if leg.ticket_id == ticket_id:
            continue
        if leg.depart_at < now:
            raise Conflict(_moved_on(engineer, f"the {leg.kind} of {leg.ref} has started"))
        old = None if leg.ticket_id is None else _newest_replaced(session, engineer, leg, first)
        if old is not None:
            if old.depart_at < now:
                raise Conflict(_moved_on(engineer, f"the old time of {leg.ref} has passed"))
            olds[leg.id] = old
    work = sorted(olds.values(), key=lambda leg: leg.finish_at)
    home = _drive_home(session, engineer, work[-1], first) if work else None
    given_up = [leg.id for leg in written if leg.id in olds or leg.kind == "return"]
    session.execute(update(RouteLeg).where(RouteLeg.id.in_(given_up)).values(active=False))
    back = [leg.id for leg in work] + ([home.id] if home is not None else [])
    session.execute(update(RouteLeg).where(RouteLeg.id.in_(back)).values(active=True))


def _newest_replaced(
    session: Session, engineer: str, leg: RouteLeg, before: int
) -> RouteLeg | None:
    """The leg of the same ticket and kind that was booked before leg id ``before``."""
    return session.scalars(
        select(RouteLeg)
        .where(
            RouteLeg.vehicle == engineer,
            RouteLeg.ticket_id == leg.ticket_id,
            RouteLeg.kind == leg.kind,
            RouteLeg.active.is_(False),
            RouteLeg.id < before,
        )
        .order_by(RouteLeg.id.desc())
        .limit(1)
    ).first()


def _drive_home(session: Session, engineer: str, last: RouteLeg, before: int) -> RouteLeg | None:
    """The drive home that left where and when the window's last old visit ended."""
    return session.scalars(
        select(RouteLeg)
        .where(
            RouteLeg.vehicle == engineer,
            RouteLeg.kind == "return",
            RouteLeg.active.is_(False),
            RouteLeg.id < before,
            RouteLeg.depart_at == last.finish_at,
            RouteLeg.origin_lat == last.dest_lat,
            RouteLeg.origin_lon == last.dest_lon,
        )
        .order_by(RouteLeg.id.desc())
        .limit(1)
    ).first()


def _moved_on(engineer: str, what: str) -> str:
    return (
        f"engineer {engineer}'s day has moved on since the confirm ({what}); plan it again instead"
    )
