"""An engineer's day as timeline segments, from the legs the engine booked.

Each leg is a drive (travel), a wait on arrival if the work cannot start yet (idle), then the
work (pickup or visit, a pickup of a packed part possibly taking no time: kept as a marker); a
drive home is travel only. Shift time without legs is idle. A leg is
pinned (under way) once its departure is past. Nothing is re-estimated: the stored times are
drawn as they are. Each stretch carries its phase at now (done, under way, planned), and booked
time outside every shift is cut off into stretches flagged overtime.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from dispatch.store.tables import RouteLeg

Kind = Literal["travel", "pickup", "visit", "idle"]
Phase = Literal["done", "under_way", "planned"]


@dataclass(frozen=True, slots=True)
class Stretch:
    """One segment: ``kind`` is travel, pickup, visit or idle."""

    kind: Kind
    start: datetime
    end: datetime
    ticket_id: int | None = None
    place: str = ""
    pinned: bool = False
    overtime: bool = False

    def phase(self, now: datetime) -> Phase:
        """done once it ended, under way while it runs, planned before it starts."""
        if self.end <= now and self.end > self.start:
            return "done"
        return "under_way" if self.start <= now < self.end else "planned"


def _of_leg(leg: RouteLeg, now: datetime) -> list[Stretch]:
    pinned = leg.depart_at <= now
    ticket = leg.ticket_id
    out = [Stretch("travel", leg.depart_at, leg.arrive_at, ticket, leg.dest_name, pinned)]
    if leg.kind in ("pickup", "visit"):
        out.append(Stretch("idle", leg.arrive_at, leg.start_at, ticket, leg.dest_name, pinned))
        work: Kind = "pickup" if leg.kind == "pickup" else "visit"
        out.append(Stretch(work, leg.start_at, leg.finish_at, ticket, leg.dest_name, pinned))
    # a pickup of a packed part takes no time in the engine's plan: kept as a marker
    return [s for s in out if s.end > s.start or s.kind == "pickup"]


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


def _split_overtime(stretch: Stretch, shifts: Sequence[tuple[datetime, datetime]]) -> list[Stretch]:
    """``stretch`` cut at the shift bounds; the parts outside every shift flagged overtime."""
    if stretch.end <= stretch.start:  # a marker: overtime when no shift holds its instant
        inside = any(s <= stretch.start <= e for s, e in shifts)
        return [replace(stretch, overtime=not inside)]
    cuts = sorted(
        {stretch.start, stretch.end}
        | {t for bounds in shifts for t in bounds if stretch.start < t < stretch.end}
    )
    out = []
    for a, b in itertools.pairwise(cuts):
        inside = any(s <= a and b <= e for s, e in shifts)
        out.append(replace(stretch, start=a, end=b, overtime=not inside))
    return out


def overtime_s(stretches: Sequence[Stretch]) -> int:
    """Seconds of booked work and travel outside the shifts."""
    return sum(int((s.end - s.start).total_seconds()) for s in stretches if s.overtime)


def day_segments(
    shifts: Sequence[tuple[datetime, datetime]], legs: Sequence[RouteLeg], now: datetime
) -> list[Stretch]:
    """The engineer's day in time order: each booked leg (cut where a shift ends), then idle
    shift time."""
    booked = (s for leg in legs for s in _of_leg(leg, now))
    busy = sorted(
        (part for s in booked for part in _split_overtime(s, shifts)),
        key=lambda s: (s.start, s.end),
    )
    return sorted(busy + _idle(sorted(shifts), busy), key=lambda s: (s.start, s.end))


def clip(stretches: Sequence[Stretch], start: datetime, end: datetime) -> list[Stretch]:
    """The parts of ``stretches`` inside [start, end): one day of a plan that spans days."""
    return [
        replace(s, start=max(s.start, start), end=min(s.end, end))
        for s in stretches
        if s.end > start and s.start < end
    ]
