"""Master data writes for the import: customers and contracts, covered devices, engineers,
their skills and shifts, each written for a whole chunk of rows at a time.

The caller has checked every row and reference before (``api.masterdata``); these functions
insert or replace by natural key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput
from dispatch.inputs import CsvRow, read_csv
from dispatch.store.db import upsert_many
from dispatch.store.tables import (
    Contract,
    CourierService,
    Customer,
    Device,
    Engineer,
    EngineerSkill,
    Shift,
    SkuModel,
    VanStock,
)
from dispatch.world import CourierService as CourierState
from dispatch.world import Sku


def upsert_contracts(
    session: Session, customers: Mapping[str, str], contracts: Sequence[Mapping[str, Any]]
) -> None:
    """Insert or replace customers (id -> name) and then their contracts."""
    rows = [{"id": c, "name": name} for c, name in customers.items()]
    upsert_many(session, Customer, rows, keys=["id"], update=["name"])
    columns = ["customer_id", "tier", "product", "valid_from", "valid_to", "nbd_cutoff"]
    upsert_many(session, Contract, contracts, keys=["number"], update=columns)


def upsert_devices(session: Session, devices: Sequence[Mapping[str, Any]]) -> None:
    """Insert or replace covered devices (their contracts exist)."""
    columns = ["contract_number", "sku", "address", "lat", "lon"]
    upsert_many(session, Device, devices, keys=["serial"], update=columns)


def upsert_engineers(
    session: Session, engineers: Sequence[Mapping[str, Any]], skills: Mapping[str, Iterable[str]]
) -> None:
    """Insert or replace engineers; each one's skill list replaces the stored one."""
    columns = ["name", "home_lat", "home_lon", "hourly_cost_gr"]
    upsert_many(session, Engineer, engineers, keys=["id"], update=columns)
    session.execute(delete(EngineerSkill).where(EngineerSkill.engineer_id.in_(list(skills))))
    session.add_all(
        EngineerSkill(engineer_id=e, skill=s)
        for e, names in skills.items()
        for s in sorted(set(names))
    )


def add_shifts(session: Session, shifts: Sequence[tuple[str, datetime, datetime, bool]]) -> None:
    """Add (engineer, start, end, on call) shifts, except those stored already."""
    wanted = {(e, start, end): on_call for e, start, end, on_call in shifts}
    stored = {
        (e, start, end)
        for e, start, end in session.execute(
            select(Shift.engineer_id, Shift.start_at, Shift.end_at).where(
                Shift.engineer_id.in_({e for e, _s, _e in wanted})
            )
        )
    }
    session.add_all(
        Shift(engineer_id=e, start_at=start, end_at=end, on_call=on_call)
        for (e, start, end), on_call in wanted.items()
        if (e, start, end) not in stored
    )


def existing(session: Session, column: Any, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are stored in ``column`` (a primary key), asked 1,000 at a time."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 1000):
        part = wanted[start : start + 1000]
        found.update(session.scalars(select(column).where(column.in_(part))))
    return found


def skills_of(session: Session, engineer_id: str) -> list[str]:
    """An engineer's skills, sorted."""
    return sorted(
        session.scalars(select(EngineerSkill.skill).where(EngineerSkill.engineer_id == engineer_id))
    )


def all_skills(session: Session) -> dict[str, frozenset[str]]:
    """Every engineer's skills in one query (engineers without skills are absent)."""
    found: dict[str, set[str]] = {}
    for engineer_id, skill in session.execute(
        select(EngineerSkill.engineer_id, EngineerSkill.skill)
    ):
        found.setdefault(engineer_id, set()).add(skill)
    return {e: frozenset(s) for e, s in found.items()}


def shifts_between(
    session: Session, engineer_id: str | None, start: datetime, end: datetime
) -> Sequence[Shift]:
    """Shifts overlapping [start, end), for one engineer or all, by start."""
    query = select(Shift).where(Shift.end_at > start, Shift.start_at < end)
    if engineer_id is not None:
        query = query.where(Shift.engineer_id == engineer_id)
    return session.scalars(query.order_by(Shift.engineer_id, Shift.start_at)).all()


CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "demo" / "skus.csv"


def catalogue_path() -> Path:
    """The SKU catalogue file used until one is imported: ``DISPATCH_SKU_CATALOGUE`` or the
    demo world's."""
    return Path(os.environ.get("DISPATCH_SKU_CATALOGUE", CATALOGUE))


class _CatalogueRow(CsvRow):
    sku: str
    family: str
    onsite_minutes: int = Field(ge=0)
    substitutes: str = ""  # ";"-separated SKUs

    def spec(self) -> Sku:
        return Sku(self.sku, self.family, self.onsite_minutes, _listed(self.substitutes))


@cache
def file_catalogue(path: Path) -> Mapping[str, Sku]:
    """SKU -> family, on-site minutes and substitutes from a CSV catalogue file.

    Raises
    ------
    InvalidInput
        Naming the file, line and column of a bad value.
    """
    rows = read_csv(_CatalogueRow, path, required=("sku", "family"), field="catalogue")
    return {row.sku: row.spec() for row in rows}


def _listed(text: str) -> tuple[str, ...]:
    return tuple(s for s in text.split(";") if s)


def sku_catalogue(session: Session) -> dict[str, Sku]:
    """The SKU catalogue: the imported one, or the catalogue file until one is imported."""
    rows = session.scalars(select(SkuModel)).all()
    if not rows:
        return dict(file_catalogue(catalogue_path()))
    return {r.sku: Sku(r.sku, r.family, r.onsite_minutes, _listed(r.substitutes)) for r in rows}


def couriers(session: Session) -> list[CourierState]:
    """The imported parcel services, by id."""
    return [
        CourierState(c.id, c.delivery_by, c.price_gr)
        for c in session.scalars(select(CourierService).order_by(CourierService.id))
    ]


def upsert_sku(
    session: Session, *, sku: str, family: str, onsite_minutes: int, substitutes: Sequence[str]
) -> None:
    """Insert or replace a catalogue entry."""
    session.merge(
        SkuModel(
            sku=sku, family=family, onsite_minutes=onsite_minutes, substitutes=";".join(substitutes)
        )
    )


def upsert_courier(session: Session, *, courier_id: str, delivery_by: time, price_gr: int) -> None:
    """Insert or replace a parcel service."""
    session.merge(CourierService(id=courier_id, delivery_by=delivery_by, price_gr=price_gr))


def set_van_stock(session: Session, *, engineer_id: str, sku: str, units: int, field: str) -> None:
    """Set how many units of ``sku`` the engineer's van carries.

    Raises
    ------
    InvalidInput
        When the engineer is unknown.
    """
    session.flush()
    if session.get(Engineer, engineer_id) is None:
        raise InvalidInput(f"{field}.engineer_id", f"no engineer {engineer_id!r}")
    session.merge(VanStock(engineer_id=engineer_id, sku=sku, units=units))
