"""Parsing instants: Warsaw by default, offsets honoured, DST gaps and overlaps refused."""

from datetime import timedelta

import pytest

from dispatch.errors import InvalidInput
from dispatch.timeparse import format_instant, parse_instant


def test_naive_time_means_warsaw_local_time() -> None:
    """A naive time carries the Warsaw offset of that date (CET in winter, CEST in summer)."""
    assert parse_instant("2026-12-23T16:30", field="f").utcoffset() == timedelta(hours=1)
    assert parse_instant("2026-07-01T16:30", field="f").utcoffset() == timedelta(hours=2)


def test_offset_is_honoured_and_converted_to_warsaw() -> None:
    """16:30 UTC in December is 17:30 in Warsaw."""
    moment = parse_instant("2026-12-23T16:30:00Z", field="f")
    assert format_instant(moment) == "2026-12-23T17:30:00+01:00"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-03-29T02:30", "does not exist"),  # spring forward: 02:00 -> 03:00
        ("2026-10-25T02:30", "ambiguous"),  # autumn back: 02:00-03:00 occurs twice
        ("23.12.2026 16:30", "not an ISO 8601"),  # Polish notation is not accepted
        ("2026-13-01T10:00", "not an ISO 8601"),  # month 13
        ("", "expected an ISO 8601"),  # empty
        (None, "is required"),  # missing
        (20261223, "expected an ISO 8601"),  # a number
        ("2150-01-01T10:00", "outside the supported years 2000-2099"),  # beyond the calendar
        ("2000-01-01T00:30:00+03:00", "outside the supported years"),  # 1999 in Warsaw
        ("9999-12-31T23:59-01:00", "outside the supported years"),  # would overflow in Warsaw
        ("0001-01-01T00:00+05:00", "outside the supported years"),
        ("0001-01-01T00:00", "outside the supported years"),
    ],
)
def test_bad_instants_are_refused_naming_the_field(text: object, reason: str) -> None:
    """Every refusal names the field and says why."""
    with pytest.raises(InvalidInput, match=reason) as info:
        parse_instant(text, field="accepted_at")
    assert info.value.field == "accepted_at"


def test_ambiguous_hour_with_offset_is_accepted() -> None:
    """Giving the offset resolves the repeated hour of the autumn change."""
    first = parse_instant("2026-10-25T02:30+02:00", field="f")
    second = parse_instant("2026-10-25T02:30+01:00", field="f")
    assert second.timestamp() - first.timestamp() == 3600
