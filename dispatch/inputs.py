"""Input files read through pydantic models, their errors as ``InvalidInput`` naming the field.

Scenario TOML and CSV readers declare what a file holds as a model (``Reader``: unknown keys
refused, no silent coercion of text to numbers in TOML); :func:`parse` validates one document
and turns every problem into an ``InvalidInput`` whose field is the dotted path
(``layout.open[0].location``), so the CLI and the API report them as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, PlainValidator, StringConstraints, ValidationError

from dispatch.errors import InvalidInput, InvalidInputs

M = TypeVar("M", bound=BaseModel)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A non-empty string, surrounding blanks dropped."""


def _clock(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a time of day such as 16:00")


Clock = Annotated[time, PlainValidator(_clock)]
"""A time of day: a TOML local time or text such as ``16:00``."""


class Reader(BaseModel):
    """Base of the input models: frozen, unknown keys refused, TOML types taken as they are."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CsvRow(BaseModel):
    """Base of CSV row models: cells are text, so numbers are parsed from it; extra columns pass."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


def field_path(loc: Iterable[int | str], prefix: str = "") -> str:
    """``("layout", "open", 0, "id")`` as ``layout.open[0].id`` (after ``prefix``)."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _problem(error: Mapping[str, object], prefix: str) -> InvalidInput:
    """One pydantic error as ``InvalidInput``; one a validator raised keeps its own field."""
    ctx = error.get("ctx")
    cause = ctx.get("error") if isinstance(ctx, dict) else None
    if isinstance(cause, InvalidInput):
        return cause
    loc = error["loc"]
    assert isinstance(loc, tuple)
    at = field_path(loc, prefix) or prefix
    if error["type"] == "extra_forbidden":
        return InvalidInput(at, "unknown key")
    if error["type"] == "missing":
        return InvalidInput(at, "required")
    msg = str(error["msg"]).removeprefix("Value error, ")
    return InvalidInput(at, f"{msg}, got {error['input']!r}")


def parse(model: type[M], data: object, *, prefix: str = "") -> M:
    """``data`` validated as ``model``.

    Raises
    ------
    InvalidInput
        One problem, naming its field; ``InvalidInputs`` when there are several.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(e, prefix) for e in exc.errors(include_url=False)]
        raise (problems[0] if len(problems) == 1 else InvalidInputs(problems)) from None
