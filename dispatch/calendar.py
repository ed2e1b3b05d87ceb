"""The Polish service calendar: business days, service-hour windows and service-time arithmetic.

Every window is expanded once into sorted tables of open intervals in epoch seconds (UTC), with the
running total of service seconds before each interval. Each query is then a binary search, so
year-long simulations can ask millions of questions without rebuilding holiday objects or walking
day by day. Wall-clock boundaries are converted through ``zoneinfo``, so daylight-saving days are
right: on the last Sunday of March, 09:00-17:00 is still eight real hours, and 24x7 counts real
elapsed time.

Rules chosen where the spec is silent (also in docs/sla.md):

- A custom window ``H1-H2xD`` is open from H1 to H2 on the first D weekdays (Mon=1st); when D < 7
  it is closed on Polish public holidays, like 8x5. ``24x7`` and windows with D = 7 never close
  for holidays.
- Times are handled to the second.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from dispatch.errors import InvalidInput
from dispatch.timeparse import END_YEAR, FIRST_YEAR, WARSAW
from solver.cache import cached, files_key

_FIRST_DAY = date(FIRST_YEAR, 1, 1)
_END_DAY = date(END_YEAR, 1, 1)
MINUTES_PER_DAY = 24 * 60


def _local_epoch(day: date, minute: int) -> int:
    """Epoch seconds of a wall-clock minute on ``day`` in Warsaw (minute 1440 = next midnight)."""
    if minute == MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), 0
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=WARSAW)
    return int(wall.timestamp())


_UNIX_DAY_OF_FIRST = (_FIRST_DAY - date(1970, 1, 1)).days


@functools.cache
def _noon_offsets_s() -> NDArray[np.int64]:
    """UTC offset at local noon of every day index (one extra day at the end)."""
    noon = datetime(FIRST_YEAR, 1, 1, 12)
    n_days = (_END_DAY - _FIRST_DAY).days + 2
    offsets = [WARSAW.utcoffset(noon + timedelta(days=i)) for i in range(n_days)]
    return np.array([o.total_seconds() if o else 0 for o in offsets], dtype=np.int64)


def wall_epochs(day_indices: NDArray[np.int64], minute: int) -> NDArray[np.int64]:
    """Epoch seconds of one wall-clock minute on many days (vectorised, DST-exact).

    Days on which the offset changes are converted one by one through ``zoneinfo``; all others
    share their day's offset.
    """
    days = np.asarray(day_indices, dtype=np.int64)
    day_shift, minute = divmod(minute, MINUTES_PER_DAY)
    days = days + day_shift
    offsets = _noon_offsets_s()
    naive = (days + _UNIX_DAY_OF_FIRST) * 86400 + minute * 60
    epochs = naive - offsets[days]
    changing = offsets[days] != offsets[np.maximum(days - 1, 0)]
    for k in np.flatnonzero(changing):
        epochs[k] = _local_epoch(_FIRST_DAY + timedelta(days=int(days[k])), minute)
    return epochs


@dataclass(frozen=True, slots=True)
class _Days:
    """Per-day tables over the supported years, indexed by days since 2000-01-01."""

    midnight_s: list[int]  # local midnight of each day, plus the one after the last day
    business: NDArray[np.bool_]
    weekday: NDArray[np.int64]
    holiday: NDArray[np.bool_]
    holiday_names: dict[date, str]


@functools.cache
def _days() -> _Days:
    n_days = (_END_DAY - _FIRST_DAY).days
    names = {date.fromordinal(day): name for day, name in _holiday_names().items()}
    index = np.arange(n_days, dtype=np.int64)
    weekday = (index + _FIRST_DAY.weekday()) % 7
    holiday = np.zeros(n_days, dtype=np.bool_)
    holiday[[(day - _FIRST_DAY).days for day in names]] = True
    midnight = wall_epochs(np.arange(n_days + 1, dtype=np.int64), 0)
    return _Days(
        midnight_s=[int(m) for m in midnight],
        business=(weekday < 5) & ~holiday,
        weekday=weekday,
        holiday=holiday,
        holiday_names=names,
    )


def _holiday_names() -> dict[int, str]:
    """Polish public holidays of the supported years, day ordinal -> name.

    Computing a century of them costs about a tenth of a second, so the answer is cached on
    disk under the ``holidays`` package's files (a new release is recomputed)."""
    spec = importlib.util.find_spec("holidays")
    origin = Path(spec.origin) if spec is not None and spec.origin else Path("holidays")
    sources = (origin, origin.parent / "countries" / "poland.py")
    key = files_key(sources) + f"{FIRST_YEAR}-{END_YEAR}"
    return cached("holidays-pl", key, _compute_holidays)


