"""Field reports in the database, and the booked legs re-timed by them.

A report names its vehicle, the ticket and the stop (an engineer's ``visit`` or ``pickup``, a
car's ``deliver``); it is kept once per reporter and event id. The vehicle's legs are then
re-timed (:func:`dispatch.progress.retime`) and stored, so every reader (day plans, ETAs, the
world the engine plans in) sees the day as it is going.

A report is taken in a handful of plain reads and writes (no ORM objects): the vehicle's legs
without their road shapes, its reports, one insert, one update of the legs that moved. A field
day sends hundreds of reports a minute, each its own transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    false,
    func,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput
from dispatch.progress import Actual, Reported, Timing, retime
from dispatch.store import routes
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


@dataclass(frozen=True, slots=True)
class Stored:
    """A report as kept: its row id, what it said (and its digest) and the plan of its visit."""

    id: int
    report: Report
    digest: str
    plan_id: int | None


class Timed(Protocol):
    """What the re-timing reads of a booked leg (a :class:`BookedLeg` or an ORM row)."""

    @property
    def id(self) -> int: ...
    @property
    def vehicle(self) -> str: ...
    @property
    def route_key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def ticket_id(self) -> int | None: ...
    @property
    def plan_id(self) -> int | None: ...
    @property
    def depart_at(self) -> datetime: ...
    @property
    def arrive_at(self) -> datetime: ...
    @property
    def start_at(self) -> datetime: ...
    @property
    def finish_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class BookedLeg:
    """A booked leg as the re-timing reads it: its vehicle, stop and four instants."""

    id: int
    vehicle: str
    route_key: str
    kind: str
    ticket_id: int | None
    plan_id: int | None
    depart_at: datetime
    arrive_at: datetime
    start_at: datetime
    finish_at: datetime


_BOOKED = (RouteLeg.id, RouteLeg.vehicle, RouteLeg.route_key, RouteLeg.kind, RouteLeg.ticket_id,
           RouteLeg.plan_id, RouteLeg.depart_at, RouteLeg.arrive_at, RouteLeg.start_at,
           RouteLeg.finish_at)  # fmt: skip
_REPORT = (FieldEvent.id, FieldEvent.event_id, FieldEvent.vehicle, FieldEvent.kind,
           FieldEvent.at, FieldEvent.ticket_id, FieldEvent.stop, FieldEvent.lat, FieldEvent.lon,
           FieldEvent.reason, FieldEvent.digest, FieldEvent.plan_id)  # fmt: skip
_T = TypeVar("_T", bound=Timed)
VisitKey = tuple[str, int | None, str | None, int | None]
"""Which visit reports are about: vehicle, ticket, stop and the plan that booked it."""

# The statements of a report, built once with their parameters named: run on the session's
# connection they skip building the query, its cache key and the ORM's result handling each
# time (5x less work a statement). A visit's report runs four of them (lock, day, reports,
# insert) and an update when legs moved; a position one.
_FIND = select(*_REPORT).where(
    FieldEvent.reporter == bindparam("reporter"), FieldEvent.event_id == bindparam("event_id")
)
_NEW_REPORT = {
    dialect: module.insert(FieldEvent)
    .on_conflict_do_nothing(index_elements=["reporter", "event_id"])
    .returning(FieldEvent.id)
    for dialect, module in (("postgresql", postgresql), ("sqlite", sqlite))
}
"""Stores a report unless its reporter sent that event id before (then no row comes back):
the check for a retry costs no statement of its own."""
_IN_WINDOW = and_(RouteLeg.finish_at > bindparam("since"), RouteLeg.depart_at < bindparam("until"))
_DAY = union_all(
    select(*_BOOKED, true().label("in_window")).where(
        RouteLeg.vehicle == bindparam("vehicle"), RouteLeg.active.is_(True), _IN_WINDOW
    ),
    select(*_BOOKED, false().label("in_window")).where(
        RouteLeg.vehicle == bindparam("vehicle"),
        RouteLeg.active.is_(True),
        RouteLeg.ticket_id == bindparam("ticket_id"),
        RouteLeg.kind == bindparam("stop"),
    ),
)
"""The vehicle's legs around a report and the legs booking its visit (one round trip; each
half reads by its own index)."""
_VEHICLE_REPORTS = select(
    FieldEvent.ticket_id, FieldEvent.stop, FieldEvent.plan_id, FieldEvent.kind, FieldEvent.at
).where(
    FieldEvent.vehicle == bindparam("vehicle"),
    FieldEvent.ticket_id.in_(bindparam("tickets", expanding=True)),
    FieldEvent.kind != "position",
)
_MOVE = (
    update(RouteLeg)
    .where(RouteLeg.id == bindparam("leg_id"))
    .values(
        depart_at=bindparam("depart"),
        arrive_at=bindparam("arrive"),
        start_at=bindparam("start"),
        finish_at=bindparam("finish"),
    )
)


def find(session: Session, reporter: str, event_id: str) -> Stored | None:
    """The event ``reporter`` sent with ``event_id`` before, if any."""
    found = session.connection().execute(_FIND, {"reporter": reporter, "event_id": event_id})
    row = found.one_or_none()
    if row is None:
        return None
    report = Report(event_id=row.event_id, vehicle=row.vehicle, kind=row.kind, at=row.at,
                    ticket_id=row.ticket_id, stop=row.stop, lat=row.lat, lon=row.lon,
                    reason=row.reason)  # fmt: skip
    return Stored(row.id, report, row.digest, row.plan_id)


def store(
    session: Session, reporter: str, report: Report, now: datetime, plan_id: int | None = None
) -> Stored | None:
    """Keep an accepted report (about the visit booked by ``plan_id``); None, storing nothing,
    when ``reporter`` sent its event id before (:func:`find` has what was kept)."""
    values = {
        "plan_id": plan_id, "reporter": reporter, "event_id": report.event_id,
        "digest": report.digest, "vehicle": report.vehicle, "kind": report.kind,
        "ticket_id": report.ticket_id, "stop": report.stop, "at": report.at, "lat": report.lat,
        "lon": report.lon, "reason": report.reason, "received_at": now,
    }  # fmt: skip
    statement = _NEW_REPORT[session.get_bind().dialect.name]
    row_id = session.connection().execute(statement, values).scalar()
    return None if row_id is None else Stored(row_id, report, report.digest, plan_id)


def no_visit(vehicle: str, ticket_id: int, stop: str) -> InvalidInput:
    """The refusal of a report about a visit that is not booked."""
    return InvalidInput("ticket_id", f"{vehicle} has no {stop} of ticket {ticket_id} booked")


def visit_key(leg: Timed) -> VisitKey:
    """The visit a leg books, as its reports name it."""
    return (leg.vehicle, leg.ticket_id, leg.kind, leg.plan_id)


@dataclass(frozen=True, slots=True)
class VehicleDay:
    """A vehicle's booked legs around a report, the leg of the visit reported and every report
    about them."""

    legs: list[BookedLeg]
    visit: BookedLeg
    reports: dict[VisitKey, list[Reported]]

    def about(self, leg: Timed) -> list[Reported]:
        """What was accepted about the visit ``leg`` books."""
        return list(self.reports.get(visit_key(leg), []))


def vehicle_day(
    session: Session, vehicle: str, around: datetime, ticket_id: int, stop: str
) -> VehicleDay:
    """``vehicle``'s active legs from a day before ``around`` to three days after, the first
    leg booking its ``stop`` of ``ticket_id`` and its reports about those legs' tickets, the
    vehicle's day locked first (:func:`routes.lock_vehicles`: two reports cannot both pass the
    ordering rules, nor a confirm rewrite the day under a report).

    Raises
    ------
    InvalidInput
        On ``ticket_id`` when the vehicle has no such stop booked.
    """
    routes.lock_vehicles(session, [vehicle])
    connection = session.connection()
    where = {"vehicle": vehicle, "since": around - LOOK_BACK, "until": around + LOOK_AHEAD,
             "ticket_id": ticket_id, "stop": stop}  # fmt: skip
    legs: list[BookedLeg] = []
    visits: list[BookedLeg] = []
    for *fields, in_window in connection.execute(_DAY, where):
        leg = BookedLeg(*fields)
        if in_window:
            legs.append(leg)
        if leg.ticket_id == ticket_id and leg.kind == stop:
            visits.append(leg)
    if not visits:
        raise no_visit(vehicle, ticket_id, stop)
    visit = min(visits, key=lambda leg: (leg.depart_at, leg.id))
    tickets = {leg.ticket_id for leg in legs if leg.ticket_id is not None} | {ticket_id}
    rows = connection.execute(_VEHICLE_REPORTS, {"vehicle": vehicle, "tickets": sorted(tickets)})
    found: dict[VisitKey, list[Reported]] = defaultdict(list)
    for ticket, kind_of_stop, plan_id, kind, at in rows:
        found[(vehicle, ticket, kind_of_stop, plan_id)].append(Reported(kind, at))
    return VehicleDay(legs, visit, dict(found))


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


def actuals(session: Session, legs: Sequence[Timed]) -> dict[int, Actual]:
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


def _groups(legs: Iterable[_T]) -> dict[str, list[_T]]:
    """Legs that follow one another: an engineer's whole day, each car trip on its own (a
    depot's cars run side by side)."""
    out: dict[str, list[_T]] = defaultdict(list)
    for leg in legs:
        out[leg.route_key if leg.vehicle.startswith("car:") else leg.vehicle].append(leg)
    for group in out.values():
        group.sort(key=lambda leg: (leg.depart_at, leg.id))
    return out


