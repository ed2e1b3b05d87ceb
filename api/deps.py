"""Typed dependencies: database, clock, caller (API key and role), tenancy, idempotency key,
planner.

Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in its
thread pool, and that hop costs more than the work here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session, sessionmaker

from api.planning import Planner
from dispatch.errors import NotFound
from dispatch.store import plans, tickets
from dispatch.store.db import transaction
from dispatch.store.keys import Principal, Role, authenticate

API_KEY_HEADER = "X-API-Key"
_api_key = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="A key from `dispatch keys create`."
)


async def get_db(request: Request) -> sessionmaker[Session]:
    """The session factory of this app; handlers open one transaction per use case."""
    factory: sessionmaker[Session] = request.app.state.db
    return factory


async def get_read_db(request: Request) -> sessionmaker[Session]:
    """Sessions for read-only work (no write lock on SQLite)."""
    factory: sessionmaker[Session] = request.app.state.reads
    return factory


async def get_now(request: Request) -> datetime:
    """The current instant from the app's clock (tests freeze it)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


async def get_planner(request: Request) -> Planner:
    """The dispatch engine; 503 when the server was started without one."""
    planner: Planner | None = request.app.state.planner
    if planner is None:
        raise HTTPException(503, "no planner configured (set DISPATCH_PLANNER)")
    return planner


DbDep = Annotated[sessionmaker[Session], Depends(get_db)]
ReadDbDep = Annotated[sessionmaker[Session], Depends(get_read_db)]
ClockDep = Annotated[datetime, Depends(get_now)]
PlannerDep = Annotated[Planner, Depends(get_planner)]


def get_principal(
    db: ReadDbDep, key: Annotated[str | None, Security(_api_key)] = None
) -> Principal:
    """The caller behind the ``X-API-Key`` header; 401 when missing or unknown.

    A read-only transaction: on SQLite it takes no write lock, so checking a key never queues
    behind another request's writes.
    """
    if not key:
        raise HTTPException(401, f"missing {API_KEY_HEADER} header")
    with transaction(db) as session:
        principal = authenticate(session=session, key=key)
    if principal is None:
        raise HTTPException(401, "unknown or revoked API key")
    return principal


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting ``roles`` (and admin); 403 for any other role."""
    allowed = frozenset((*roles, Role.ADMIN))

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(allowed))
            raise HTTPException(403, f"role {principal.role} may not do this (needs {names})")
        return principal

    return check


def tenant(principal: Principal) -> str | None:
    """The client whose tickets ``principal`` may see and change; None for all of them.

    A ticketing key acts for one ticketing system: it sees only the tickets its client
    submitted. Dispatchers, planners and admins work across clients.
    """
    return principal.client if principal.role is Role.TICKETING else None


AnyRole = Annotated[Principal, Depends(require(Role.TICKETING, Role.DISPATCHER, Role.PLANNER))]
"""Every role but ``field``: a field key reports for its vehicle and reads nothing else."""
Field = Annotated[Principal, Depends(require(Role.FIELD))]
Ticketing = Annotated[Principal, Depends(require(Role.TICKETING, Role.DISPATCHER))]
Intake = Annotated[Principal, Depends(require(Role.TICKETING))]
Dispatcher = Annotated[Principal, Depends(require(Role.DISPATCHER))]
Planning = Annotated[Principal, Depends(require(Role.DISPATCHER, Role.TICKETING))]
MasterData = Annotated[Principal, Depends(require(Role.PLANNER))]
Staff = Annotated[Principal, Depends(require(Role.DISPATCHER, Role.PLANNER))]
Admin = Annotated[Principal, Depends(require())]

TicketId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Ticket id")]
PlanId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Plan id")]


def own_ticket(ticket_id: TicketId, caller: AnyRole, db: ReadDbDep) -> int:
    """``ticket_id`` once the caller may see it; 404 for another client's ticket."""
    client = tenant(caller)
    if client is not None:
        with transaction(db) as session:
            tickets.check_client(session, ticket_id, client)
    return ticket_id


def own_plan(plan_id: PlanId, caller: AnyRole, db: ReadDbDep) -> int:
    """``plan_id`` once the caller may see its ticket; 404 for another client's plan."""
    client = tenant(caller)
    if client is not None:
        with transaction(db) as session:
            try:
                tickets.check_client(session, plans.ticket_of(session, plan_id), client)
            except NotFound:
                raise NotFound("plan", str(plan_id)) from None
    return plan_id


OwnTicketId = Annotated[int, Depends(own_ticket)]
OwnPlanId = Annotated[int, Depends(own_plan)]

IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retries with the same key return the first ticket instead of a new one.",
    ),
]
