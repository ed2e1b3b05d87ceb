"""The Polish service calendar: holidays, business days, windows and service-time arithmetic."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.calendar import (
    ServiceCalendar,
    ServiceWindow,
    from_epoch,
    is_business_day,
    is_holiday,
    next_business_day,
)
from dispatch.timeparse import WARSAW

# Polish public holidays, from the statutory list (ustawa o dniach wolnych od pracy); 24 December
# is a holiday from 2025. Moveable feasts: Easter Sunday and Monday, Pentecost, Corpus Christi.
HOLIDAYS_2025_2027 = [
    *[date(2025, m, d) for m, d in [(1, 1), (1, 6), (4, 20), (4, 21), (5, 1), (5, 3), (6, 8)]],
    *[date(2025, m, d) for m, d in [(6, 19), (8, 15), (11, 1), (11, 11), (12, 24), (12, 25)]],
    date(2025, 12, 26),
    *[date(2026, m, d) for m, d in [(1, 1), (1, 6), (4, 5), (4, 6), (5, 1), (5, 3), (5, 24)]],
    *[date(2026, m, d) for m, d in [(6, 4), (8, 15), (11, 1), (11, 11), (12, 24), (12, 25)]],
    date(2026, 12, 26),
    *[date(2027, m, d) for m, d in [(1, 1), (1, 6), (3, 28), (3, 29), (5, 1), (5, 3), (5, 16)]],
    *[date(2027, m, d) for m, d in [(5, 27), (8, 15), (11, 1), (11, 11), (12, 24), (12, 25)]],
    date(2027, 12, 26),
]

EIGHT_FIVE = ServiceCalendar.of(ServiceWindow.parse("8x5"))


def at(text: str) -> datetime:
    """A Warsaw wall-clock time (unambiguous ones only)."""
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW)


@pytest.mark.parametrize("day", HOLIDAYS_2025_2027, ids=str)
def test_every_holiday_2025_2027_is_closed_for_8x5(day: date) -> None:
    """No 8x5 service on a public holiday, whatever weekday it falls on."""
    assert is_holiday(day)
    assert not is_business_day(day)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=WARSAW)
    assert not EIGHT_FIVE.is_open(noon)


def test_no_other_day_of_2025_2027_is_a_holiday() -> None:
    """Exactly the statutory days are holidays: 14 a year from 2025."""
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(365 * 3)]
    assert [d for d in days if is_holiday(d)] == HOLIDAYS_2025_2027


def test_next_business_day_skips_christmas_and_the_weekend() -> None:
    """From Wed 23 Dec 2026 the next business day is Mon 28 Dec."""
    assert next_business_day(date(2026, 12, 23)) == date(2026, 12, 28)
    assert next_business_day(date(2026, 11, 10)) == date(2026, 11, 12)  # 11 Nov holiday


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-11-25T09:00", True),  # opening is inside: [09:00, 17:00)
        ("2026-11-25T16:59:59", True),
        ("2026-11-25T17:00", False),  # closing is outside
        ("2026-11-25T08:59:59", False),
        ("2026-11-28T12:00", False),  # Saturday
    ],
)
def test_8x5_window_is_half_open(moment: str, is_open: bool) -> None:
    """8x5 is [09:00, 17:00) on business days."""
    assert EIGHT_FIVE.is_open(at(moment)) is is_open


def test_custom_window_7_19_mon_sat_opens_on_saturday() -> None:
    """7-19x6 works Saturdays but not Sundays or holidays."""
    cal = ServiceCalendar.of(ServiceWindow.parse("7-19x6"))
    assert cal.is_open(at("2026-11-28T07:00"))
    assert not cal.is_open(at("2026-11-29T12:00"))
    assert not cal.is_open(at("2026-08-15T12:00"))  # Saturday and a holiday
    assert cal.next_opening(at("2026-11-28T19:00")) == at("2026-11-30T07:00")


def test_8x5_day_keeps_eight_real_hours_on_dst_days() -> None:
    """Service hours follow the wall clock; the DST jump at night does not shorten the day."""
    spring = ServiceCalendar.of(ServiceWindow.parse("24x7"))
    assert spring.service_hours_between(at("2026-03-29T00:00"), at("2026-03-30T00:00")) == 23
    assert spring.service_hours_between(at("2026-10-25T00:00"), at("2026-10-26T00:00")) == 25
    friday_to_monday = EIGHT_FIVE.service_hours_between(
        at("2026-03-27T09:00"), at("2026-03-31T09:00")
    )
    assert friday_to_monday == 16


def test_next_opening_after_friday_evening_is_monday_morning() -> None:
    """Rule 2 example (docs/rules.md): Friday 18:30 -> Monday 09:00."""
    assert EIGHT_FIVE.next_opening(at("2026-11-27T18:30")) == at("2026-11-30T09:00")


def test_hours_running_out_at_closing_end_at_closing() -> None:
    """Rule 4: hours that run out exactly at 17:00 end at 17:00, not next morning."""
    assert EIGHT_FIVE.add_service_hours(at("2026-11-25T13:00"), 4) == at("2026-11-25T17:00")


def _oracle_add_8x5(start: datetime, seconds: int) -> datetime:
    """Walk day by day through 8x5 hours (slow, obviously right) to cross-check the tables."""
    day = start.date()
    moment = start
    while True:
        opens = datetime(day.year, day.month, day.day, 9, tzinfo=WARSAW)
        closes = datetime(day.year, day.month, day.day, 17, tzinfo=WARSAW)
        if is_business_day(day) and moment < closes:
            begin = max(moment, opens)
            available = int((closes - begin).total_seconds())
            if seconds <= available:
                return from_epoch(int(begin.timestamp()) + seconds)
            seconds -= available
        day += timedelta(days=1)
        moment = datetime(day.year, day.month, day.day, tzinfo=WARSAW)


instants = st.integers(
    min_value=int(datetime(2024, 1, 1, tzinfo=WARSAW).timestamp()),
    max_value=int(datetime(2028, 12, 1, tzinfo=WARSAW).timestamp()),
)
durations = st.integers(min_value=1, max_value=60 * 3600)


@given(t=instants, seconds=durations)
def test_adding_8x5_hours_matches_a_day_by_day_walk(t: int, seconds: int) -> None:
    """The table lookup agrees with a naive walk through every day."""
    expected = _oracle_add_8x5(from_epoch(t), seconds)
    assert EIGHT_FIVE.add_service_s(t, seconds) == int(expected.timestamp())


@given(t=instants, first=durations, second=durations)
def test_adding_hours_in_two_steps_equals_one_step(t: int, first: int, second: int) -> None:
    """add(add(t, a), b) == add(t, a + b), for any window."""
    for window in ("8x5", "7-19x6", "24x7"):
        cal = ServiceCalendar.of(ServiceWindow.parse(window))
        assert cal.add_service_s(cal.add_service_s(t, first), second) == cal.add_service_s(
            t, first + second
        )


@given(t=instants, seconds=durations)
def test_service_between_inverts_adding(t: int, seconds: int) -> None:
    """The service time between an instant and its sum is the added amount."""
    end = EIGHT_FIVE.add_service_s(t, seconds)
    assert EIGHT_FIVE.service_between_s(t, end) == seconds
