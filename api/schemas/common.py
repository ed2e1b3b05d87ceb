"""Shared field types: instants read as Warsaw time and written with their offset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, ValidationInfo

from dispatch.errors import InvalidInput
from dispatch.timeparse import WARSAW, parse_instant

EARLIEST, LATEST = 2000, 2099
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/+-]*$"
"""Ids, serials, SKUs and contract numbers: a letter or digit, then also ``. _ / + -``."""


def _instant(value: object, info: ValidationInfo) -> datetime:
    field = info.field_name or "instant"
    text = value.isoformat() if isinstance(value, datetime) else value
    if isinstance(text, str) and text[:4].isdigit() and not EARLIEST <= int(text[:4]) <= LATEST:
        raise InvalidInput(field, f"year must be {EARLIEST}..{LATEST}")
    return parse_instant(text, field=field)


def _warsaw(value: datetime) -> str:
    return value.astimezone(WARSAW).isoformat()


Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    PlainSerializer(_warsaw, return_type=str, when_used="json"),
]
"""ISO 8601 input; naive text is Europe/Warsaw wall time. Output is Warsaw time with offset."""

WarsawTime = Annotated[datetime, PlainSerializer(_warsaw, return_type=str, when_used="json")]
"""An output instant, shown in Europe/Warsaw with its offset."""
