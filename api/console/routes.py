"""The ``/console`` router: the page, its static assets and the console's own endpoints.

The page and its assets need no key (they hold no data); every ``/console/api`` call needs an
``X-API-Key`` like the public API. These routes stay out of the public OpenAPI document: they
serve this page only and may change with it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response

from api.console import moves, reads, replan, versions
from api.console.queue import Filters, facets, queue_rows
from api.console.schemas import (
    Board,
    Move,
    Queue,
    ReactionBreaches,
    ReplanReport,
    StateFilter,
    Unavailable,
)
from api.deps import AnyRole, ClockDep, DbDep, Dispatcher, PlannerDep, ReadDbDep, Staff, tenant
from api.jsonbody import StrictJSONRoute
from api.routes import reaction
from api.routes.resources import FIRST_DAY, LAST_DAY
from api.schemas.common import ID_PATTERN
from api.schemas.plans import PlanPublic
from dispatch.errors import NotFound
from dispatch.outlines import OUTLINES
from dispatch.store import tickets
from dispatch.store.db import transaction
from dispatch.timeparse import WARSAW

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(route_class=StrictJSONRoute, prefix="/console", include_in_schema=False)


@router.get("")
def page() -> FileResponse:
    """The console page (Polish by default; the page switches to English on request)."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=NO_CACHE)


@router.get("/static/{name}")
def asset(name: Annotated[str, PathParam(max_length=64)]) -> FileResponse:
    """One of the page's own assets; nothing is loaded from elsewhere."""
    if name not in ASSETS:
        raise NotFound("asset", name)
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers=NO_CACHE)


@router.get("/outlines.json")
def outlines() -> Response:
    """The voivodeship outlines (GeoJSON) the map is drawn from."""
    return FileResponse(OUTLINES, media_type="application/geo+json")


Text = Annotated[str, Query(max_length=100)]


@router.get("/api/queue")
def queue(
    caller: Staff,
    db: ReadDbDep,
    now: ClockDep,
    q: Text = "",
    tier: Text = "",
    voivodeship: Text = "",
    state: StateFilter = "",
    since: Annotated[str | None, Query(max_length=32)] = None,
) -> Queue:
    """Open tickets with site, voivodeship, state and plan, least time left first, filtered
    (``q`` searches ticket, serial, site, contract and SKU); with ``since`` (a version this
    endpoint gave) only the rows that changed since; and the reaction breaches counted."""
    breaches_since = now - reaction.DEFAULT_SPAN
    with transaction(db) as session:
        rows = queue_rows(session, now)
        client = tenant(caller)
        count, waiting = tickets.reaction_breach_counts(session, breaches_since, now, client)
    keep = Filters(q=q, tier=tier, voivodeship=voivodeship, state=state)
    shown = [r for r in rows if keep.keeps(r)]
    delta = versions.since(shown, repr(keep), since)
    return Queue(
        now=now,
        version=delta.version,
        changed=delta.changed,
        total=len(rows),
        facets=facets(rows),
        order=[r.id for r in shown],
        tickets=delta.rows,
        breaches=ReactionBreaches(since=breaches_since, count=count, not_contacted=waiting),
    )


@router.get("/api/board")
def board(
    _caller: AnyRole,
    db: ReadDbDep,
    now: ClockDep,
    day: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)] = None,
) -> Board:
    """Depots with stock and the engineers' timelines for ``day`` (default: today in Warsaw)."""
    with transaction(db) as session:
        return reads.board(session, day or now.astimezone(WARSAW).date(), now)


@router.post("/api/tickets/{ticket_id}/move")
def move(
    ticket_id: Annotated[int, PathParam(ge=1)],
    body: Move,
    caller: Dispatcher,
    db: DbDep,
    reads: ReadDbDep,
    planner: PlannerDep,
    now: ClockDep,
) -> PlanPublic:
    """What moving the ticket's visit to ``engineer_id`` and/or to start no earlier than ``at``
    does, checked by the engine and stored as a proposal (nothing reserved; confirm it with
    ``/v1/plans/{id}/confirm``)."""
    return moves.propose_move(
        db,
        reads,
        planner,
        ticket_id=ticket_id,
        engineer_id=body.engineer_id,
        at=body.at,
        actor=caller.client,
        now=now,
    )


@router.post("/api/engineers/{engineer_id}/unavailable")
def unavailable(
    engineer_id: Annotated[str, PathParam(min_length=1, max_length=64, pattern=ID_PATTERN)],
    body: Unavailable,
    caller: Dispatcher,
    db: DbDep,
    planner: PlannerDep,
    now: ClockDep,
) -> ReplanReport:
    """Take the engineer off work until ``until`` and replan their unfinished visits."""
    return replan.mark_unavailable(
        db,
        planner,
        engineer_id=engineer_id,
        reason=body.reason,
        until=body.until,
        actor=caller.client,
        now=now,
    )
