"""The console's reads: the queue with sites and plans, and the day board (map and timelines).

Read-only: built from ``dispatch.store`` and ``depots.stock`` inside the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.console.schemas import (
    Board,
    DepotMarker,
    EngineerDay,
    PlanBrief,
    QueueRow,
    QueueState,
    Segment,
    StockBrief,
)
from api.console.timeline import clip, day_segments
from depots import stock
from dispatch.places import Gazetteer
from dispatch.sla import at_risk, time_left
from dispatch.store import masterdata, plans, routes, tickets
from dispatch.store.lifecycle import TicketStatus
from dispatch.store.tables import Device, Engineer, PlanOption, Ticket
from dispatch.timeparse import WARSAW

OPEN = (
    TicketStatus.SUBMITTED,
    TicketStatus.ACCEPTED,
    TicketStatus.PLANNED,
    TicketStatus.DISPATCHED,
    TicketStatus.ESCALATED,
)
QUEUE_LIMIT = 500


def voivodeship(lat: float, lon: float) -> str:
    """The voivodeship of the nearest known locality (the gazetteer is loaded once)."""
    place, _ = Gazetteer.default().nearest(lat, lon)
    return place.voivodeship


def _chosen(session: Session, ticket: Ticket) -> tuple[int, bool, PlanOption] | None:
    plan = plans.latest(session, ticket.id)
    if plan is None:
        return None
    confirmed = plan.status == plans.CONFIRMED
    rank = plan.confirmed_rank if confirmed and plan.confirmed_rank is not None else 0
    return plan.id, confirmed, plans.option(session, plan, rank)


def state_of(left_s: int | None, slack_s: int | None, risky: bool | None) -> QueueState:
    """new without a deadline; late when it passed or the plan arrives after it; at risk
    with under an hour left (rule 9: escalate); on track otherwise."""
    if left_s is None:
        return "new"
    if left_s < 0 or (slack_s is not None and slack_s < 0):
        return "late"
    return "at_risk" if risky else "on_track"


def queue_rows(session: Session, now: datetime) -> list[QueueRow]:
    """Open tickets, least time left first (tickets not yet accepted last)."""
    rows = []
    queued = tickets.queue(session, OPEN, QUEUE_LIMIT)
    booked = routes.etas(session, [t.id for t in queued])
    for ticket in queued:
        device = session.get_one(Device, ticket.serial)
        left = risky = None
        if ticket.deadline is not None and ticket.status != TicketStatus.SUBMITTED:
            left = int(time_left(ticket.deadline, now).total_seconds())
            risky = at_risk(ticket.deadline, now)
        brief = None
        chosen = _chosen(session, ticket)
        if chosen is not None and ticket.deadline is not None:
            plan_id, confirmed, option = chosen
            arrival = booked.get(ticket.id, option.arrival_at) if confirmed else option.arrival_at
            brief = PlanBrief(
                plan_id=plan_id,
                confirmed=confirmed,
                mode=option.mode,
                depot_id=option.depot_id,
                engineer_id=option.engineer_id,
                arrival_at=arrival,
                slack_s=int(time_left(ticket.deadline, arrival).total_seconds()),
            )
        rows.append(
            QueueRow(
                id=ticket.id,
                status=ticket.status,
                state=state_of(left, None if brief is None else brief.slack_s, risky),
                tier=ticket.tier,
                product=ticket.product,
                sku=ticket.sku,
                serial=ticket.serial,
                site=device.address,
                lat=device.lat,
                lon=device.lon,
                voivodeship=voivodeship(device.lat, device.lon),
                deadline=ticket.deadline,
                time_left_s=left,
                plan=brief,
            )
        )
    rows.sort(key=lambda r: (r.time_left_s is None, r.time_left_s or 0, r.id))
    return rows


def _depots(session: Session) -> list[DepotMarker]:
    levels = defaultdict(list)
    for level in stock.levels(session):
        levels[level.depot_id].append(
            StockBrief(
                sku=level.sku,
                on_hand=level.on_hand,
                reserved=level.reserved,
                available=level.available,
            )
        )
    return [
        DepotMarker(
            id=d.id,
            name=d.name,
            lat=d.lat,
            lon=d.lon,
            available=sum(s.available for s in levels[d.id]),
            stock=levels[d.id],
        )
        for d in stock.depots(session)
    ]


def board(session: Session, day: date, now: datetime) -> Board:
    """Depots with stock, and each engineer's shifts and timeline on the Warsaw day ``day``."""
    start = datetime.combine(day, time(0), WARSAW)
    end = datetime.combine(day + timedelta(days=1), time(0), WARSAW)
    depots = _depots(session)
    engineers = []
    for e in session.scalars(select(Engineer).order_by(Engineer.id)):
        shifts = [
            (s.start_at, s.end_at) for s in masterdata.shifts_between(session, e.id, start, end)
        ]
        legs = routes.of_vehicle(session, e.id, start, end)
        engineers.append(
            EngineerDay(
                id=e.id,
                name=e.name,
                lat=e.home_lat,
                lon=e.home_lon,
                skills=masterdata.skills_of(session, e.id),
                available=any(s_end > now for _, s_end in shifts),
                shifts=shifts,
                segments=[
                    Segment(
                        kind=s.kind,
                        start=s.start,
                        end=s.end,
                        ticket_id=s.ticket_id,
                        place=s.place,
                        pinned=s.pinned,
                    )
                    for s in clip(day_segments(shifts, legs, now), start, end)
                ],
            )
        )
    return Board(now=now, day=day, depots=depots, engineers=engineers)
