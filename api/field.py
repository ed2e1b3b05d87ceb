"""Field reports in, one transaction each: checked, stored, the vehicle's day re-timed, the
ticket moved on (finished: delivered; failed: escalated with the reason), ETA changes sent.

A retry (same reporter and event id, same report) answers what the first did and changes
nothing; the same id with another report is a 409. A report that cannot have happened (an
unknown visit, finished before arrived, a second outcome) is a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from api.schemas.field import EtaChange, FieldReportOut, VisitProgress
from api.workflows import apply_status
from dispatch.errors import Conflict, InvalidInput, NotFound
from dispatch.progress import Actual, Reported, check_order, moved
from dispatch.store import events, field, routes, tickets
from dispatch.store.db import transaction
from dispatch.store.lifecycle import TRANSITIONS, TicketStatus
from dispatch.store.tables import Ticket
from dispatch.timeparse import format_instant


def report(
    db: sessionmaker[Session],
    *,
    reporter: str,
    new: field.Report,
    threshold: timedelta,
    now: datetime,
) -> FieldReportOut:
    """Accept one report (see the module); two racing retries store it once (the second
    waits for the first's insert of the event id, then answers as its replay)."""
    with transaction(db) as session:
        try:
            ticket, day = _check(session, new, now)
        except InvalidInput:  # a retry of a report accepted then is answered, not refused
            earlier = field.find(session, reporter, new.event_id)
            if earlier is None:
                raise
            return _replay(session, earlier, new)
        row = field.store(session, reporter, new, now, None if day is None else day.visit.plan_id)
        if row is None:  # its event id was stored before (by a twin this insert waited for)
            earlier = field.find(session, reporter, new.event_id)
            assert earlier is not None
            return _replay(session, earlier, new)
        if day is None:
            return _reply(session, row, replayed=False, changes=[])
        known = day.about(day.visit)
        reported = Reported(new.kind, new.at)
        day.reports.setdefault(field.visit_key(day.visit), []).append(reported)
        before = field.store_retimed(session, day)
        if ticket is not None:
            _move_ticket(session, ticket, new, known, reporter, now)
        changes = _eta_changes(session, before, threshold, reporter, now)
        actual = Actual.of([*known, reported])
        return _reply(session, row, replayed=False, changes=changes, actual=actual)


def _check(
    session: Session, new: field.Report, now: datetime
) -> tuple[Ticket | None, field.VehicleDay | None]:
    """Refuse a report that cannot have happened; else the ticket it moves on (locked) and
    the vehicle's day (locked), None for a position.

    Raises
    ------
    InvalidInput
        Naming the field: an instant in the future, an unknown visit, out of sequence.
    """
    if new.at > now:
        raise InvalidInput("at", "must not be in the future")
    if new.kind == "position":
        return None, None
    assert new.ticket_id is not None and new.stop is not None
    ticket = None  # an outcome moves the ticket: locked before the day, as confirms do
    if new.stop != "pickup" and new.kind in ("finished", "failed"):
        try:
            ticket = tickets.get(session, new.ticket_id, for_update=True)
        except NotFound:
            raise field.no_visit(new.vehicle, new.ticket_id, new.stop) from None
    day = field.vehicle_day(session, new.vehicle, new.at, new.ticket_id, new.stop)
    check_order(day.about(day.visit), Reported(new.kind, new.at))
    return ticket, day


def _replay(session: Session, earlier: field.Stored, new: field.Report) -> FieldReportOut:
    """The answer to a report whose event id was used before: what the first answered.

    Raises
    ------
    Conflict
        When the event id was used for another report.
    """
    if earlier.digest != new.digest:
        raise Conflict(f"event_id {new.event_id!r} was used before for another report")
    return _reply(session, earlier, replayed=True, changes=[])


def _move_ticket(
    session: Session,
    ticket: Ticket,
    new: field.Report,
    known: list[Reported],
    actor: str,
    now: datetime,
) -> None:
    """A finished visit (or car delivery) delivers the ticket, at the arrival when known; a
    failed one escalates it with the reason, for a new plan."""
    if new.kind == "finished":
        arrived = Actual.of([*known, Reported(new.kind, new.at)]).arrived or new.at
        if TicketStatus.DELIVERED in TRANSITIONS[TicketStatus(ticket.status)]:
            apply_status(
                session, ticket_id=ticket.id, status=TicketStatus.DELIVERED, at=arrived,
                note=f"{new.vehicle} finished on site", actor=actor, now=now,
            )  # fmt: skip
        return
    data = {"vehicle": new.vehicle, "reason": new.reason, "at": format_instant(new.at)}
    events.record(session=session, ticket=ticket, kind="visit_failed", actor=actor, at=now,
                  data=data)  # fmt: skip
    routes.release_after(session, ticket.id, new.at)  # nothing more of this visit happens
    if TicketStatus.ESCALATED in TRANSITIONS[TicketStatus(ticket.status)]:
        tickets.move(session=session, ticket=ticket, status=TicketStatus.ESCALATED,
                     kind="escalated", actor="system", now=now,
                     data={"reason": f"visit failed: {new.reason}"})  # fmt: skip


def _eta_changes(
    session: Session,
    before: dict[int, datetime],
    threshold: timedelta,
    actor: str,
    now: datetime,
) -> list[EtaChange]:
    """ETAs the re-timing moved; past the threshold each is an ``eta_changed`` event, and
    one that now misses its deadline (and did not before) an ``at_risk`` event too."""
    if not before:
        return []
    after = routes.etas(session, before)  # flushes the ticket this report moved
    found = session.connection().execute(_TICKETS, {"ids": list(after)})
    loaded = {row.id: row for row in found}
    out = []
    for ticket_id, old in sorted(before.items()):
        if ticket_id not in after:
            continue
        ticket = loaded[ticket_id]
        new = after[ticket_id]
        on_time = ticket.deadline is None or new <= ticket.deadline
        was_on_time = ticket.deadline is None or old <= ticket.deadline
        live = ticket.status in _LIVE
        newly_late = live and was_on_time and not on_time
        out.append(EtaChange(ticket_id=ticket_id, before=old, after=new, deadline=ticket.deadline,
                             on_time=on_time, newly_late=newly_late))  # fmt: skip
        if not moved(old, new, threshold) or not live:
            continue
        data = {"old": format_instant(old), "new": format_instant(new), "on_time": on_time}
        events.record(session=session, ticket=ticket, kind="eta_changed", actor=actor, at=now,
                      data=data)  # fmt: skip
        if was_on_time and not on_time:
            assert ticket.deadline is not None
            late = {"eta": format_instant(new), "deadline": format_instant(ticket.deadline)}
            events.record(session=session, ticket=ticket, kind="at_risk", actor="system",
                          at=now, data=late)  # fmt: skip
    return out


_TICKETS = select(Ticket.id, Ticket.client, Ticket.status, Ticket.deadline).where(
    Ticket.id.in_(bindparam("ids", expanding=True))
)
"""What an ETA change reads of its tickets: plain columns, no ORM objects (built once)."""
_LIVE = frozenset({TicketStatus.DISPATCHED, TicketStatus.ESCALATED, TicketStatus.PLANNED})


def _reply(
    session: Session,
    row: field.Stored,
    replayed: bool,
    changes: list[EtaChange],
    actual: Actual | None = None,
) -> FieldReportOut:
    """The answer to a report; ``actual``, the visit as now reported, is read when not given."""
    visit = None
    said = row.report
    if said.ticket_id is not None and said.stop is not None:
        actual = actual or Actual.of(field.reports_of(session, row))
        visit = progress(said.vehicle, said.ticket_id, said.stop, actual)
    return FieldReportOut(
        id=row.id, event_id=said.event_id, vehicle=said.vehicle, kind=said.kind, at=said.at,
        ticket_id=said.ticket_id, replayed=replayed, visit=visit, eta_changes=changes,
    )  # fmt: skip


def progress(vehicle: str, ticket_id: int, stop: str, actual: Actual) -> VisitProgress:
    """A visit's reports as the API shows them."""
    return VisitProgress(
        vehicle=vehicle, ticket_id=ticket_id, stop=stop, state=actual.state,  # type: ignore[arg-type]
        departed_at=actual.departed, arrived_at=actual.arrived, ended_at=actual.ended,
    )  # fmt: skip
