"""The console's day board: depots with stock (map) and engineers' timelines.

Read-only: built from ``dispatch.store`` and the stock ledger inside the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.console.queue import voivodeship
from api.console.schemas import (
    Board,
    DepotMarker,
    EngineerDay,
    Segment,
    StockBrief,
)
from api.console.timeline import clip, day_segments, overtime_s
from depots.ledger.sql import SqlLedger
from depots.masterdata import depots as all_depots
from dispatch.store import masterdata, routes
from dispatch.store.tables import Engineer
from dispatch.timeparse import WARSAW


def _depots(session: Session) -> list[DepotMarker]:
    levels = defaultdict(list)
    for level in SqlLedger(session).levels():
        levels[level.depot_id].append(StockBrief.model_validate(level, from_attributes=True))
    return [
        DepotMarker(
            id=d.id,
            name=d.name,
            lat=d.lat,
            lon=d.lon,
            available=sum(s.available for s in levels[d.id]),
            stock=levels[d.id],
        )
        for d in all_depots(session)
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
        stretches = clip(day_segments(shifts, legs, now), start, end)
        engineers.append(
            EngineerDay(
                id=e.id,
                name=e.name,
                lat=e.home_lat,
                lon=e.home_lon,
                voivodeship=voivodeship(e.home_lat, e.home_lon),
                skills=masterdata.skills_of(session, e.id),
                available=any(s_end > now for _, s_end in shifts),
                shifts=shifts,
                overtime_s=overtime_s(stretches),
                segments=[
                    Segment(
                        kind=s.kind,
                        start=s.start,
                        end=s.end,
                        ticket_id=s.ticket_id,
                        place=s.place,
                        pinned=s.pinned,
                        phase=s.phase(now),
                        overtime=s.overtime,
                    )
                    for s in stretches
                ],
            )
        )
    return Board(now=now, day=day, depots=depots, engineers=engineers)