def _compute_holidays() -> dict[int, str]:
    import holidays  # only when the cache is cold: the import alone costs 0.05 s

    pl_holidays = holidays.country_holidays("PL", years=range(FIRST_YEAR, END_YEAR))
    return {day.toordinal(): str(name) for day, name in pl_holidays.items()}


def _day_index(day: date) -> int:
    if not _FIRST_DAY <= day < _END_DAY:
        raise InvalidInput(
            "date", f"{day.isoformat()} is outside the supported years {FIRST_YEAR}-{END_YEAR - 1}"
        )
    return (day - _FIRST_DAY).days


def check_supported(epoch_s: int, *, field: str) -> None:
    """Raise InvalidInput naming ``field`` when an instant lies outside the calendar tables."""
    table = _days().midnight_s
    if not table[0] <= epoch_s < table[-1]:
        raise InvalidInput(
            field,
            f"outside the supported years {FIRST_YEAR}-{END_YEAR - 1} of the service calendar",
        )


def day_index_of(epoch_s: int) -> int:
    """Index (days since 2000-01-01) of the Warsaw calendar day containing ``epoch_s``."""
    return bisect.bisect_right(_days().midnight_s, epoch_s) - 1


def day_indices_of(epoch_s: NDArray[np.int64]) -> NDArray[np.int64]:
    """Vectorised :func:`day_index_of`."""
    midnights = np.asarray(_days().midnight_s, dtype=np.int64)
    return np.searchsorted(midnights, epoch_s, side="right") - 1


def day_count() -> int:
    """Number of days in the calendar tables."""
    return len(_days().business)


def is_holiday(day: date) -> bool:
    """Whether ``day`` is a Polish public holiday."""
    return day in _days().holiday_names


