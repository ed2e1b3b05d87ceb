"""Depot and stock-unit upserts for the master data import."""

from __future__ import annotations

from datetime import time

from sqlalchemy.orm import Session

from depots.tables import Depot, StockUnit
from dispatch.errors import InvalidInput


def upsert_depot(
    session: Session,
    *,
    depot_id: str,
    name: str,
    address: str,
    lat: float,
    lon: float,
    pick_minutes: int = 20,
    courier_cutoff: time = time(16, 0),
    drivers: int = 1,
) -> None:
    """Insert or replace a depot with its pick-and-pack, courier cut-off and drivers."""
    session.merge(
        Depot(
            id=depot_id,
            name=name,
            address=address,
            lat=lat,
            lon=lon,
            pick_minutes=pick_minutes,
            courier_cutoff=courier_cutoff,
            drivers=drivers,
        )
    )


def upsert_unit(
    session: Session, *, unit_id: str, depot_id: str, sku: str, kind: str, field: str
) -> None:
    """Insert or replace a stock unit (its issued/available status is kept).

    Raises
    ------
    InvalidInput
        When the depot is unknown.
    """
    session.flush()
    if session.get(Depot, depot_id) is None:
        raise InvalidInput(f"{field}.depot_id", f"no depot {depot_id!r}")
    unit = session.get(StockUnit, unit_id)
    if unit is None:
        session.add(
            StockUnit(id=unit_id, depot_id=depot_id, sku=sku, kind=kind, status="available")
        )
    else:
        unit.depot_id, unit.sku, unit.kind = depot_id, sku, kind
