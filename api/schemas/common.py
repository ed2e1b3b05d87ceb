"""Shared field types: instants read as Warsaw time and written with their offset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, ValidationInfo
from pydantic_core import PydanticCustomError

from dispatch.timeparse import WARSAW, parse_instant

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/+-]*$"
"""Ids, serials, SKUs and contract numbers: a letter or digit, then also ``. _ / + -``."""


def _instant(value: object, info: ValidationInfo) -> datetime:
    field = info.field_name or "instant"
    text = value.isoformat() if isinstance(value, datetime) else value
    return parse_instant(text, field=field)  # also refuses years outside the service calendar


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


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refused here so that no database ever sees one.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL characters")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value.strip()


Text = Annotated[str, AfterValidator(_no_nul)]
"""Free text (descriptions, notes, names): anything but NUL; may be empty."""

RequiredText = Annotated[Text, AfterValidator(_not_blank)]
"""Free text that must say something: blank is refused, surrounding whitespace dropped."""
