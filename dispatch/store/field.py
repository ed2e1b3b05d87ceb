"""Field reports in the database, and the booked legs re-timed by them.

A report names its vehicle, the ticket and the stop (an engineer's ``visit`` or ``pickup``, a
car's ``deliver``); it is kept once per reporter and event id. The vehicle's legs are then
re-timed (:func:`dispatch.progress.retime`) and stored, so every reader (day plans, ETAs, the
world the engine plans in) sees the day as it is going.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput
from dispatch.progress import Actual, Reported, Timing, retime
from dispatch.store.tables import FieldEvent, RouteLeg
from dispatch.timeparse import format_instant
from dispatch.world import Point

LOOK_BACK = timedelta(days=1)
LOOK_AHEAD = timedelta(days=3)
ETA_KINDS = ("visit", "deliver")


@dataclass(frozen=True, slots=True)
class Report:
    """A field report as received."""

    event_id: str
    vehicle: str
    kind: str
    at: datetime
    ticket_id: int | None = None
    stop: str | None = None
    lat: float | None = None
    lon: float | None = None
    reason: str | None = None

    @property
    def digest(self) -> str:
        """What the report says, so a retry with the same event id is told from a clash."""
        fields: list[object] = [self.vehicle, self.kind, format_instant(self.at)]
        fields += [self.ticket_id, self.stop, self.lat, self.lon, self.reason]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def default_stop(vehicle: str) -> str:
    """A car delivers; an engineer visits."""
    return "deliver" if vehicle.startswith("car:") else "visit"


def find(session: Session, reporter: str, event_id: str) -> FieldEvent | None:
    """The event ``reporter`` sent with ``event_id`` before, if any."""
    query = select(FieldEvent).where(
        FieldEvent.reporter == reporter, FieldEvent.event_id == event_id
    )
    return session.scalars(query).one_or_none()


def store(
    session: Session, reporter: str, report: Report, now: datetime, plan_id: int | None = None
) -> FieldEvent:
    """Keep an accepted report (about the visit booked by ``plan_id``)."""
    row = FieldEvent(
        plan_id=plan_id,
        reporter=reporter,
        event_id=report.event_id,
        digest=report.digest,
        vehicle=report.vehicle,
        kind=report.kind,
        ticket_id=report.ticket_id,
        stop=report.stop,
        at=report.at,
        lat=report.lat,
        lon=report.lon,
        reason=report.reason,
        received_at=now,
    )
    session.add(row)
    session.flush()
    return row


def visit_leg(session: Session, vehicle: str, ticket_id: int, stop: str) -> RouteLeg:
    """The booked leg a report is about.

    Raises
    ------
    InvalidInput
        On ``ticket_id`` when the vehicle has no such stop booked.
    """
    leg = session.scalars(
        select(RouteLeg)
        .where(
            RouteLeg.vehicle == vehicle,
            RouteLeg.ticket_id == ticket_id,
            RouteLeg.kind == stop,
            RouteLeg.active.is_(True),
        )
        .order_by(RouteLeg.depart_at, RouteLeg.id)
        .limit(1)
    ).first()
    if leg is None:
        raise InvalidInput("ticket_id", f"{vehicle} has no {stop} of ticket {ticket_id} booked")
    return leg


def reports(session: Session, leg: RouteLeg) -> list[Reported]:
    """What was accepted about the visit ``leg`` books."""
    return _reports(session, leg.vehicle, leg.ticket_id, leg.kind, leg.plan_id)


def _reports(
    session: Session, vehicle: str, ticket_id: int | None, stop: str | None, plan_id: int | None
) -> list[Reported]:
    rows = session.execute(
        select(FieldEvent.kind, FieldEvent.at).where(
            FieldEvent.vehicle == vehicle,
            FieldEvent.ticket_id == ticket_id,
            FieldEvent.stop == stop,
            _same_plan(plan_id),
        )
    )
    return [Reported(kind, at) for kind, at in rows]


def _same_plan(plan_id: int | None) -> ColumnElement[bool]:
    column = FieldEvent.plan_id
    return column.is_(None) if plan_id is None else column == plan_id


def actuals(session: Session, legs: Sequence[RouteLeg]) -> dict[int, Actual]:
    """Each leg's reports (by leg id), for the legs that have any."""
    tickets = {leg.ticket_id for leg in legs if leg.ticket_id is not None}
    if not tickets:
        return {}
    rows = session.execute(
        select(FieldEvent.vehicle, FieldEvent.ticket_id, FieldEvent.stop, FieldEvent.plan_id,
               FieldEvent.kind, FieldEvent.at)
        .where(FieldEvent.ticket_id.in_(tickets), FieldEvent.kind != "position")
    )  # fmt: skip
    found: dict[tuple[str, int | None, str | None, int | None], list[Reported]] = defaultdict(list)
    for vehicle, ticket_id, stop, plan_id, kind, at in rows:
        found[(vehicle, ticket_id, stop, plan_id)].append(Reported(kind, at))
    out = {}
    for leg in legs:
        mine = found.get((leg.vehicle, leg.ticket_id, leg.kind, leg.plan_id))
        if mine:
            out[leg.id] = Actual.of(mine)
    return out