def holiday_name(day: date) -> str | None:
    """The holiday's name, or None on an ordinary day."""
    return _days().holiday_names.get(day)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a Polish public holiday."""
    return bool(_days().business[_day_index(day)])


def next_business_day(day: date) -> date:
    """The first business day strictly after ``day``."""
    index = next_business_index(_day_index(day))
    return _FIRST_DAY + timedelta(days=index)


@functools.cache
def next_business_table() -> list[int]:
    """For each day index, the index of the first business day after it (day_count() if none)."""
    business = _days().business
    n_days = len(business)
    following = [n_days] * n_days
    upcoming = n_days
    for i in range(n_days - 1, -1, -1):
        following[i] = upcoming
        if business[i]:
            upcoming = i
    return following


def next_business_index(index: int) -> int:
    """Index of the first business day strictly after day ``index``."""
    following = next_business_table()[index]
    if following >= len(_days().business):
        raise InvalidInput("date", f"no business day before {END_YEAR} in the service calendar")
    return following


_WINDOW = re.compile(
    r"^(?:(?P<start>\d{1,2}(?::\d{2})?)-(?P<end>\d{1,2}(?::\d{2})?)|(?P<hours>\d{1,2}))"
    r"x(?P<days>[1-7])$"
)


def _minute_of(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes or 0)


@dataclass(frozen=True, slots=True)
class ServiceWindow:
    """Weekly service hours: open [start, end) on the first ``days_per_week`` weekdays.

    ``8x5`` is 09:00-17:00 Monday to Friday on business days; ``24x7`` is always open.
    """

    start_minute: int
    end_minute: int
    days_per_week: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < MINUTES_PER_DAY:
            raise InvalidInput("window.start", f"must be in 00:00-23:59, got {self.start_minute}")
        if not self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise InvalidInput("window.end", "must be after the start and at most 24:00")
        if not 1 <= self.days_per_week <= 7:
            raise InvalidInput("window.days", f"must be 1-7, got {self.days_per_week}")

    @classmethod
    def parse(cls, text: str, *, field: str = "window") -> ServiceWindow:
        """Parse ``8x5``, ``24x7``, ``24x5`` or a custom ``7-19x6`` / ``07:30-18:00x5``.

        Raises
        ------
        InvalidInput
            When the text is not a window.
        """
        match = _WINDOW.match(text.strip())
        if match is None:
            raise InvalidInput(
                field, f"unknown service window {text!r} (expected 8x5, 24x7 or e.g. 7-19x6)"
            )
        days = int(match["days"])
        if match["hours"] is not None:
            hours = int(match["hours"])
            if hours == 8:
                return cls(9 * 60, 17 * 60, days)
            if hours == 24:
                return cls(0, MINUTES_PER_DAY, days)
            raise InvalidInput(
                field, f"window {text!r} needs explicit hours, e.g. 8-{8 + hours}x{days}"
            )
        start, end = _minute_of(match["start"]), _minute_of(match["end"])
        if start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY or start >= end:
            raise InvalidInput(field, f"window {text!r} must open before it closes, within 0-24")
        return cls(start, end, days)

    @property
    def always_open(self) -> bool:
        """True for 24x7: every instant is service time."""
        return self.start_minute == 0 and self.end_minute == MINUTES_PER_DAY and self.skips_none

    @property
    def skips_none(self) -> bool:
        """A seven-day window keeps working through holidays."""
        return self.days_per_week == 7

    def __str__(self) -> str:
        if (self.start_minute, self.end_minute) == (9 * 60, 17 * 60):
            return f"8x{self.days_per_week}"
        if (self.start_minute, self.end_minute) == (0, MINUTES_PER_DAY):
            return f"24x{self.days_per_week}"
        return f"{_clock(self.start_minute)}-{_clock(self.end_minute)}x{self.days_per_week}"


def _clock(minute: int) -> str:
    hours, minutes = divmod(minute, 60)
    return f"{hours}" if minutes == 0 else f"{hours}:{minutes:02d}"


class ServiceCalendar:
    """Service-time arithmetic for one window, on precomputed interval tables.

    The ``*_s`` methods take and return epoch seconds (the fast path, used by the solver and
    simulations); the others take aware datetimes and return them in Europe/Warsaw.
    """

    __slots__ = ("_arrays", "_cum", "_cum_end", "_ends", "_starts", "window")

    def __init__(self, window: ServiceWindow) -> None:
        self.window = window
        days = _days()
        open_days = days.weekday < window.days_per_week
        if not window.skips_none:
            open_days &= ~days.holiday
        day_indices = np.flatnonzero(open_days).astype(np.int64)
        opens = wall_epochs(day_indices, window.start_minute)
        closes = wall_epochs(day_indices, window.end_minute)
        # merge back-to-back days (24x5, 24x7) into one interval
        new_run = np.concatenate(([True], opens[1:] != closes[:-1]))
        last_of_run = np.concatenate((new_run[1:], [True]))
        starts = opens[new_run]
        ends = closes[last_of_run]
        cum = np.concatenate(([0], np.cumsum(ends - starts)[:-1])).astype(np.int64)
        cum_end = cum + (ends - starts)
        # numpy arrays for the vectorised path, lists for fast scalar bisection
        self._arrays = (starts, ends, cum, cum_end)
        self._starts: list[int] = starts.tolist()
        self._ends: list[int] = ends.tolist()
        self._cum: list[int] = cum.tolist()
        self._cum_end: list[int] = cum_end.tolist()

    @classmethod
    @functools.cache
    def of(cls, window: ServiceWindow) -> ServiceCalendar:
        """The shared calendar for ``window`` (built once per process)."""
        return cls(window)

    # -- epoch-second core -------------------------------------------------------------------

    def is_open_s(self, t: int) -> bool:
        """Whether ``t`` lies inside service hours (intervals are half-open)."""
        i = bisect.bisect_right(self._starts, t) - 1
        return i >= 0 and t < self._ends[i]

    def next_opening_s(self, t: int) -> int:
        """``t`` itself when open, else the next start of service hours."""
        i = bisect.bisect_right(self._starts, t) - 1
        if i >= 0 and t < self._ends[i]:
            return t
        if i + 1 >= len(self._starts):
            raise InvalidInput("time", f"no service hours before {END_YEAR}")
        return self._starts[i + 1]

    def service_before_s(self, t: int) -> int:
        """Service seconds from the start of the tables up to ``t``."""
        i = bisect.bisect_right(self._starts, t) - 1
        if i < 0:
            return 0
        return self._cum[i] + min(t, self._ends[i]) - self._starts[i]

    def at_service_s(self, service_s: int) -> int:
        """The earliest instant by which ``service_s`` service seconds have elapsed.

        Hours that run out exactly at closing time end at closing time, not at the next opening.
        """
        j = bisect.bisect_left(self._cum_end, service_s)
        if j >= len(self._starts):
            raise InvalidInput("time", f"beyond the service calendar ({END_YEAR})")
        return self._starts[j] + max(service_s - self._cum[j], 0)

    def add_service_s(self, t: int, seconds: int) -> int:
        """The instant at which ``seconds`` of service time counted from ``t`` have elapsed."""
        if seconds < 0:
            raise InvalidInput("seconds", f"must be >= 0, got {seconds}")
        start = self.next_opening_s(t)
        if seconds == 0:
            return start
        return self.at_service_s(self.service_before_s(start) + seconds)

    def service_between_s(self, a: int, b: int) -> int:
        """Service seconds in [a, b); negative when b precedes a."""
        return self.service_before_s(b) - self.service_before_s(a)

    def add_service_array_s(self, t: NDArray[np.int64], seconds: int) -> NDArray[np.int64]:
        """Vectorised :meth:`add_service_s` for many instants and one duration."""
        starts, ends, cum, cum_end = self._arrays
        i = np.searchsorted(starts, t, side="right") - 1
        inside = (i >= 0) & (t < ends[np.maximum(i, 0)])
        nxt = np.minimum(i + 1, len(starts) - 1)
        opened: NDArray[np.int64] = np.where(inside, t, starts[nxt])
        if seconds == 0:
            return opened
        k = np.where(inside, i, nxt)
        target = cum[k] + opened - starts[k] + seconds
        j = np.searchsorted(cum_end, target, side="left")
        result: NDArray[np.int64] = starts[j] + np.maximum(target - cum[j], 0)
        return result

    # -- datetime wrappers -------------------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` is inside service hours."""
        return self.is_open_s(_epoch(moment))

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` when open, else the next start of service hours."""
        return from_epoch(self.next_opening_s(_epoch(moment)))

    def add_service_hours(self, moment: datetime, hours: float) -> datetime:
        """The instant when ``hours`` of service time counted from ``moment`` have elapsed."""
        return from_epoch(self.add_service_s(_epoch(moment), round(hours * 3600)))

    def service_hours_between(self, a: datetime, b: datetime) -> float:
        """Service hours in [a, b)."""
        return self.service_between_s(_epoch(a), _epoch(b)) / 3600


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise InvalidInput("time", "an aware datetime is required here")
    return int(moment.timestamp())


def from_epoch(epoch_s: int) -> datetime:
    """Epoch seconds to an aware Warsaw datetime."""
    return datetime.fromtimestamp(epoch_s, tz=WARSAW)


def local_epoch_at(day_index: int, at: time) -> int:
    """Epoch seconds of wall-clock ``at`` on the day with index ``day_index``."""
    return _local_epoch(_FIRST_DAY + timedelta(days=day_index), at.hour * 60 + at.minute)


def local_epochs_at(day_indices: NDArray[np.int64], at: time) -> NDArray[np.int64]:
    """Vectorised :func:`local_epoch_at`."""
    return wall_epochs(day_indices, at.hour * 60 + at.minute)
