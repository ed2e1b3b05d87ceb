"""Overruns: a visit reported ``arrived`` with no end reported by its planned end plus a
threshold holds its engineer up, so the engineer's later visits are re-planned into a repair
proposal, as for a late field report; once per overrun (an ``overrun`` event on the ticket
overrunning marks it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.planning import HORIZON, Planner
from api.repairs import propose_repair
from dispatch.store import events, field, routes, tickets
from dispatch.store.db import transaction
from dispatch.store.tables import FieldEvent, RouteLeg, TicketEvent
from dispatch.timeparse import format_instant

OVERRUN = "overrun"


@dataclass(frozen=True, slots=True)
class Overrun:
    """A visit running past its planned end: whose, which, and the visits it holds up."""

    vehicle: str
    ticket_id: int
    planned_end: datetime
    later: tuple[int, ...]
    proposal_id: int | None = None


def sweep(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    planner: Planner | None,
    *,
    now: datetime,
    threshold: timedelta,
) -> list[Overrun]:
    """Mark each visit overrunning at ``now`` (not marked before) and propose a repair of the
    engineer's later visits not started; the overruns found, with their proposals. Each is
    marked, then repaired, before the next: a round that fails leaves the rest for the next."""
    with transaction(reads) as session:
        found = _overrunning(session, now, threshold)
    out = []
    for leg_id in found:
        with transaction(db) as session:
            overrun = _claim(session, leg_id, now)
        if overrun is None:
            continue
        why = (f"{overrun.vehicle} overran ticket {overrun.ticket_id} "
               f"(planned to end {format_instant(overrun.planned_end)})")  # fmt: skip
        proposal = propose_repair(db, reads, planner, ticket_ids=overrun.later, trigger=why,
                                  actor="system", now=now)  # fmt: skip
        out.append(replace(overrun, proposal_id=None if proposal is None else proposal.id))
    return out


def _overrunning(session: Session, now: datetime, threshold: timedelta) -> list[int]:
    """The visit legs reported arrived, not ended by their planned end plus ``threshold`` and
    not marked yet."""
    rows = session.scalars(
        select(RouteLeg)
        .join(FieldEvent, (FieldEvent.vehicle == RouteLeg.vehicle)
              & (FieldEvent.ticket_id == RouteLeg.ticket_id) & (FieldEvent.stop == RouteLeg.kind)
              & (FieldEvent.plan_id == RouteLeg.plan_id))
        .where(
            RouteLeg.active.is_(True), RouteLeg.kind == "visit",
            FieldEvent.kind == "arrived", RouteLeg.finish_at < now - threshold,
            RouteLeg.finish_at > now - field.LOOK_BACK,
        )
        .order_by(RouteLeg.id)
    ).all()  # fmt: skip
    arrived = list({leg.id: leg for leg in rows}.values())  # one per visit
    if not arrived:
        return []
    reports = field.actuals(session, arrived)
    marked = _marked(session, [leg.ticket_id for leg in arrived if leg.ticket_id is not None])
    return [
        leg.id for leg in arrived
        if reports[leg.id].ended is None and (leg.ticket_id, leg.plan_id) not in marked
    ]  # fmt: skip


def _marked(session: Session, ticket_ids: list[int]) -> set[tuple[int, int | None]]:
    """(ticket, plan) of each overrun marked on ``ticket_ids``."""
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.data).where(
            TicketEvent.kind == OVERRUN, TicketEvent.ticket_id.in_(ticket_ids)
        )
    )
    return {(ticket_id, data.get("plan_id")) for ticket_id, data in rows}


def _claim(session: Session, leg_id: int, now: datetime) -> Overrun | None:
    """Mark the overrun of ``leg_id`` by an ``overrun`` event on its ticket (locked first, so
    two servers sweeping at once mark it once); None when it is marked already."""
    leg = session.get_one(RouteLeg, leg_id)
    if leg.ticket_id is None:
        return None
    ticket = tickets.get(session, leg.ticket_id, for_update=True)
    if (leg.ticket_id, leg.plan_id) in _marked(session, [leg.ticket_id]):
        return None
    later = tuple(sorted({
        g.ticket_id for g in routes.of_vehicle(session, leg.vehicle, now, now + HORIZON)
        if g.kind == "visit" and g.ticket_id not in (None, leg.ticket_id) and g.depart_at > now
    }))  # fmt: skip
    data = {"plan_id": leg.plan_id, "planned_end": format_instant(leg.finish_at),
            "later": list(later)}  # fmt: skip
    events.record(session=session, ticket=ticket, kind=OVERRUN, actor="system", at=now,
                  data=data)  # fmt: skip
    return Overrun(leg.vehicle, leg.ticket_id, leg.finish_at, later)
