"""An engineer's day as timeline segments: travel, pickup at the depot, visit, idle.

The API stores each confirmed visit as departure, arrival and finish. The console splits the
journey into the legs the engine plans (to the depot, pick the part up, on to the site) with
straight-line travel times, placed so the stored arrival holds; whatever time is left before
them is idle (waiting), as is shift time without work. When the legs do not fit between the
stored departure and arrival they are scaled down to fit: the stored times always win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import numpy as np

from solver.travel.geodesic import GeodesicTravel

PICKUP = timedelta(minutes=15)
"""Time at the depot to collect the part (the demo world's depots take 10 to 30 minutes)."""

Point = tuple[float, float]
Kind = Literal["travel", "pickup", "visit", "idle"]


@dataclass(frozen=True, slots=True)
class Visit:
    """A confirmed engineer visit with where the part comes from and where it goes."""

    ticket_id: int
    depot_id: str
    depot: Point
    site: Point
    depart_at: datetime
    arrival_at: datetime
    finish_at: datetime

    def __post_init__(self) -> None:
        if not self.depart_at <= self.arrival_at <= self.finish_at:
            raise ValueError(f"visit {self.ticket_id} needs depart_at <= arrival_at <= finish_at")


@dataclass(frozen=True, slots=True)
class Stretch:
    """One segment: ``kind`` is travel, pickup, visit or idle."""

    kind: Kind
    start: datetime
    end: datetime
    ticket_id: int | None = None
    place: str = ""
    pinned: bool = False


def _travel(a: Point, b: Point, model: GeodesicTravel) -> timedelta:
    seconds, _ = model.matrix(np.array([a]), np.array([b]))
    return timedelta(seconds=int(seconds[0, 0]))


def _legs(visit: Visit, start: Point, model: GeodesicTravel) -> list[tuple[Kind, timedelta]]:
    legs: list[tuple[Kind, timedelta]] = [
        ("travel", _travel(start, visit.depot, model)),
        ("pickup", PICKUP),
        ("travel", _travel(visit.depot, visit.site, model)),
    ]
    window = visit.arrival_at - visit.depart_at
    total = sum((d for _, d in legs), timedelta())
    if total > window:
        scaled = [(kind, d * (window / total)) for kind, d in legs]
        rest = sum((d for _, d in scaled[1:]), timedelta())
        legs = [(scaled[0][0], window - rest), *scaled[1:]]  # exact: no rounding drift
    return legs


def _journey(visit: Visit, start: Point, now: datetime, model: GeodesicTravel) -> list[Stretch]:
    pinned = visit.depart_at <= now
    at = visit.arrival_at
    out: list[Stretch] = []
    for kind, duration in reversed(_legs(visit, start, model)):
        place = visit.depot_id if kind == "pickup" else ""
        out.append(Stretch(kind, at - duration, at, visit.ticket_id, place, pinned))
        at -= duration
    out.reverse()
    if visit.finish_at > visit.arrival_at:
        out.append(Stretch("visit", visit.arrival_at, visit.finish_at, visit.ticket_id, "", pinned))
    return [s for s in out if s.end > s.start]


def _idle(shifts: Sequence[tuple[datetime, datetime]], busy: Sequence[Stretch]) -> list[Stretch]:
    out: list[Stretch] = []
    for shift_start, shift_end in shifts:
        cursor = shift_start
        for stretch in busy:
            if stretch.end <= cursor or stretch.start >= shift_end:
                continue
            if stretch.start > cursor:
                out.append(Stretch("idle", cursor, stretch.start))
            cursor = max(cursor, stretch.end)
        if cursor < shift_end:
            out.append(Stretch("idle", cursor, shift_end))
    return out


def day_segments(
    home: Point,
    shifts: Sequence[tuple[datetime, datetime]],
    visits: Sequence[Visit],
    now: datetime,
    model: GeodesicTravel | None = None,
) -> list[Stretch]:
    """The engineer's day in time order: each visit's legs from the previous site (or home).

    Parameters
    ----------
    home
        ``(lat, lon)`` where the day starts.
    shifts
        Working windows; time in them without a visit is idle.
    visits
        Confirmed visits, in any order.
    now
        Visits whose departure is not after ``now`` are marked pinned (under way).
    """
    model = model or GeodesicTravel()
    busy: list[Stretch] = []
    where = home
    for visit in sorted(visits, key=lambda v: v.arrival_at):
        busy += _journey(visit, where, now, model)
        where = visit.site
    return sorted(busy + _idle(sorted(shifts), busy), key=lambda s: (s.start, s.end))


def clip(stretches: Sequence[Stretch], start: datetime, end: datetime) -> list[Stretch]:
    """The parts of ``stretches`` inside [start, end): one day of a plan that spans days."""
    return [
        replace(s, start=max(s.start, start), end=min(s.end, end))
        for s in stretches
        if s.end > start and s.start < end
    ]
