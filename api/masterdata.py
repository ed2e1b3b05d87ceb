"""Master data import: parse CSV or JSON rows, validate them all, then write them in one go.

All rows are checked before anything is written, and every bad row is reported (up to a cap)
with its index and field, so a planner fixes a file in one round.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from api.schemas.imports import (
    ROW_MODELS,
    ContractRow,
    DepotRow,
    DeviceRow,
    EngineerRow,
    ShiftRow,
    StockRow,
)
from depots.masterdata import upsert_depot, upsert_unit
from dispatch.errors import InvalidInput, InvalidInputs
from dispatch.store import masterdata

MAX_REPORTED = 50


def parse_rows(kind: str, body: bytes, content_type: str) -> list[BaseModel]:
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
    for index, item in enumerate(raw):
        try:
            rows.append(model.model_validate(item))
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                field = f"rows[{index}].{where}" if where else f"rows[{index}]"
                problems.append(InvalidInput(field, error["msg"]))
        if len(problems) >= MAX_REPORTED:
            break
    if problems:
        raise InvalidInputs(problems)
    if not rows:
        raise InvalidInput("body", "no rows to import")
    return rows


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
        data = json.loads(text)
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
