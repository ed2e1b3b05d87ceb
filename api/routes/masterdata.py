"""Master data import (CSV or JSON) and client webhooks."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request

from api.deps import Admin, DbDep, MasterData
from api.jsonbody import StrictJSONRoute
from api.masterdata import parse_rows, store_rows
from api.schemas.common import Text
from api.schemas.imports import ROW_MODELS
from api.schemas.resources import ImportResult, WebhookPublic, WebhookSet
from dispatch.errors import NotFound
from dispatch.store import masterdata
from dispatch.store.db import transaction
from dispatch.store.tables import Client

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


@router.put(
    "/clients/{name}/webhook",
    responses={404: {"description": "No such client"}, 422: {"description": "Invalid URL"}},
)
def set_webhook(
    name: Annotated[Text, Path(min_length=1, max_length=64)],
    body: WebhookSet,
    _caller: Admin,
    db: DbDep,
) -> WebhookPublic:
    """Set (or clear) where a client's ticket events are delivered, with a new signing secret."""
    secret = None if body.url is None else secrets.token_urlsafe(32)
    with transaction(db) as session:
        client = session.get(Client, name)
        if client is None:
            raise NotFound("client", name)
        client.webhook_url = None if body.url is None else str(body.url)
        client.webhook_secret = secret
    return WebhookPublic(url=body.url, secret=secret)
