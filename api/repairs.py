"""Automatic repairs: whatever breaks a booked ticket (an engineer gone, a failed visit, an
ETA past the deadline) re-plans the tickets hit into a proposal for the dispatcher, and each
ticket the proposal changes hears of it (a ``repair_proposed`` event, so its webhook)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import reoptimise
from api.console.replan import cut_shifts, end_of_day
from api.planning import HORIZON, Planner
from api.schemas.proposals import ProposalPublic
from dispatch.errors import InvalidInput, NotFound
from dispatch.store import events, routes, tickets
from dispatch.store.db import transaction
from dispatch.store.tables import Engineer
from dispatch.timeparse import format_instant


def propose_repair(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    planner: Planner | None,
    *,
    ticket_ids: Sequence[int],
    trigger: str,
    actor: str,
    now: datetime,
    absent: str | None = None,
) -> ProposalPublic | None:
    """A repair proposal for ``ticket_ids`` (None when there is nothing to do or no engine)."""
    if planner is None or not ticket_ids:
        return None
    proposal = reoptimise.propose(
        db, reads, planner, ticket_ids=sorted(set(ticket_ids)), kind="repair", day=None,
        trigger=trigger, actor=actor, now=now, absent=absent,
    )  # fmt: skip
    with transaction(db) as session:
        for change in proposal.changes:
            ticket = tickets.get(session, change.ticket_id, for_update=True)
            after = None if change.after is None else change.after.model_dump(mode="json")
            data = {"proposal_id": proposal.id, "trigger": trigger, "after": after}
            events.record(session=session, ticket=ticket, kind="repair_proposed",
                          actor="system", at=now, data=data)  # fmt: skip
    return proposal


def engineer_unavailable(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    planner: Planner | None,
    *,
    engineer_id: str,
    reason: str,
    until: datetime | None,
    actor: str,
    now: datetime,
) -> tuple[int, ProposalPublic | None]:
    """Cut the engineer's shifts from now, then propose a repair of their visits not started.

    Raises
    ------
    InvalidInput
        When ``until`` is not after now.
    NotFound
        When there is no such engineer.
    """
    if until is not None and until <= now:
        raise InvalidInput("until", f"must be after now ({format_instant(now)})")
    with transaction(db) as session:
        if session.scalars(select(Engineer.id).where(Engineer.id == engineer_id)).first() is None:
            raise NotFound("engineer", engineer_id)
        cut = cut_shifts(session, engineer_id, now, until or end_of_day(now))
        hit = sorted({
            leg.ticket_id for leg in routes.of_vehicle(session, engineer_id, now, now + HORIZON)
            if leg.ticket_id is not None and leg.kind == "visit" and leg.depart_at > now
        })  # fmt: skip
    trigger = f"engineer {engineer_id} unavailable: {reason}"
    proposal = propose_repair(db, reads, planner, ticket_ids=hit, trigger=trigger, actor=actor,
                              now=now, absent=engineer_id)  # fmt: skip
    return cut, proposal
