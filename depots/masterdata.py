"""Depots and stock units as master data: the import's writes, and the depot list.

A unit that a confirmed plan has reserved is immutable to imports: moving it to another depot,
giving it another SKU or kind would leave the reservation pointing at something the plan did
not choose. Re-importing it unchanged is fine (a stock file is re-sent whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from depots.tables import ACTIVE, Depot, Reservation, StockUnit
from dispatch.errors import Conflict
from dispatch.store.db import upsert_many

AVAILABLE = "available"


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One unit of a stock import: where it is, what it is; ``row`` is its index in the file."""

    row: int
    unit_id: str
    depot_id: str
    sku: str
    kind: str


def upsert_depots(session: Session, depots: Sequence[Mapping[str, Any]]) -> None:
    """Insert or replace depots with their pick-and-pack, courier cut-off and drivers."""
    columns = ["name", "address", "lat", "lon", "pick_minutes", "courier_cutoff", "drivers"]
    upsert_many(session, Depot, depots, keys=["id"], update=columns)


def check_reserved(session: Session, units: Sequence[UnitRow], *, lock: bool) -> list[UnitRow]:
    """The units of ``units`` that would change; refuse if a reserved one is among them.

    With ``lock`` the changing units are row-locked first (PostgreSQL), so a confirm cannot
    reserve one between this check and the write; the reservations are then read afresh.

    Raises
    ------
    Conflict
        Naming the row, the unit, the plan and ticket holding it, and the change refused.
    """
    by_id = {u.unit_id: u for u in units}
    stored = session.execute(
        select(StockUnit.id, StockUnit.depot_id, StockUnit.sku, StockUnit.kind).where(
            StockUnit.id.in_(list(by_id))
        )
    ).all()
    changing = [
        (by_id[unit], (depot, sku, kind))
        for unit, depot, sku, kind in stored
        if (depot, sku, kind) != (by_id[unit].depot_id, by_id[unit].sku, by_id[unit].kind)
    ]
    if not changing:
        return []
    ids = [u.unit_id for u, _old in changing]
    if lock:
        session.scalars(select(StockUnit.id).where(StockUnit.id.in_(ids)).with_for_update()).all()
    held = session.execute(
        select(Reservation.unit_id, Reservation.plan_id, Reservation.ticket_id).where(
            and_(Reservation.unit_id.in_(ids), Reservation.state == ACTIVE)
        )
    ).all()
    if held:
        old = dict((u.unit_id, was) for u, was in changing)
        unit, plan, ticket = min(held, key=lambda h: by_id[h[0]].row)
        new = by_id[unit]
        was = " ".join(old[unit])
        raise Conflict(
            f"rows[{new.row}]: unit {unit} is reserved by plan {plan} (ticket {ticket}); an "
            f"import may not change it ({was} -> {new.depot_id} {new.sku} {new.kind})"
            + (f"; {len(held) - 1} more reserved unit(s) too" if len(held) > 1 else "")
        )
    return [u for u, _old in changing]


def upsert_units(session: Session, units: Sequence[UnitRow]) -> None:
    """Insert new units and change moved or re-labelled ones (never a reserved one).

    Issued/available status is kept; unchanged units are not written at all.

    Raises
    ------
    Conflict
        When a changed unit is reserved (see :func:`check_reserved`).
    """
    changed = {u.unit_id for u in check_reserved(session, units, lock=True)}
    stored = set(
        session.scalars(select(StockUnit.id).where(StockUnit.id.in_([u.unit_id for u in units])))
    )
    rows = [
        {"id": u.unit_id, "depot_id": u.depot_id, "sku": u.sku, "kind": u.kind, "status": AVAILABLE}
        for u in units
        if u.unit_id in changed or u.unit_id not in stored
    ]
    upsert_many(session, StockUnit, rows, keys=["id"], update=["depot_id", "sku", "kind"])


def depots(session: Session) -> Sequence[Depot]:
    """All depots, by id."""
    return session.scalars(select(Depot).order_by(Depot.id)).all()
