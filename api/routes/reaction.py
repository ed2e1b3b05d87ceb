"""The reaction clock (rule 1): tickets not contacted in time, counted and listed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AnyRole, ClockDep, ReadDbDep, tenant
from api.jsonbody import StrictJSONRoute
from api.schemas.common import Instant
from api.schemas.tickets import Breaches
from api.views import breach_public
from dispatch.store import tickets
from dispatch.store.db import transaction

router = APIRouter(route_class=StrictJSONRoute, prefix="/reaction", tags=["tickets"])
DEFAULT_SPAN = timedelta(days=7)


@router.get("/breaches", responses={422: {"description": "since is not an instant"}})
def reaction_breaches(
    caller: AnyRole,
    db: ReadDbDep,
    now: ClockDep,
    since: Annotated[Instant | None, Query(description="Due since (default: 7 days ago)")] = None,
) -> Breaches:
    """Tickets due a reaction since ``since`` and not contacted by then (a ticketing key sees
    its own client's), with how late each is."""
    start: datetime = since or now - DEFAULT_SPAN
    with transaction(db) as session:
        found = [
            breach_public(t, now)
            for t in tickets.reaction_breaches(session, start, now, tenant(caller))
        ]
    waiting = sum(b.contacted_at is None for b in found)
    return Breaches(since=start, count=len(found), not_contacted=waiting,
                    contacted_late=len(found) - waiting, tickets=found)  # fmt: skip