def _groups(legs: Iterable[RouteLeg]) -> dict[str, list[RouteLeg]]:
    """Legs that follow one another: an engineer's whole day, each car trip on its own (a
    depot's cars run side by side)."""
    out: dict[str, list[RouteLeg]] = defaultdict(list)
    for leg in legs:
        out[leg.route_key if leg.vehicle.startswith("car:") else leg.vehicle].append(leg)
    for group in out.values():
        group.sort(key=lambda leg: (leg.depart_at, leg.id))
    return out


def retimed(
    legs: Sequence[RouteLeg], found: dict[int, Actual], now: datetime | None
) -> dict[int, Timing]:
    """Every leg's timing (by leg id) once the reports and their knock-on are applied."""
    out: dict[int, Timing] = {}
    for group in _groups(legs).values():
        booked = [Timing(g.depart_at, g.arrive_at, g.start_at, g.finish_at) for g in group]
        by_index = {i: found[g.id] for i, g in enumerate(group) if g.id in found}
        for leg, timing in zip(group, retime(booked, by_index, now), strict=True):
            out[leg.id] = timing
    return out


def retime_vehicle(session: Session, vehicle: str, around: datetime) -> dict[int, datetime]:
    """Re-time and store ``vehicle``'s legs around ``around``; the booked ETA (visit start,
    car arrival) of each ticket whose ETA the change moved, before the change."""
    legs = session.scalars(
        select(RouteLeg)
        .where(
            RouteLeg.vehicle == vehicle,
            RouteLeg.active.is_(True),
            RouteLeg.finish_at > around - LOOK_BACK,
            RouteLeg.depart_at < around + LOOK_AHEAD,
        )
        .with_for_update()
    ).all()
    before: dict[int, datetime] = {}
    timings = retimed(legs, actuals(session, legs), None)
    for leg in legs:
        new = timings[leg.id]
        if leg.kind in ETA_KINDS and leg.ticket_id is not None:
            old_eta = eta_of(leg.kind, leg.arrive_at, leg.start_at)
            if eta_of(leg.kind, new.arrive, new.start) != old_eta:
                before[leg.ticket_id] = old_eta
        leg.depart_at, leg.arrive_at = new.depart, new.arrive
        leg.start_at, leg.finish_at = new.start, new.finish
    return before


def eta_of(kind: str, arrive: datetime, start: datetime) -> datetime:
    """When a stop's ticket is served: the visit's start, a car's arrival."""
    return start if kind == "visit" else arrive


def live_copies(session: Session, legs: Sequence[RouteLeg], now: datetime) -> list[RouteLeg]:
    """The legs as they stand at ``now``: re-timed by the reports, work reported under way
    lasting at least until ``now``; detached copies, so a reader never writes."""
    found = actuals(session, legs)
    if not found:
        return list(legs)
    timings = retimed(legs, found, now)
    return [_copy(leg, timings[leg.id]) for leg in legs]


def _copy(leg: RouteLeg, timing: Timing) -> RouteLeg:
    fields = {column.key: getattr(leg, column.key) for column in RouteLeg.__table__.columns}
    fields |= {"depart_at": timing.depart, "arrive_at": timing.arrive,
               "start_at": timing.start, "finish_at": timing.finish}  # fmt: skip
    return RouteLeg(**fields)


def positions(session: Session, since: datetime) -> dict[str, tuple[Point, datetime]]:
    """Each vehicle's latest reported position since ``since``."""
    latest = (
        select(FieldEvent.vehicle, func.max(FieldEvent.at).label("at"))
        .where(FieldEvent.kind == "position", FieldEvent.at >= since)
        .group_by(FieldEvent.vehicle)
        .subquery()
    )
    rows = session.execute(
        select(FieldEvent.vehicle, FieldEvent.lat, FieldEvent.lon, FieldEvent.at)
        .join(
            latest,
            (FieldEvent.vehicle == latest.c.vehicle) & (FieldEvent.at == latest.c.at),
        )
        .where(FieldEvent.kind == "position")
    )
    return {
        vehicle: (Point(lat, lon, f"{vehicle} reported"), at)
        for vehicle, lat, lon, at in rows
        if lat is not None and lon is not None
    }


def reports_of(session: Session, row: FieldEvent) -> list[Reported]:
    """What was accepted about the visit the report ``row`` is about."""
    return _reports(session, row.vehicle, row.ticket_id, row.stop, row.plan_id)
