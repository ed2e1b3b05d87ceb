"""Master data import: parse CSV or JSON rows, validate them all, then write them in one go.

All rows are checked before anything is written, and every bad row is reported (up to a cap)
with its index and field, so a planner fixes a file in one round. Beyond each row's own fields,
rows are checked as the planner will use them: every point must resolve in the gazetteer
(inside Poland, near a known locality), a device's SKU must be in the server's SKU catalogue,
and a file must not give the same key (contract number, serial, ...) twice.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

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
from depots.masterdata import upsert_depot, upsert_unit
from dispatch.errors import InvalidInput, InvalidInputs
from dispatch.places import resolve
from dispatch.store import masterdata
from dispatch.store.masterdata import catalogue_path, file_catalogue

MAX_REPORTED = 50
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
    raw = _raw_rows(body, content_type)
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


def _raw_rows(body: bytes, content_type: str) -> list[Any]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("body", "must be UTF-8 text") from None
    if content_type.split(";")[0].strip() == "text/csv":
        reader = csv.DictReader(io.StringIO(text))
        try:
            return [{k: v for k, v in row.items() if k is not None} for row in reader]
        except csv.Error as exc:
            raise InvalidInput("body", f"not valid CSV: {exc}") from None
    try:
        data = jsonbody.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("body", f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, list):
        raise InvalidInput("body", "JSON import must be an array of row objects")
    return data


def store_rows(session: Session, rows: Sequence[BaseModel]) -> None:
    """Upsert validated rows (all of one kind) in the caller's transaction."""
    for index, row in enumerate(rows):
        field = f"rows[{index}]"
        match row:
            case ContractRow():
                masterdata.upsert_contract(
                    session,
                    customer_id=row.customer_id,
                    customer_name=row.customer_name,
                    number=row.contract_number,
                    tier=row.tier,
                    product=row.product,
                    valid_from=row.valid_from,
                    valid_to=row.valid_to,
                    nbd_cutoff=row.nbd_cutoff,
                )
            case DeviceRow():
                masterdata.upsert_device(
                    session,
                    serial=row.serial,
                    contract_number=row.contract_number,
                    sku=row.sku,
                    address=row.address,
                    lat=row.lat,
                    lon=row.lon,
                    field=field,
                )
            case DepotRow():
                upsert_depot(
                    session,
                    depot_id=row.depot_id,
                    name=row.name,
                    address=row.address,
                    lat=row.lat,
                    lon=row.lon,
                    pick_minutes=row.pick_minutes,
                    courier_cutoff=row.courier_cutoff,
                    drivers=row.drivers,
                )
            case StockRow():
                upsert_unit(
                    session,
                    unit_id=row.unit_id,
                    depot_id=row.depot_id,
                    sku=row.sku,
                    kind=row.kind,
                    field=field,
                )
            case EngineerRow():
                masterdata.upsert_engineer(
                    session,
                    engineer_id=row.engineer_id,
                    name=row.name,
                    home_lat=row.home_lat,
                    home_lon=row.home_lon,
                    hourly_cost_gr=row.hourly_cost_gr,
                    skills=row.skills,
                )
            case SkuRow():
                masterdata.upsert_sku(
                    session,
                    sku=row.sku,
                    family=row.family,
                    onsite_minutes=row.onsite_minutes,
                    substitutes=row.substitutes,
                )
            case CourierRow():
                masterdata.upsert_courier(
                    session,
                    courier_id=row.courier_id,
                    delivery_by=row.delivery_by,
                    price_gr=row.price_gr,
                )
            case VanStockRow():
                masterdata.set_van_stock(
                    session, engineer_id=row.engineer_id, sku=row.sku, units=row.units, field=field
                )
            case ShiftRow():
                masterdata.add_shift(
                    session,
                    engineer_id=row.engineer_id,
                    start_at=row.start_at,
                    end_at=row.end_at,
                    on_call=row.on_call,
                    field=field,
                )
            case _:
                raise TypeError(f"no store for {type(row).__name__}")
