"""Instants in Polish local time: parsing user text and formatting for output.

Naive text means Europe/Warsaw wall-clock time; text with an offset is honoured. A wall-clock time
that the daylight-saving change skips (spring) or repeats (autumn) is refused, because guessing
would move a contractual deadline by an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dispatch.errors import InvalidInput

WARSAW = ZoneInfo("Europe/Warsaw")


def parse_instant(text: object, *, field: str) -> datetime:
    """Parse ISO 8601 text into an aware datetime in Europe/Warsaw.

    Raises
    ------
    InvalidInput
        When ``text`` is not ISO 8601, or names a local time that does not exist or is ambiguous.
    """
    if text is None:
        raise InvalidInput(field, "is required")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(field, f"expected an ISO 8601 date-time string, got {text!r}")
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            field, f"not an ISO 8601 date-time: {text!r} (expected e.g. 2026-12-23T16:30)"
        ) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(WARSAW)
    return localize(parsed, field=field)


def localize(naive: datetime, *, field: str) -> datetime:
    """Attach Europe/Warsaw to a naive wall-clock time, refusing DST gaps and overlaps."""
    early = naive.replace(tzinfo=WARSAW, fold=0)
    late = naive.replace(tzinfo=WARSAW, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    wall = naive.isoformat(timespec="minutes")
    round_trip = early.astimezone(UTC).astimezone(WARSAW).replace(tzinfo=None)
    if round_trip != naive:
        raise InvalidInput(
            field,
            f"{wall} does not exist in Europe/Warsaw (clocks skip this hour for summer time); "
            "give the time with an offset",
        )
    raise InvalidInput(
        field,
        f"{wall} is ambiguous in Europe/Warsaw (it occurs twice when summer time ends); "
        "give the time with an offset, +02:00 or +01:00",
    )


def format_instant(moment: datetime) -> str:
    """ISO 8601 with the Warsaw offset, to the second."""
    return moment.astimezone(WARSAW).isoformat(timespec="seconds")
