"""Tickets: intake with the coverage check (rule 7), acceptance (SLA clock), state changes.

Every change appends to the event log (and so to the outbox) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from dispatch.errors import Conflict, InvalidInput, NotFound
from dispatch.sla import sla_times
from dispatch.store import events, idempotency
from dispatch.store.db import one_or_not_found
from dispatch.store.lifecycle import STATUS_UPDATES, TicketStatus, check_transition
from dispatch.store.tables import Contract, Device, RmaReturn, Ticket, TicketEvent
from dispatch.tiers import Tier
from dispatch.timeparse import WARSAW, format_instant

RMA_DUE = timedelta(days=7)
PRODUCTS = ("AHB", "SOS")


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What the ticketing system submits, as sent (so a retry has the same digest).

    ``submitted_at`` defaults to the moment the ticket is stored and ``product`` to the
    contract's.
    """

    contract_number: str
    serial: str
    description: str
    submitted_at: datetime | None = None
    product: str | None = None

    def __post_init__(self) -> None:
        if self.submitted_at is not None and self.submitted_at.tzinfo is None:
            raise InvalidInput("submitted_at", "needs a time zone")
        if self.product is not None and self.product not in PRODUCTS:
            raise InvalidInput("product", f"must be AHB or SOS, got {self.product!r}")


def check_coverage(
    session: Session, new: NewTicket, submitted_at: datetime
) -> tuple[Contract, Device]:
    """The contract and device of a ticket, after rule 7's checks.

    Raises
    ------
    InvalidInput
        When the contract is unknown, the serial is not on it, the contract is not valid on the
        submission day, or it does not cover the requested product.
    """
    found = session.execute(
        select(Contract, Device)
        .outerjoin(Device, Device.serial == new.serial)
        .where(Contract.number == new.contract_number)
    ).one_or_none()
    if found is None:
        raise InvalidInput("contract_number", f"no contract {new.contract_number!r}")
    contract, device = found
    if device is None or device.contract_number != contract.number:
        raise InvalidInput(
            "serial", f"serial {new.serial!r} is not covered by contract {contract.number}"
        )
    day = submitted_at.astimezone(WARSAW).date()
    if day < contract.valid_from:
        raise InvalidInput(
            "contract_number",
            f"contract {contract.number} is valid from {contract.valid_from}, not yet on {day}",
        )
    if day > contract.valid_to:
        raise InvalidInput(
            "contract_number", f"contract {contract.number} expired on {contract.valid_to}"
        )
    if new.product is not None and new.product != contract.product:
        raise InvalidInput(
            "product", f"contract {contract.number} covers {contract.product}, not {new.product}"
        )
    return contract, device


