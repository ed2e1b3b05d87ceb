"""Move a visit to another engineer: the engine checks the move and it becomes a proposal.

The engine plans the ticket in a world where only the chosen engineer works (everyone else's
day, the stock and the ticket's own unit as a fresh plan sees them), so what comes back is
what that engineer can do: arrival, slack, cost and the visits it moves on their day. It is
stored as an ordinary proposal: nothing is reserved and the plan in force holds until the
dispatcher confirms the move through ``/v1/plans/{id}/confirm``, which re-checks it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from api.planning import Planner, load_snapshot, planning_ticket
from api.schemas.plans import PlanPublic
from api.views import plan_public
from api.workflows import with_digest
from dispatch.errors import Infeasible, NotFound
from dispatch.store import plans, tickets
from dispatch.store.db import transaction


def propose_move(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    planner: Planner,
    *,
    ticket_id: int,
    engineer_id: str,
    actor: str,
    now: datetime,
) -> PlanPublic:
    """The ticket planned with ``engineer_id`` only, stored as a proposal.

    Raises
    ------
    NotFound
        When the engineer does not exist or has no working time ahead.
    Infeasible
        When the engine finds no way for that engineer to serve the ticket.
    """
    with transaction(reads) as session:
        ticket = tickets.get(session, ticket_id)
        plans.check_plannable(ticket)
        world = load_snapshot(session, now, for_ticket=ticket.id)
        only = tuple(e for e in world.engineers if e.id == engineer_id)
        if not only:
            raise NotFound("engineer", engineer_id)
        options = planner.plan(
            dataclasses.replace(world, engineers=only), planning_ticket(session, ticket)
        )
        moved = [
            with_digest(session, o, ticket.id) for o in options if o.engineer_id == engineer_id
        ]
    if not moved:
        raise Infeasible([f"engineer {engineer_id} cannot serve ticket {ticket_id}"])
    with transaction(db) as session:
        ticket = tickets.get(session, ticket_id, for_update=True)
        stored = plans.store(session=session, ticket=ticket, options=moved, actor=actor, now=now)
        return plan_public(session, stored)
