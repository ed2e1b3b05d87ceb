"""Master data import: parse CSV or JSON rows, check them all, then write them in chunks.

Every row is checked before anything is written (its fields, that the planner can use it, the
references to stored contracts, depots and engineers, and that no reserved stock unit would
change), and every bad row is reported (up to a cap) with its index and field, so a planner
fixes a file in one round. Beyond each row's own fields, rows are checked as the planner will
use them: every point must resolve in the gazetteer (inside Poland, near a known locality), a
device's SKU must be in the server's SKU catalogue, and a file must not give the same key
(contract number, serial, ...) twice.

The rows are then written :data:`CHUNK` at a time, each chunk its own short transaction, so a
20 MB import never holds SQLite's single write lock (or a server thread) for long and ticket
traffic keeps its latency meanwhile. Imports insert or replace, so a file sent again after an
interruption completes it.

CSV files may be UTF-8 (with or without BOM) or Windows-1250, the encoding Polish Excel saves
"CSV" in (or the ``charset`` the Content-Type names); ``,`` or ``;`` separate the fields (with
``;``, a decimal comma in a coordinate is read as a point, as Polish Excel writes it). The header
must name only the kind's columns.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from api import jsonbody
from api.schemas.imports import (
    ROW_MODELS,
    ContractRow,
    CourierRow,
    DepotRow,
    DeviceRow,
    EngineerRow,
    ShiftRow,
    SkuRow,
    StockRow,
    VanStockRow,
)
from depots.masterdata import UnitRow, check_reserved, upsert_depots, upsert_units
from depots.tables import Depot
from dispatch.errors import InvalidInput, InvalidInputs
from dispatch.places import resolve
from dispatch.store import masterdata
from dispatch.store.db import transaction
from dispatch.store.masterdata import catalogue_path, file_catalogue
from dispatch.store.tables import Contract, Engineer

MAX_REPORTED = 50
CHUNK = 500
"""Rows written per transaction."""
CSV_TYPE = "text/csv"
_POINTS: dict[type[BaseModel], tuple[str, str]] = {
    DeviceRow: ("lat", "lon"),
    DepotRow: ("lat", "lon"),
    EngineerRow: ("home_lat", "home_lon"),
}
_KEYS: dict[type[BaseModel], str] = {
    ContractRow: "contract_number",
    DeviceRow: "serial",
    DepotRow: "depot_id",
    StockRow: "unit_id",
    EngineerRow: "engineer_id",
    SkuRow: "sku",
    CourierRow: "courier_id",
}
_REFERENCES: dict[type[BaseModel], tuple[str, Any, str]] = {
    DeviceRow: ("contract_number", Contract.number, "contract"),
    StockRow: ("depot_id", Depot.id, "depot"),
    ShiftRow: ("engineer_id", Engineer.id, "engineer"),
    VanStockRow: ("engineer_id", Engineer.id, "engineer"),
}
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")


def import_rows(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    kind: str,
    body: bytes,
    content_type: str,
) -> int:
    """Check every row of the file, then write it in chunks; how many rows were imported.

    Raises
    ------
    InvalidInput
        For a body that cannot be read or any invalid row (nothing is written).
    Conflict
        When a row would change a reserved stock unit (nothing is written; should a confirm
        reserve one while the chunks are being written, the chunks before it stay written).
    """
    with transaction(reads) as session:  # devices are checked against the catalogue in force
        skus = frozenset(masterdata.sku_catalogue(session))
    rows = parse_rows(kind, body, content_type, skus)
    with transaction(reads) as session:
        problems = list(_dangling(session, rows))
        if problems:
            raise InvalidInputs(problems)
        if isinstance(rows[0], StockRow):
            for start in range(0, len(rows), CHUNK):
                check_reserved(session, _units(rows[start : start + CHUNK], start), lock=False)
    for start in range(0, len(rows), CHUNK):
        with transaction(db) as session:
            store_rows(session, rows[start : start + CHUNK], first=start)
    return len(rows)


def parse_rows(
    kind: str, body: bytes, content_type: str, skus: frozenset[str] | None = None
) -> list[BaseModel]:
    """Validated rows of ``kind`` from a CSV (``text/csv``) or JSON array body.

    Raises
    ------
    InvalidInput
        For an unknown kind, a body that is not CSV/JSON, or any invalid row.
    """
    model = ROW_MODELS.get(kind)
    if model is None:
        raise InvalidInput("kind", f"unknown import {kind!r} (one of {', '.join(ROW_MODELS)})")
    raw = _raw_rows(body, content_type, model)
    rows: list[BaseModel] = []
    problems: list[InvalidInput] = []
    first_row: dict[str, int] = {}  # key -> index of the row that gave it first
    for index, item in enumerate(raw):
        try:
            row = model.model_validate(item)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                field = f"rows[{index}].{where}" if where else f"rows[{index}]"
                problems.append(InvalidInput(field, error["msg"]))
        else:
            rows.append(row)
            problems.extend(_plannable(row, f"rows[{index}]", skus or catalogue_skus()))
            problems.extend(_repeated(row, index, first_row))
        if len(problems) >= MAX_REPORTED:
            break
    if problems:
        raise InvalidInputs(problems)
    if not rows:
        raise InvalidInput("body", "no rows to import")
    return rows


def _plannable(row: BaseModel, field: str, skus: frozenset[str]) -> Iterator[InvalidInput]:
    """Problems the planner would meet later: a point it cannot place, a SKU it does not know."""
    point = _POINTS.get(type(row))
    if point is not None:
        lat, lon = (getattr(row, name) for name in point)
        try:
            resolve(f"{lat},{lon}", field=f"{field}.{point[0]}")
        except InvalidInput as exc:
            yield InvalidInput(exc.field, f"point {lat},{lon} is outside Poland")
    if isinstance(row, DeviceRow) and row.sku not in skus:
        yield InvalidInput(f"{field}.sku", f"unknown SKU {row.sku!r} (not in the SKU catalogue)")


def _repeated(row: BaseModel, index: int, first_row: dict[str, int]) -> Iterator[InvalidInput]:
    """The row's key if an earlier row of the file gave it already (recording it otherwise)."""
    name = _KEYS.get(type(row))
    if name is None:
        return
    key = getattr(row, name)
    earlier = first_row.setdefault(key, index)
    if earlier != index:
        yield InvalidInput(f"rows[{index}].{name}", f"{key!r} repeats rows[{earlier}]")


