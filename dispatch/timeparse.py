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
FIRST_YEAR = 2000
END_YEAR = 2100  # exclusive: the service calendar's tables cover 2000-2099


def parse_instant(text: object, *, field: str) -> datetime:
    """Parse ISO 8601 text into an aware datetime in Europe/Warsaw.

    Raises
    ------
    InvalidInput
        When ``text`` is not ISO 8601, names a local time that does not exist or is ambiguous,
        or falls outside the calendar's years (``FIRST_YEAR`` to ``END_YEAR - 1``).
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
    outside = InvalidInput(
        field, f"outside the supported years {FIRST_YEAR}-{END_YEAR - 1} of the service calendar"
    )
    if not FIRST_YEAR - 1 <= parsed.year <= END_YEAR:  # far years would overflow the conversion
        raise outside
    moment = localize(parsed, field=field) if parsed.tzinfo is None else parsed.astimezone(WARSAW)
    if not FIRST_YEAR <= moment.year < END_YEAR:
        raise outside
    return moment


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
