"""Master data upserts: customers and contracts, covered devices, engineers and their shifts.

Each function writes one row (insert or replace by natural key) and checks its references
first, so a bad import row is reported by name instead of failing on a foreign key.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput
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


def upsert_contract(
    session: Session,
    *,
    customer_id: str,
    customer_name: str,
    number: str,
    tier: str,
    product: str,
    valid_from: date,
    valid_to: date,
    nbd_cutoff: time | None,
) -> None:
    """Insert or replace a contract and its customer."""
    session.merge(Customer(id=customer_id, name=customer_name))
    session.merge(
        Contract(
            number=number,
            customer_id=customer_id,
            tier=tier,
            product=product,
            valid_from=valid_from,
            valid_to=valid_to,
            nbd_cutoff=nbd_cutoff,
        )
    )


def upsert_device(
    session: Session,
    *,
    serial: str,
    contract_number: str,
    sku: str,
    address: str,
    lat: float,
    lon: float,
    field: str,
) -> None:
    """Insert or replace a covered device; ``field`` prefixes the error for a bad reference.

    Raises
    ------
    InvalidInput
        When the contract is unknown.
    """
    session.flush()
    if session.get(Contract, contract_number) is None:
        raise InvalidInput(f"{field}.contract_number", f"no contract {contract_number!r}")
    session.merge(
        Device(
            serial=serial,
            contract_number=contract_number,
            sku=sku,
            address=address,
            lat=lat,
            lon=lon,
        )
    )


def upsert_engineer(
    session: Session,
    *,
    engineer_id: str,
    name: str,
    home_lat: float,
    home_lon: float,
    hourly_cost_gr: int,
    skills: Sequence[str],
) -> None:
    """Insert or replace an engineer; the skill list replaces the stored one."""
    session.merge(
        Engineer(
            id=engineer_id,
            name=name,
            home_lat=home_lat,
            home_lon=home_lon,
            hourly_cost_gr=hourly_cost_gr,
        )
    )
    session.flush()
    session.execute(delete(EngineerSkill).where(EngineerSkill.engineer_id == engineer_id))
    session.add_all(EngineerSkill(engineer_id=engineer_id, skill=s) for s in sorted(set(skills)))


def add_shift(
    session: Session,
    *,
    engineer_id: str,
    start_at: datetime,
    end_at: datetime,
    on_call: bool,
    field: str,
) -> None:
    """Add a shift unless the same one is stored already.

    Raises
    ------
    InvalidInput
        When the engineer is unknown or the shift ends before it starts.
    """
    session.flush()
    if session.get(Engineer, engineer_id) is None:
        raise InvalidInput(f"{field}.engineer_id", f"no engineer {engineer_id!r}")
    if not start_at < end_at:
        raise InvalidInput(f"{field}.end_at", "must be after start_at")
    same = select(Shift.id).where(
        Shift.engineer_id == engineer_id, Shift.start_at == start_at, Shift.end_at == end_at
    )
    if session.scalars(same).first() is None:
        session.add(
            Shift(engineer_id=engineer_id, start_at=start_at, end_at=end_at, on_call=on_call)
        )


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


@cache
def file_catalogue(path: Path) -> Mapping[str, Sku]:
    """SKU -> family, on-site minutes and substitutes from a CSV catalogue file."""
    with path.open(encoding="utf-8") as fh:
        return {
            row["sku"]: Sku(
                sku=row["sku"],
                family=row["family"],
                onsite_minutes=int(row["onsite_minutes"]),
                substitutes=tuple(s for s in (row.get("substitutes") or "").split(";") if s),
            )
            for row in csv.DictReader(fh)
        }


def sku_catalogue(session: Session) -> dict[str, Sku]:
    """The SKU catalogue: the imported one, or the catalogue file until one is imported."""
    rows = session.scalars(select(SkuModel)).all()
    if not rows:
        return dict(file_catalogue(catalogue_path()))
    return {
        r.sku: Sku(
            r.sku, r.family, r.onsite_minutes, tuple(s for s in r.substitutes.split(";") if s)
        )
        for r in rows
    }


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