def catalogue_skus() -> frozenset[str]:
    """SKUs of the catalogue file (``DISPATCH_SKU_CATALOGUE``), in force until one is
    imported."""
    return _catalogue_skus(catalogue_path())


@cache
def _catalogue_skus(path: Path) -> frozenset[str]:
    return frozenset(file_catalogue(path))


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header, lower case, without parameters."""
    return content_type.split(";")[0].strip().lower()


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def _decode_csv(body: bytes, charset: str | None) -> str:
    """The text of a CSV body: as ``charset`` says, else UTF-8, else Windows-1250."""
    if charset is not None:
        try:
            return body.decode(charset)
        except LookupError:
            raise InvalidInput("header.Content-Type", f"unknown charset {charset!r}") from None
        except UnicodeDecodeError as exc:
            raise InvalidInput("body", f"not {charset}: byte {exc.start}") from None
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("cp1250")  # Polish Excel's "CSV" (and Windows' ANSI code page)
    except UnicodeDecodeError as exc:
        byte = body[exc.start]
        raise InvalidInput(
            "body",
            f"neither UTF-8 nor Windows-1250 (byte 0x{byte:02x} at offset {exc.start}); save "
            "the file as UTF-8 or name its encoding, e.g. Content-Type: text/csv; "
            "charset=iso-8859-2",
        ) from None


def _csv_rows(text: str, model: type[BaseModel]) -> list[dict[str, Any]]:
    """Rows of a CSV text as dicts, after checking the header against ``model``'s fields."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader, [])]
        lines = list(reader)
    except csv.Error as exc:
        raise InvalidInput("body", f"not valid CSV: {exc}") from None
    _check_header(header, model)
    rows = []
    for index, values in enumerate(v for v in lines if any(x.strip() for x in v)):
        if len(values) > len(header):
            raise InvalidInput(
                f"rows[{index}]", f"has {len(values)} values, the header {len(header)} columns"
            )
        row = dict(zip(header, values, strict=False))
        if delimiter == ";":
            row = {k: _point(v) for k, v in row.items()}
        rows.append(row)
    return rows


def _point(value: str) -> str:
    """A decimal comma (``52,23``) as a point: how Polish Excel writes numbers."""
    return value.replace(",", ".") if _DECIMAL_COMMA.match(value) else value


