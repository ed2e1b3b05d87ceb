"""What the field reports about a visit, the rules its reports obey, and the day re-timed by it.

A visit (an engineer's pickup or visit, a dedicated car's delivery) is reported ``departed``,
``arrived`` and then ``finished`` or ``failed``. Reports may come late and in any order, but
their instants must fit that sequence: a visit cannot be finished before it was arrived at,
nor reported twice with different news. The vehicle's booked legs are then re-timed: a
reported instant replaces the booked one, and a delay carries on to every later leg (a leg
never leaves before its booked departure nor starts before its booked start, which are the
promises made; a gain is not passed on, so no customer is surprised by an early engineer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.errors import InvalidInput
from dispatch.timeparse import format_instant

VISIT_KINDS = ("departed", "arrived", "finished", "failed")
FAILURE_REASONS = ("wrong_part", "site_closed", "second_visit")
OVERRUN_STEP = timedelta(minutes=15)
"""Work on site past its booked end, not yet reported finished, is expected to last this much
longer (re-estimated at every look)."""
_RANK = {"departed": 0, "arrived": 1, "finished": 2, "failed": 2}


@dataclass(frozen=True, slots=True)
class Reported:
    """One report about a visit."""

    kind: str
    at: datetime


def check_order(known: Sequence[Reported], new: Reported) -> None:
    """Refuse a report that cannot follow (or precede) the ones already accepted.

    Raises
    ------
    InvalidInput
        On ``kind`` when the visit already has that news (or the other outcome), on ``at``
        when the instant breaks departed <= arrived <= finished/failed.
    """
    for old in known:
        if _RANK[old.kind] == _RANK[new.kind] == 2 or old.kind == new.kind:
            raise InvalidInput(
                "kind", f"the visit was already reported {old.kind} at {format_instant(old.at)}"
            )
        if _RANK[new.kind] > _RANK[old.kind] and new.at < old.at:
            raise InvalidInput(
                "at", f"{new.kind} cannot be before {old.kind} ({format_instant(old.at)})"
            )
        if _RANK[new.kind] < _RANK[old.kind] and new.at > old.at:
            raise InvalidInput(
                "at", f"{new.kind} cannot be after {old.kind} ({format_instant(old.at)})"
            )


@dataclass(frozen=True, slots=True)
class Actual:
    """What the field reported about one visit so far."""

    departed: datetime | None = None
    arrived: datetime | None = None
    ended: datetime | None = None
    failed: bool = False

    @property
    def state(self) -> str:
        """booked, driving, on_site, finished or failed."""
        if self.ended is not None:
            return "failed" if self.failed else "finished"
        if self.arrived is not None:
            return "on_site"
        return "driving" if self.departed is not None else "booked"

    @classmethod
    def of(cls, reports: Sequence[Reported]) -> Actual:
        """The visit as its accepted reports tell it."""
        by_kind = {r.kind: r.at for r in reports}
        ended = by_kind.get("finished", by_kind.get("failed"))
        return cls(by_kind.get("departed"), by_kind.get("arrived"), ended, "failed" in by_kind)


@dataclass(frozen=True, slots=True)
class Timing:
    """A leg's four instants: leaves, arrives, work starts, work ends."""

    depart: datetime
    arrive: datetime
    start: datetime
    finish: datetime


def retime(
    legs: Sequence[Timing], actuals: Mapping[int, Actual], now: datetime | None = None
) -> list[Timing]:
    """The vehicle's legs (in booked order) with the reported instants and their knock-on.

    ``actuals`` maps a leg's index to its reports. With ``now``, work under way that has not
    been reported over is taken to last past ``now`` (an overrun: ``OVERRUN_STEP`` more; a
    late drive: arriving now at the earliest), and what follows moves with it.
    """
    out: list[Timing] = []
    previous: datetime | None = None
    for index, booked in enumerate(legs):
        drive = booked.arrive - booked.depart
        work = booked.finish - booked.start
        actual = actuals.get(index)
        if actual is None or actual.state == "booked":
            depart = booked.depart if previous is None else max(booked.depart, previous)
            arrive = depart + drive
            start = max(arrive, booked.start)
            timing = Timing(depart, arrive, start, start + work)
        else:
            timing = _reported(booked, actual, previous, now)
        out.append(timing)
        previous = timing.finish
    return out


def _reported(
    booked: Timing, actual: Actual, previous: datetime | None, now: datetime | None
) -> Timing:
    """One leg as its reports tell it, the rest estimated from the booking."""
    drive = booked.arrive - booked.depart
    work = booked.finish - booked.start
    depart = actual.departed
    if depart is None:
        depart = booked.depart if previous is None else max(booked.depart, previous)
        if actual.arrived is not None:
            depart = min(depart, actual.arrived - drive)
    arrive = actual.arrived
    if arrive is None:
        arrive = depart + drive
        if now is not None and actual.ended is None:
            arrive = max(arrive, now)  # still driving
    start = actual.arrived if actual.arrived is not None else max(arrive, booked.start)
    finish = actual.ended
    if finish is None:
        finish = start + work
        if now is not None and finish <= now:  # still working past the booked end
            finish = now + OVERRUN_STEP
    else:  # ended, perhaps reported before the arrival: nothing after the end
        start, arrive = min(start, finish), min(arrive, finish)
        depart = min(depart, arrive)
    return Timing(depart, arrive, start, max(finish, start))


def moved(before: datetime, after: datetime, threshold: timedelta) -> bool:
    """Whether an ETA moved by more than ``threshold`` either way."""
    return abs(after - before) > threshold