def retimed(
    legs: Sequence[Timed], found: dict[int, Actual], now: datetime | None
) -> dict[int, Timing]:
    """Every leg's timing (by leg id) once the reports and their knock-on are applied."""
    out: dict[int, Timing] = {}
    for group in _groups(legs).values():
        booked = [Timing(g.depart_at, g.arrive_at, g.start_at, g.finish_at) for g in group]
        by_index = {i: found[g.id] for i, g in enumerate(group) if g.id in found}
        for leg, timing in zip(group, retime(booked, by_index, now), strict=True):
            out[leg.id] = timing
    return out


def store_retimed(session: Session, day: VehicleDay) -> dict[int, datetime]:
    """Re-time ``day``'s legs by its reports and store the legs that moved (one statement);
    the booked ETA (visit start, car arrival) of each ticket whose ETA moved, before."""
    reports = day.reports
    found = {g.id: Actual.of(mine) for g in day.legs if (mine := reports.get(visit_key(g)))}
    timings = retimed(day.legs, found, None)
    before: dict[int, datetime] = {}
    moved = []
    for leg in day.legs:
        new = timings[leg.id]
        if (new.depart, new.arrive, new.start, new.finish) == (
            leg.depart_at, leg.arrive_at, leg.start_at, leg.finish_at):  # fmt: skip
            continue
        if leg.kind in ETA_KINDS and leg.ticket_id is not None:
            old_eta = eta_of(leg.kind, leg.arrive_at, leg.start_at)
            if eta_of(leg.kind, new.arrive, new.start) != old_eta:
                before[leg.ticket_id] = old_eta
        moved.append({"leg_id": leg.id, "depart": new.depart, "arrive": new.arrive,
                      "start": new.start, "finish": new.finish})  # fmt: skip
    if moved:
        session.connection().execute(_MOVE, moved)
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


def reports_of(session: Session, row: Stored) -> list[Reported]:
    """What was accepted about the visit the report ``row`` is about."""
    new = row.report
    return _reports(session, new.vehicle, new.ticket_id, new.stop, row.plan_id)
