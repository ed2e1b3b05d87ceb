"""Move a visit to another engineer or a time of day: the engine checks the move and it becomes
a proposal.

The engine plans the ticket in a world where only the chosen engineer works (everyone else's
day, the stock and the ticket's own unit as a fresh plan sees them), so what comes back is
what that engineer can do: arrival, slack, cost and the visits it moves on their day. A time
of day (``at``) is the visit's earliest start: the engine starts the work no earlier, even when
that makes the ticket late (the proposal then says it is late). The result is stored as an
ordinary proposal: nothing is reserved and the plan in force holds until the dispatcher
confirms the move through ``/v1/plans/{id}/confirm``, which re-checks it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from api.planning import Planner, load_snapshot, planning_ticket
from api.schemas.plans import PlanPublic
from api.views import plan_public
from api.workflows import with_digest
from dispatch.errors import Infeasible, InvalidInput, NotFound
from dispatch.store import plans, tickets
from dispatch.store.db import transaction
from dispatch.timeparse import WARSAW, localize, parse_instant
from dispatch.world import EngineerState, Service, TicketState

TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def propose_move(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    planner: Planner,
    *,
    ticket_id: int,
    engineer_id: str | None,
    at: str | None,
    actor: str,
    now: datetime,
) -> PlanPublic:
    """The ticket planned with ``engineer_id`` only (any engineer when None), its visit
    starting no earlier than ``at`` when given, stored as a proposal.

    Raises
    ------
    NotFound
        When the engineer does not exist or has no working time ahead.
    InvalidInput
        When ``at`` is unreadable, in the past, outside the engineer's shifts, or given for a
        ticket without a visit (a delivery).
    Infeasible
        When the engine finds no way for that engineer to serve the ticket (from that time).
    """
    with transaction(reads) as session:
        ticket = tickets.get(session, ticket_id)
        plans.check_plannable(ticket)
        world = load_snapshot(session, now, for_ticket=ticket.id)
        state = planning_ticket(session, ticket)
        engineers = world.engineers
        if engineer_id is not None:
            engineers = tuple(e for e in world.engineers if e.id == engineer_id)
            if not engineers:
                raise NotFound("engineer", engineer_id)
        if at is not None:
            state = dataclasses.replace(state, not_before=visit_start(at, state, engineers, now))
        options = planner.plan(dataclasses.replace(world, engineers=engineers), state)
        moved = [
            with_digest(session, o, ticket.id)
            for o in options
            if o.engineer_id is not None and engineer_id in (None, o.engineer_id)
        ]
    if not moved:
        who = f"engineer {engineer_id}" if engineer_id is not None else "no engineer"
        when = "" if state.not_before is None else f" from {_shown(state.not_before)}"
        verb = "cannot serve" if engineer_id is not None else "can serve"
        raise Infeasible([f"{who} {verb} ticket {ticket_id}{when}"])
    with transaction(db) as session:
        ticket = tickets.get(session, ticket_id, for_update=True)
        stored = plans.store(session=session, ticket=ticket, options=moved, actor=actor, now=now)
        return plan_public(session, stored)


def visit_start(
    text: str, ticket: TicketState, engineers: Sequence[EngineerState], now: datetime
) -> datetime:
    """The earliest start ``text`` asks for (``HH:MM`` today in Warsaw, or an ISO 8601 date-time),
    checked: not in the past, within a working window of one of ``engineers`` that may serve
    the ticket, and only for a ticket with a visit.

    Raises
    ------
    InvalidInput
        Naming ``at`` and what is wrong with it.
    """
    if ticket.service is not Service.SOS:
        raise InvalidInput(
            "at", f"ticket {ticket.id} is a delivery (AHB): there is no visit to time"
        )
    found = TIME_OF_DAY.match(text.strip())
    if found is not None:
        wall = time(int(found.group(1)), int(found.group(2)))
        start = localize(datetime.combine(now.astimezone(WARSAW).date(), wall), field="at")
    else:
        start = parse_instant(text, field="at")
    if start < now.replace(second=0, microsecond=0):
        raise InvalidInput("at", f"{_shown(start)} is in the past (now {_shown(now)})")
    round_the_clock = ticket.tier.window.always_open
    windows = [w for e in engineers for w in e.windows if round_the_clock or not w.on_call]
    if any(w.start <= start < w.end for w in windows):
        return start
    if len(engineers) != 1:
        raise InvalidInput("at", f"{_shown(start)} is outside every engineer's shifts")
    day = start.astimezone(WARSAW).date()
    that_day = [
        f"{_clock(w.start)}-{_clock(w.end)}"
        for w in windows
        if w.start.astimezone(WARSAW).date()
        <= day
        <= (w.end - timedelta(seconds=1)).astimezone(WARSAW).date()
    ]
    shifts = f"shifts that day: {', '.join(that_day)}" if that_day else "no shift that day"
    raise InvalidInput(
        "at", f"{_shown(start)} is outside engineer {engineers[0].id}'s shifts ({shifts})"
    )


def _shown(moment: datetime) -> str:
    return moment.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")


def _clock(moment: datetime) -> str:
    return moment.astimezone(WARSAW).strftime("%H:%M")