def create(
    *, session: Session, client: str, new: NewTicket, idempotency_key: str | None, now: datetime
) -> tuple[Ticket, TicketEvent | None]:
    """Store a submitted ticket; with a key seen before, return that ticket instead.

    Returns the ticket and, when this call created it, its "submitted" event (None for a
    replay).

    Raises
    ------
    InvalidInput
        When coverage fails (nothing is stored).
    Conflict
        When ``idempotency_key`` was used before with a different request.
    """
    digest = idempotency.request_digest(new)
    if idempotency_key is not None:
        earlier = idempotency.lookup(
            session=session, client=client, key=idempotency_key, digest=digest
        )
        if earlier is not None:
            return get(session, earlier), None
    submitted_at = new.submitted_at or now
    if submitted_at > now:
        raise InvalidInput("submitted_at", "must not be in the future")
    contract, device = check_coverage(session, new, submitted_at)
    tier = Tier.parse(contract.tier, field="contract.tier")
    reaction = sla_times(tier, submitted_at, submitted_at=submitted_at).reaction_due
    ticket = Ticket(
        client=client,
        contract_number=contract.number,
        serial=device.serial,
        sku=device.sku,
        product=contract.product,
        tier=str(tier),
        description=new.description,
        status=TicketStatus.SUBMITTED.value,
        submitted_at=submitted_at,
        reaction_due=reaction,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    if idempotency_key is not None:
        idempotency.remember(
            session=session,
            client=client,
            key=idempotency_key,
            digest=digest,
            ticket=ticket,
            now=now,
        )
    return ticket, events.record(
        session=session, ticket=ticket, kind="submitted", actor=client, at=now
    )


def get(session: Session, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The ticket ``ticket_id``, row-locked on PostgreSQL when about to change.

    Raises
    ------
    NotFound
        When there is no such ticket.
    """
    if for_update and ticket_id in _locked(session):
        held = session.get(Ticket, ticket_id)  # from the session: no statement
        if held is not None:
            return held
    query = select(Ticket).where(Ticket.id == ticket_id)
    ticket = one_or_not_found(session, query, kind="ticket", ident=ticket_id, for_update=for_update)
    if for_update:
        _locked(session).add(ticket_id)
    return ticket


def _locked(session: Session) -> set[int]:
    """The tickets the session's transaction has row-locked: a lock holds until the
    transaction ends, so taking it again (a delivery passes three functions that each lock
    their ticket) would cost a statement and change nothing."""
    transaction = session.get_transaction()
    held = session.info.get(_LOCKED)
    if held is None or held[0] is not transaction:
        held = session.info[_LOCKED] = (transaction, set())
    locked: set[int] = held[1]
    return locked


_LOCKED = "dispatch_locked_tickets"


def check_client(session: Session, ticket_id: int, client: str) -> None:
    """Refuse a ticket of another client as if it did not exist (its id reveals nothing).

    Raises
    ------
    NotFound
        When there is no ticket ``ticket_id`` submitted by ``client``.
    """
    query = select(Ticket.id).where(Ticket.id == ticket_id, Ticket.client == client)
    if session.scalars(query).first() is None:
        raise NotFound("ticket", str(ticket_id))


def move(
    *,
    session: Session,
    ticket: Ticket,
    status: TicketStatus,
    kind: str,
    actor: str,
    now: datetime,
    data: dict[str, object] | None = None,
) -> None:
    """Change ``ticket``'s status under the lifecycle rules and log it."""
    check_transition(ticket.id, ticket.status, status)
    ticket.status = status.value
    ticket.updated_at = now
    events.record(session=session, ticket=ticket, kind=kind, actor=actor, at=now, data=data)


def accept(
    *, session: Session, ticket_id: int, accepted_at: datetime, actor: str, now: datetime
) -> Ticket:
    """Mark the ticket verified and valid: the SLA clock starts (rule 2) and the deadline is set.

    Raises
    ------
    Conflict
        When the ticket is not awaiting acceptance.
    InvalidInput
        When ``accepted_at`` precedes submission or lies in the future.
    """
    ticket = get(session, ticket_id, for_update=True)
    check_transition(ticket.id, ticket.status, TicketStatus.ACCEPTED)
    if accepted_at > now:
        raise InvalidInput("accepted_at", "must not be in the future")
    contract = session.get_one(Contract, ticket.contract_number)
    times = sla_times(
        Tier.parse(ticket.tier),
        accepted_at,
        submitted_at=ticket.submitted_at,
        nbd_cutoff=contract.nbd_cutoff,
    )
    ticket.accepted_at = accepted_at
    ticket.clock_start = times.clock_start
    ticket.deadline = times.deadline
    move(
        session=session,
        ticket=ticket,
        status=TicketStatus.ACCEPTED,
        kind="accepted",
        actor=actor,
        now=now,
        data={
            "deadline": format_instant(times.deadline),
            "clock_start": format_instant(times.clock_start),
        },
    )
    return ticket


def refuse(*, session: Session, ticket_id: int, reason: str, actor: str, now: datetime) -> Ticket:
    """Verification found the ticket invalid: it ends refused, with the reason logged."""
    ticket = get(session, ticket_id, for_update=True)
    move(
        session=session,
        ticket=ticket,
        status=TicketStatus.REFUSED,
        kind="refused",
        actor=actor,
        now=now,
        data={"reason": reason},
    )
    return ticket


def update_status(
    *,
    session: Session,
    ticket_id: int,
    status: TicketStatus,
    at: datetime,
    note: str,
    actor: str,
    now: datetime,
) -> Ticket:
    """Apply a reported state (delivered, resolved, closed, escalated) at instant ``at``.

    Delivery opens the RMA return of the failed unit, due 7 days later (rule 8).

    Raises
    ------
    InvalidInput
        When ``status`` cannot be set directly or ``at`` is in the future.
    Conflict
        When the lifecycle does not allow the move.
    """
    if status not in STATUS_UPDATES:
        allowed = ", ".join(sorted(STATUS_UPDATES))
        raise InvalidInput("status", f"{status} follows an action, not an update (use {allowed})")
    if at > now:
        raise InvalidInput("at", "must not be in the future")
    ticket = get(session, ticket_id, for_update=True)
    data: dict[str, object] = {"at": format_instant(at), "note": note}
    if status is TicketStatus.DELIVERED:  # before the move's flush: one update of the ticket
        ticket.delivered_at = at
    move(
        session=session,
        ticket=ticket,
        status=status,
        kind=status.value,
        actor=actor,
        now=now,
        data=data,
    )
    if status is TicketStatus.DELIVERED:
        session.add(
            RmaReturn(
                ticket_id=ticket.id,
                failed_serial=ticket.serial,
                due_at=at + RMA_DUE,
                received_at=None,
                waybill=None,
            )
        )
    return ticket


def contact(
    *, session: Session, ticket_id: int, at: datetime, note: str, actor: str, now: datetime
) -> Ticket:
    """The customer was contacted at ``at``: the reaction clock (rule 1) stops there. The
    first contact counts; a later one is logged and changes nothing.

    Raises
    ------
    InvalidInput
        When ``at`` is in the future or before the submission.
    """
    if at > now:
        raise InvalidInput("at", "must not be in the future")
    ticket = get(session, ticket_id, for_update=True)
    if at < ticket.submitted_at:
        shown = format_instant(ticket.submitted_at)
        raise InvalidInput("at", f"must not be before the ticket's submission ({shown})")
    first = ticket.contacted_at is None
    if first:
        ticket.contacted_at = at
        ticket.updated_at = now
    late = reaction_breached(ticket, now)
    data = {"at": format_instant(at), "note": note, "first": first, "late": late}
    events.record(session=session, ticket=ticket, kind="contacted", actor=actor, at=now, data=data)
    return ticket


def reaction_breached(ticket: Ticket, now: datetime) -> bool | None:
    """Whether the reaction clock ran out: no contact by ``reaction_due`` (None: no clock)."""
    if ticket.reaction_due is None:
        return None
    return (ticket.contacted_at or now) > ticket.reaction_due


def _breached(since: datetime, now: datetime, client: str | None) -> list[ColumnElement[bool]]:
    """Due a reaction since ``since``, passed by ``now``, and contacted late or not at all
    (refused tickets had their answer); a client's own only, if given."""
    found = [
        Ticket.reaction_due >= since,
        Ticket.reaction_due < now,
        Ticket.status != TicketStatus.REFUSED.value,
        or_(Ticket.contacted_at.is_(None), Ticket.contacted_at > Ticket.reaction_due),
    ]
    return found if client is None else [*found, Ticket.client == client]


def reaction_breaches(
    session: Session, since: datetime, now: datetime, client: str | None
) -> Sequence[Ticket]:
    """Tickets due a reaction since ``since`` that breached it, by due time."""
    query = select(Ticket).where(*_breached(since, now, client))
    return session.scalars(query.order_by(Ticket.reaction_due, Ticket.id)).all()


def reaction_breach_counts(
    session: Session, since: datetime, now: datetime, client: str | None
) -> tuple[int, int]:
    """How many tickets breached their reaction since ``since``, and how many of them are not
    contacted yet: one count query (the console asks at every poll)."""
    waiting = func.count().filter(Ticket.contacted_at.is_(None))
    query = select(func.count(), waiting).where(*_breached(since, now, client))
    count, not_contacted = session.execute(query).one()
    return int(count), int(not_contacted)


def rma(session: Session, ticket_id: int) -> RmaReturn | None:
    """The ticket's RMA return, once the replacement has been delivered."""
    return session.scalars(select(RmaReturn).where(RmaReturn.ticket_id == ticket_id)).one_or_none()


def receive_return(
    *,
    session: Session,
    ticket_id: int,
    received_at: datetime,
    waybill: str | None,
    actor: str,
    now: datetime,
) -> RmaReturn:
    """Record that the failed unit came back.

    Raises
    ------
    Conflict
        When nothing is owed yet or the unit was already received.
    """
    ticket = get(session, ticket_id, for_update=True)
    owed = rma(session, ticket_id)
    if owed is None:
        raise Conflict(f"ticket {ticket_id} has no RMA return: nothing was delivered yet")
    if owed.received_at is not None:
        raise Conflict(f"ticket {ticket_id}'s failed unit was already received")
    if received_at > now:
        raise InvalidInput("received_at", "must not be in the future")
    owed.received_at = received_at
    owed.waybill = waybill
    events.record(
        session=session,
        ticket=ticket,
        kind="rma_received",
        actor=actor,
        at=now,
        data={"received_at": format_instant(received_at), "late": received_at > owed.due_at},
    )
    return owed


def is_overdue(owed: RmaReturn, now: datetime) -> bool:
    """Whether the failed unit is late (rule 8): not received by its due time."""
    moment = owed.received_at or now
    return moment > owed.due_at


def queue(
    session: Session, statuses: Sequence[TicketStatus], limit: int, client: str | None = None
) -> Sequence[Ticket]:
    """Tickets in ``statuses`` (of ``client`` only, if given), most urgent deadline first (no
    deadline last), then oldest."""
    query = select(Ticket).where(Ticket.status.in_([s.value for s in statuses]))
    if client is not None:
        query = query.where(Ticket.client == client)
    return session.scalars(
        query.order_by(Ticket.deadline.is_(None), Ticket.deadline, Ticket.id).limit(limit)
    ).all()
