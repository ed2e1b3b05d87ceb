"""Master data import (CSV or JSON)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request

from api.deps import DbDep, MasterData
from api.jsonbody import StrictJSONRoute
from api.masterdata import parse_rows, store_rows
from api.schemas.imports import ROW_MODELS
from api.schemas.resources import ImportResult
from dispatch.store import masterdata
from dispatch.store.db import transaction

router = APIRouter(route_class=StrictJSONRoute, tags=["master data"])
ImportKind = Literal[
    "skus", "couriers", "contracts", "devices", "depots", "stock", "engineers", "van_stock",
    "shifts",
]  # fmt: skip

_CSV_EXAMPLE = (
    "customer_id,customer_name,contract_number,tier,product,valid_from,valid_to,nbd_cutoff\n"
    "CUST-1,Szpital Miejski,C-2026-001,24x7x4,SOS,2026-01-01,2027-12-31,\n"
)
_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Rows as a CSV file with a header line, or a JSON array of objects. "
        "Row fields per kind are the schemas " + ", ".join(m.__name__ for m in ROW_MODELS.values()),
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object"}},
                "example": [
                    {
                        "depot_id": "WAW",
                        "name": "Warszawa",
                        "address": "ul. Przykładowa 1",
                        "lat": 52.23,
                        "lon": 21.01,
                    }
                ],
            },
        },
    }
}


@router.post(
    "/import/{kind}",
    openapi_extra=_IMPORT_BODY,
    responses={
        413: {"description": "Body too large"},
        422: {"description": "Invalid rows; each problem names rows[i].field"},
    },
)
async def import_master_data(
    kind: Annotated[ImportKind, Path(description="What the rows are")],
    request: Request,
    _caller: MasterData,
    db: DbDep,
) -> ImportResult:
    """Insert or replace master data rows; all or nothing."""
    body = await request.body()
    with transaction(db) as session:  # devices are checked against the catalogue in force
        skus = frozenset(masterdata.sku_catalogue(session))
    rows = parse_rows(kind, body, request.headers.get("content-type", "application/json"), skus)
    with transaction(db) as session:
        store_rows(session, rows)
    return ImportResult(kind=kind, rows=len(rows))
