"""Tickets: submit (idempotent), accept, refuse, plan, report status, receive the RMA, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from api import workflows
from api.deps import (
    AnyRole,
    ClockDep,
    DbDep,
    IdempotencyKeyDep,
    Intake,
    OwnTicketId,
    PlannerDep,
    Planning,
    ReadDbDep,
    Ticketing,
    tenant,
)
from api.jsonbody import StrictJSONRoute
from api.schemas.plans import PlanPublic
from api.schemas.tickets import (
    RmaReceipt,
    StatusUpdate,
    TicketAccept,
    TicketCreate,
    TicketPublic,
    TicketRefuse,
    TicketSummary,
)
from api.views import ticket_public, ticket_summary
from dispatch.store import tickets
from dispatch.store.db import transaction
from dispatch.store.lifecycle import TicketStatus

router = APIRouter(route_class=StrictJSONRoute, prefix="/tickets", tags=["tickets"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such ticket"},
    409: {"description": "The ticket's state does not allow this"},
    422: {"description": "A field is invalid; `loc` names it"},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Replay: the ticket created earlier with this Idempotency-Key"},
        409: {"description": "Idempotency-Key reused with a different body"},
        422: {"description": "Refused: serial not on contract, contract expired, product"},
    },
)
def submit_ticket(
    body: TicketCreate,
    response: Response,
    caller: Intake,
    db: DbDep,
    now: ClockDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> TicketPublic:
    """Submit a ticket; a retry with the same ``Idempotency-Key`` returns the same ticket."""
    new = tickets.NewTicket(
        contract_number=body.contract_number,
        serial=body.serial,
        description=body.description,
        submitted_at=body.submitted_at,
        product=body.product,
    )
    ticket, created = workflows.submit(
        db, client=caller.client, new=new, idempotency_key=idempotency_key, now=now
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return ticket


@router.get("", responses={422: ERRORS[422]})
def ticket_queue(
    caller: AnyRole,
    db: ReadDbDep,
    now: ClockDep,
    state: Annotated[list[TicketStatus] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TicketSummary]:
    """The queue, most urgent deadline first (default: open tickets)."""
    wanted = state or [
        TicketStatus.SUBMITTED,
        TicketStatus.ACCEPTED,
        TicketStatus.PLANNED,
        TicketStatus.DISPATCHED,
        TicketStatus.ESCALATED,
        TicketStatus.UNSERVABLE,
    ]
    with transaction(db) as session:
        found = tickets.queue(session, wanted, limit, client=tenant(caller))
        return [ticket_summary(t, now) for t in found]


@router.get("/{ticket_id}", responses={404: ERRORS[404]})
def read_ticket(
    ticket_id: OwnTicketId, _caller: AnyRole, db: ReadDbDep, now: ClockDep
) -> TicketPublic:
    """A ticket with deadline, time left, RMA state and history."""
    with transaction(db) as session:
        return ticket_public(session, tickets.get(session, ticket_id), now)


@router.post("/{ticket_id}/accept", responses=ERRORS)
def accept_ticket(
    ticket_id: OwnTicketId, body: TicketAccept, caller: Ticketing, db: DbDep, now: ClockDep
) -> TicketPublic:
    """Verification done and the ticket valid: the SLA clock starts and the deadline is set."""
    with transaction(db) as session:
        ticket = tickets.accept(
            session=session,
            ticket_id=ticket_id,
            accepted_at=body.accepted_at or now,
            actor=caller.client,
            now=now,
        )
        return ticket_public(session, ticket, now)


@router.post("/{ticket_id}/refuse", responses=ERRORS)
def refuse_ticket(
    ticket_id: OwnTicketId, body: TicketRefuse, caller: Ticketing, db: DbDep, now: ClockDep
) -> TicketPublic:
    """Verification failed: the ticket is refused with the reason."""
    with transaction(db) as session:
        ticket = tickets.refuse(
            session=session, ticket_id=ticket_id, reason=body.reason, actor=caller.client, now=now
        )
        return ticket_public(session, ticket, now)


@router.post(
    "/{ticket_id}/plan",
    responses={**ERRORS, 422: {"description": "Invalid, or no feasible plan (with reasons)"}},
)
def plan_ticket(
    ticket_id: OwnTicketId,
    caller: Planning,
    db: DbDep,
    reads: ReadDbDep,
    planner: PlannerDep,
    now: ClockDep,
) -> PlanPublic:
    """Ask the dispatch engine for a recommendation with alternatives; nothing is reserved yet."""
    return workflows.plan(db, reads, planner, ticket_id=ticket_id, actor=caller.client, now=now)


@router.post("/{ticket_id}/status", responses=ERRORS)
def report_status(
    ticket_id: OwnTicketId, body: StatusUpdate, caller: Ticketing, db: DbDep, now: ClockDep
) -> TicketPublic:
    """Report delivered (or engineer on site), resolved, closed or escalated; or contacted,
    which stops the reaction clock and leaves the state as it is."""
    if body.status == "contacted":
        with transaction(db) as session:
            ticket = tickets.contact(session=session, ticket_id=ticket_id, at=body.at or now,
                                     note=body.note, actor=caller.client, now=now)  # fmt: skip
            return ticket_public(session, ticket, now)
    return workflows.report_status(
        db,
        ticket_id=ticket_id,
        status=TicketStatus(body.status),
        at=body.at or now,
        note=body.note,
        actor=caller.client,
        now=now,
    )


@router.post("/{ticket_id}/rma", responses=ERRORS)
def receive_rma(
    ticket_id: OwnTicketId, body: RmaReceipt, caller: Ticketing, db: DbDep, now: ClockDep
) -> TicketPublic:
    """The failed unit came back (due 7 days after delivery; later is flagged overdue)."""
    return workflows.receive_return(
        db,
        ticket_id=ticket_id,
        received_at=body.received_at or now,
        waybill=body.waybill,
        actor=caller.client,
        now=now,
    )
