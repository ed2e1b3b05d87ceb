"""Input files read through pydantic models, their errors as ``InvalidInput`` naming the field.

Scenario TOML and CSV readers declare what a file holds as a model (``Reader``: unknown keys
refused, no silent coercion of text to numbers in TOML; ``CsvRow`` or a dataclass for a CSV
row); :func:`parse` validates one document and :func:`read_csv` one CSV file, and every problem
becomes an ``InvalidInput`` whose field is the dotted path (``layout.open[0].location``) or the
file, line and column (``skus.csv:3.afr_permille``), so the CLI and the API report them as
before.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import time
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from dispatch.errors import InvalidInput, InvalidInputs

T = TypeVar("T")
Where = Callable[[tuple[int | str, ...]], str]
"""How a reader names the place of an error's location (a dotted path, a CSV line)."""
MAX_PROBLEMS = 10
"""Problems reported from one file at the most (a bad column would repeat on every row)."""

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
    raise ValueError(f"expected a time of day such as 16:00, got {_shown(value)}")


Clock = Annotated[time, PlainValidator(_clock)]
"""A time of day: a TOML local time or text such as ``16:00``."""


class Reader(BaseModel):
    """Base of the input models: frozen, unknown keys refused, TOML types taken as they are."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def given(self, *exclude: str) -> dict[str, Any]:
        """The fields set to a value (not None), so that the dataclass the model becomes applies
        its own defaults to the rest: the defaults stay in one place."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        return {k: v for k, v in values.items() if v is not None and k not in exclude}


class CsvRow(BaseModel):
    """Base of CSV row models: cells are text, so numbers are parsed from it; extra columns pass
    and an empty cell is a cell left out (its field's default applies)."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None and str(v).strip() != ""}
        return data


def field_path(loc: Iterable[int | str], prefix: str = "") -> str:
    """``("layout", "open", 0, "id")`` as ``layout.open[0].id`` (after ``prefix``)."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _problem(error: Mapping[str, Any], at: Where) -> InvalidInput:
    """One pydantic error as ``InvalidInput``; one a validator raised keeps its own field."""
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("error"), InvalidInput):
        return ctx["error"]  # type: ignore[no-any-return]
    where, kind = at(error["loc"]), error["type"]
    if kind == "extra_forbidden":
        return InvalidInput(where, "unknown key")
    if kind == "missing":
        return InvalidInput(where, "required")
    if kind in ("greater_than_equal", "less_than_equal"):  # the value is not echoed: a JSON
        bound = ctx.get("ge", ctx.get("le"))  # integer can have more digits than repr allows
        return InvalidInput(where, f"must be {'>=' if 'ge' in ctx else '<='} {bound:g}")
    if kind in ("string_type", "string_too_short"):
        return InvalidInput(where, f"expected a non-empty string, got {_shown(error['input'])}")
    if kind == "value_error":  # a validator's own words
        return InvalidInput(where, str(error["msg"]).removeprefix("Value error, "))
    return InvalidInput(where, f"{error['msg']}, got {_shown(error['input'])}")


def _shown(value: object) -> str:
    """``repr(value)``, cut short (a huge integer has no ``repr`` at all)."""
    try:
        text = repr(value)
    except ValueError:
        return "a number too long to show"
    return text if len(text) <= 60 else f"{text[:57]}..."


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _validated(kind: Any, data: object, at: Where) -> Any:
    try:
        return _adapter(kind).validate_python(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)[:MAX_PROBLEMS]
        problems = [_problem(e, at) for e in errors]
        raise (problems[0] if len(problems) == 1 else InvalidInputs(problems)) from None


def parse(kind: type[T], data: object, *, prefix: str = "") -> T:
    """``data`` validated as ``kind`` (a pydantic model or a dataclass).

    Raises
    ------
    InvalidInput
        One problem, naming its field; ``InvalidInputs`` when there are several.
    """
    validated: T = _validated(kind, data, lambda loc: field_path(loc, prefix) or prefix)
    return validated


def require_file(path: Path, field: str) -> None:
    """Refuse, under ``field``, a ``path`` that is missing or a folder, in one sentence."""
    if path.is_dir():
        raise InvalidInput(field, f"{path} is a folder, not a file")
    if not path.is_file():
        raise InvalidInput(field, f"no such file: {path}")


def read_csv(kind: type[T], path: Path, *, required: Collection[str], field: str) -> list[T]:
    """The rows of the CSV file at ``path`` (a header line naming the columns) as ``kind``.

    Raises
    ------
    InvalidInput
        ``field`` when the file cannot be read or lacks a ``required`` column; else naming
        the file, line and column of each bad value (``InvalidInputs`` when there are several).
    """
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except OSError as exc:
        raise InvalidInput(field, f"cannot read {path}: {exc.strerror}") from exc
    if not set(required) <= set(header):
        raise InvalidInput(field, f"{path} needs a header with {', '.join(sorted(required))}")

    def at(loc: tuple[int | str, ...]) -> str:
        line, *column = loc
        return field_path(column, f"{path.name}:{int(line) + 2}")

    validated: list[T] = _validated(list[kind], rows, at)  # type: ignore[valid-type]
    return validated
