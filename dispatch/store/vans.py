"""Units in engineers' vans: counts per SKU, held by confirmed van options until delivery.

A van's units are not individual stock units: ``van_stock`` counts them, a confirmed plan
whose option takes the part from the van holds one until its ticket is delivered, and the
delivery counts it off. Confirming locks the van's row first, so two confirms never take the
last unit twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dispatch.errors import Conflict
from dispatch.store.tables import Plan, PlanOption, Ticket, VanStock

VAN = "van"
HOLDING = ("planned", "dispatched", "escalated")  # statuses whose confirmed plan still holds


def _held(session: Session, excluding: int | Collection[int] | None) -> dict[tuple[str, str], int]:
    """Units confirmed van options hold, per (engineer, SKU)."""
    query = (
        select(PlanOption.engineer_id, PlanOption.sku, func.count())
        .join(Plan, Plan.id == PlanOption.plan_id)
        .join(Ticket, Ticket.id == Plan.ticket_id)
        .where(
            Plan.status == "confirmed",
            Plan.confirmed_rank == PlanOption.rank,
            PlanOption.source == VAN,
            Ticket.status.in_(HOLDING),
        )
        .group_by(PlanOption.engineer_id, PlanOption.sku)
    )
    if isinstance(excluding, int):
        query = query.where(Ticket.id != excluding)
    elif excluding:
        query = query.where(Ticket.id.not_in(list(excluding)))
    return {(str(e), sku): int(n) for e, sku, n in session.execute(query)}


def free_units(
    session: Session, excluding: int | Collection[int] | None = None
) -> dict[str, dict[str, int]]:
    """Units each van still has for a new plan (``excluding`` tickets being planned again)."""
    held = _held(session, excluding)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for row in session.scalars(select(VanStock)):
        left = row.units - held.get((row.engineer_id, row.sku), 0)
        if left > 0:
            out[row.engineer_id][row.sku] = left
    return dict(out)


class VanEmpty(Conflict):
    """The van has no unit of the SKU left for a new plan."""


def check_free(session: Session, *, engineer_id: str, sku: str, ticket_id: int) -> None:
    """Lock the van's count and make sure a unit is left for ``ticket_id``.

    Raises
    ------
    VanEmpty
        When the van has no unit of ``sku`` left.
    """
    row = session.scalars(
        select(VanStock)
        .where(VanStock.engineer_id == engineer_id, VanStock.sku == sku)
        .with_for_update()
    ).one_or_none()
    units = 0 if row is None else row.units
    if units - _held(session, ticket_id).get((engineer_id, sku), 0) <= 0:
        raise VanEmpty(f"engineer {engineer_id}'s van has no {sku} left")


def count_off(session: Session, *, engineer_id: str, sku: str) -> None:
    """The unit left the van with the delivery."""
    session.execute(
        update(VanStock)
        .where(VanStock.engineer_id == engineer_id, VanStock.sku == sku, VanStock.units > 0)
        .values(units=VanStock.units - 1)
    )
