"""Release a confirmed plan (the undo of a confirm or an override), in one transaction.

The wiring of ``dispatch.store.release`` (the plan, the legs, the ticket's state and event)
and the stock ledger (the reserved unit back in stock); a van unit is free again as soon as
its plan is no longer confirmed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from api.schemas.plans import PlanPublic
from api.views import plan_public
from depots.ledger.sql import SqlLedger
from dispatch.store import plans, release, tickets
from dispatch.store.db import transaction


def release_plan(
    db: sessionmaker[Session], *, plan_id: int, actor: str, now: datetime
) -> PlanPublic:
    """Release ``plan_id``'s confirm: the unit back in stock, the engineer's day as before, the
    ticket planned with this plan to confirm again. Releasing a released plan again changes
    nothing.

    Raises
    ------
    Conflict
        When the plan is not the ticket's confirmed one, or its work (or the day it was booked
        into) has started.
    """
    with transaction(db) as session:
        plan = plans.get(session, plan_id, for_update=True)
        ticket = tickets.get(session, plan.ticket_id, for_update=True)
        if not release.was_released(session, plan):
            release.check_releasable(session, ticket, plan, now)
            units = SqlLedger(session).release(ticket_id=ticket.id, now=now)
            release.release(
                session=session, ticket=ticket, plan=plan, units=units, actor=actor, now=now
            )
        return plan_public(session, plan)