def _check_header(header: list[str], model: type[BaseModel]) -> None:
    columns = list(model.model_fields)
    unknown = [name for name in header if name not in columns]
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        raise InvalidInput(
            "header", f"unknown column(s) {names}; the columns are {', '.join(columns)}"
        )
    repeated = sorted({n for n in header if header.count(n) > 1})
    if repeated:
        raise InvalidInput("header", f"column(s) {', '.join(map(repr, repeated))} given twice")
    required = [n for n, f in model.model_fields.items() if f.is_required() and n not in header]
    if required:
        raise InvalidInput("header", f"missing column(s) {', '.join(map(repr, required))}")


def _raw_rows(body: bytes, content_type: str, model: type[BaseModel]) -> list[Any]:
    if media_type(content_type) == CSV_TYPE:
        return _csv_rows(_decode_csv(body, _charset(content_type)), model)
    try:
        data = jsonbody.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidInput("body", f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, list):
        raise InvalidInput("body", "JSON import must be an array of row objects")
    return data


def _dangling(session: Session, rows: Sequence[BaseModel]) -> Iterator[InvalidInput]:
    """Rows referring to a contract, depot or engineer that is not stored."""
    reference = _REFERENCES.get(type(rows[0]))
    if reference is None:
        return
    name, column, kind = reference
    found = masterdata.existing(session, column, (getattr(r, name) for r in rows))
    reported = 0
    for index, row in enumerate(rows):
        key = getattr(row, name)
        if key not in found and reported < MAX_REPORTED:
            reported += 1
            yield InvalidInput(f"rows[{index}].{name}", f"no {kind} {key!r}")


def _units(rows: Sequence[BaseModel], first: int) -> list[UnitRow]:
    return [
        UnitRow(first + i, r.unit_id, r.depot_id, r.sku, r.kind)
        for i, r in enumerate(rows)
        if isinstance(r, StockRow)
    ]


def store_rows(session: Session, rows: Sequence[BaseModel], *, first: int = 0) -> None:
    """Write checked rows (all of one kind) in the caller's transaction; ``first`` is the
    index of ``rows[0]`` in the file (for messages)."""
    match rows[0]:
        case ContractRow():
            contracts = [r for r in rows if isinstance(r, ContractRow)]
            masterdata.upsert_contracts(
                session,
                {r.customer_id: r.customer_name for r in contracts},
                [
                    {
                        "number": r.contract_number,
                        "customer_id": r.customer_id,
                        "tier": r.tier,
                        "product": r.product,
                        "valid_from": r.valid_from,
                        "valid_to": r.valid_to,
                        "nbd_cutoff": r.nbd_cutoff,
                    }
                    for r in contracts
                ],
            )
        case DeviceRow():
            masterdata.upsert_devices(
                session,
                [
                    {"serial": r.serial, **r.model_dump(exclude={"serial"})}
                    for r in rows
                    if isinstance(r, DeviceRow)
                ],
            )
        case DepotRow():
            upsert_depots(
                session,
                [
                    {"id": r.depot_id, **r.model_dump(exclude={"depot_id"})}
                    for r in rows
                    if isinstance(r, DepotRow)
                ],
            )
        case StockRow():
            upsert_units(session, _units(rows, first))
        case EngineerRow():
            engineers = [r for r in rows if isinstance(r, EngineerRow)]
            masterdata.upsert_engineers(
                session,
                [
                    {"id": r.engineer_id, **r.model_dump(exclude={"engineer_id", "skills"})}
                    for r in engineers
                ],
                {r.engineer_id: r.skills for r in engineers},
            )
        case SkuRow():
            for row in rows:
                masterdata.upsert_sku(session, **row.model_dump())
        case CourierRow():
            for row in rows:
                masterdata.upsert_courier(session, **row.model_dump())
        case VanStockRow():
            for index, row in enumerate(rows, start=first):
                masterdata.set_van_stock(session, **row.model_dump(), field=f"rows[{index}]")
        case ShiftRow():
            masterdata.add_shifts(
                session,
                [
                    (r.engineer_id, r.start_at, r.end_at, r.on_call)
                    for r in rows
                    if isinstance(r, ShiftRow)
                ],
            )
        case _:
            raise TypeError(f"no store for {type(rows[0]).__name__}")
