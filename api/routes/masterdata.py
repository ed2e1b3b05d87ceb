"""Master data import (CSV or JSON)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from starlette.concurrency import run_in_threadpool

from api.deps import DbDep, MasterData, ReadDbDep
from api.jsonbody import StrictJSONRoute
from api.masterdata import CSV_TYPE, import_rows, media_type
from api.media import is_json
from api.schemas.imports import ROW_MODELS
from api.schemas.resources import ImportResult

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


def _refuse_media(content_type: str) -> None:
    """415 for a body that is neither CSV nor JSON (instead of reading it as JSON)."""
    media = media_type(content_type)
    if media != CSV_TYPE and not is_json(media):
        got = f"got {content_type!r}" if content_type else "none was given"
        problem = {
            "loc": ["header", "Content-Type"],
            "msg": f"an import is text/csv or application/json ({got})",
            "type": "unsupported_media_type",
        }
        raise HTTPException(415, [problem])


@router.post(
    "/import/{kind}",
    openapi_extra=_IMPORT_BODY,
    responses={
        409: {"description": "A row would move or re-label a unit a confirmed plan reserved"},
        415: {"description": "The body is neither text/csv nor application/json"},
        422: {"description": "Invalid rows; each problem names rows[i].field (or the header)"},
    },
)
async def import_master_data(
    kind: Annotated[ImportKind, Path(description="What the rows are")],
    request: Request,
    _caller: MasterData,
    db: DbDep,
    reads: ReadDbDep,
) -> ImportResult:
    """Insert or replace master data rows: all checked first, then written in chunks.

    The work runs on a worker thread, so the server keeps answering other requests.
    """
    content_type = request.headers.get("content-type", "")
    _refuse_media(content_type)
    body = await request.body()
    count = await run_in_threadpool(import_rows, db, reads, kind, body, content_type)
    return ImportResult(kind=kind, rows=count)
