"""Depots, their stock units and the reservations plans hold on them.

"Two plans never take the same unit" is a rule of the database itself: a partial unique index
allows at most one *active* reservation per unit, whatever the application does.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.store.tables import Base

ACTIVE = "active"
CONSUMED = "consumed"
RELEASED = "released"


class Depot(Base):
    __tablename__ = "depots"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float]
    lon: Mapped[float]
    pick_minutes: Mapped[int] = mapped_column(default=20)  # pick-and-pack before a part leaves
    courier_cutoff: Mapped[time] = mapped_column(Time, default=time(16, 0))
    drivers: Mapped[int] = mapped_column(default=1)  # dedicated drivers (and cars)


class StockUnit(Base):
    """One physical spare or loaner; ``issued`` once it has left for a customer."""

    __tablename__ = "stock_units"
    __table_args__ = (
        CheckConstraint("kind IN ('spare', 'loaner')", name="kind"),
        CheckConstraint("status IN ('available', 'issued')", name="status"),
        Index("ix_stock_units_depot_sku", "depot_id", "sku"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    depot_id: Mapped[str] = mapped_column(ForeignKey("depots.id"))
    sku: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))


class Reservation(Base):
    """A plan's claim on one unit: active until delivered (consumed) or given back (released)."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("state IN ('active', 'consumed', 'released')", name="state"),
        Index(
            "uq_reservations_active_unit",
            "unit_id",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("stock_units.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
