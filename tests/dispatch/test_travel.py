"""dispatch.travel: single trips between places and the Polish calendar's effect on rush hours."""

from __future__ import annotations

from datetime import datetime

import pytest

from dispatch.errors import InvalidInput
from dispatch.places import resolve
from dispatch.timeparse import WARSAW
from dispatch.travel import depart_hour_of_week, travel


def test_travel_returns_whole_seconds_and_metres():
    """Kraków -> Wieliczka: a short, positive trip in ints."""
    seconds, metres = travel(resolve("Kraków"), resolve("Wieliczka"))
    assert isinstance(seconds, int) and isinstance(metres, int)
    assert 600 < seconds < 3600 and 10_000 < metres < 30_000


def test_a_public_holiday_morning_has_no_rush_hour():
    """11 Nov 2026 08:00 (Wednesday, Independence Day) is priced like a Sunday; 12 Nov is not."""
    a, b = resolve("Warszawa"), resolve("Piaseczno")
    holiday = datetime(2026, 11, 11, 8, 0, tzinfo=WARSAW)
    workday = datetime(2026, 11, 12, 8, 0, tzinfo=WARSAW)
    free, _ = travel(a, b)
    assert travel(a, b, holiday)[0] == free
    assert travel(a, b, workday)[0] > free
    assert depart_hour_of_week(holiday) == 6 * 24 + 8.0


def test_naive_departure_is_refused_naming_the_field():
    """A departure without an offset is an InvalidInput on ``depart``."""
    with pytest.raises(InvalidInput, match="must carry a time zone") as info:
        depart_hour_of_week(datetime(2026, 11, 12, 8, 0))
    assert info.value.field == "depart"
