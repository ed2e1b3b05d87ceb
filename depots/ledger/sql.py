"""The service's stock ledger: units and holds as database rows, in the caller's transaction.

The guarantee that two plans never hold the same unit does not rest on this code alone: the
partial unique index ``uq_reservations_active_unit`` rejects a second active reservation. On
PostgreSQL, candidate units are locked ``FOR UPDATE SKIP LOCKED`` so a racing transaction picks
another free unit, and checked afresh before they are taken (see :meth:`SqlLedger._take`); on
SQLite every transaction takes the write lock up front (``BEGIN IMMEDIATE``), so racing confirms
run one after the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from depots.ledger import OutOfStock, Reserved, StockLevel, StockLine
from depots.tables import ACTIVE, CONSUMED, RELEASED, Reservation, StockUnit

AVAILABLE = "available"
ISSUED = "issued"

_held = exists().where(Reservation.unit_id == StockUnit.id, Reservation.state == ACTIVE)


@dataclass(frozen=True, slots=True)
class SqlLedger:
    """``StockLedger`` over ``StockUnit`` and ``Reservation`` rows, in ``session``'s transaction."""

    session: Session

    def reserve(
        self, *, plan_id: int, ticket_id: int, lines: Sequence[StockLine], now: datetime
    ) -> Reserved:
        """Hold free units for every line, in the caller's transaction, or nothing at all.

        Raises
        ------
        OutOfStock
            When a depot has too few free units of a SKU (the caller's transaction must then
            roll back, which undoes any units already held for earlier lines). It is only
            raised once every transaction that held one of those units has finished, so a fresh
            plan made after it sees their outcome.
        """
        taken: list[str] = []
        for line in lines:
            free = self._take(line, taken)
            if len(free) < line.quantity:
                raise OutOfStock.short(line, len(free))
            taken.extend(free)
        self.session.add_all(
            Reservation(
                unit_id=unit,
                plan_id=plan_id,
                ticket_id=ticket_id,
                state=ACTIVE,
                created_at=now,
                closed_at=None,
            )
            for unit in taken
        )
        try:
            self.session.flush()
        except IntegrityError:
            raise OutOfStock(
                "a unit was reserved by another plan at the same moment", lines[0]
            ) from None
        return Reserved(plan_id=plan_id, unit_ids=tuple(taken))

    def _take(self, line: StockLine, taken: Sequence[str]) -> list[str]:
        """Lock up to ``line.quantity`` free units of the line (not in ``taken``); fewer if gone.

        Each pass locks candidates ``FOR UPDATE SKIP LOCKED`` (a unit another confirm is
        holding is passed over), or, when every candidate is locked, waits for those confirms
        to finish. On PostgreSQL a statement sees the reservations committed before it began: a
        unit whose winner committed while the statement ran looks free and is no longer locked,
        so it was taken, and the insert then failed ("unit gone" with units to spare, issue
        18). So the candidates are checked against the reservations in a fresh statement; if
        one turns out held, the pass is rolled back to its savepoint (freeing its locks, so no
        confirm waits on a unit nobody can have) and repeated without it. Every pass sets aside
        at least one unit, so this ends.
        """
        session = self.session
        chosen: list[str] = []
        gone: list[str] = []
        wait = False
        while len(chosen) < line.quantity:
            with session.begin_nested() as attempt:
                found = self._lock_free(line, [*taken, *chosen, *gone], wait=wait)
                if not found:
                    if wait:
                        return chosen
                    wait = True  # all locked by running confirms: wait for them
                    continue
                held = set(
                    session.scalars(
                        select(Reservation.unit_id).where(
                            Reservation.unit_id.in_(found), Reservation.state == ACTIVE
                        )
                    )
                )
                if held:
                    gone.extend(held)
                    attempt.rollback()
                    continue
                chosen.extend(found)
        return chosen

    def _lock_free(self, line: StockLine, skip: Sequence[str], *, wait: bool) -> list[str]:
        """Free units of the line (by id, none of ``skip``), locked: skipping locked ones, or
        waiting for the first of them."""
        query = (
            select(StockUnit.id)
            .where(
                StockUnit.depot_id == line.depot_id,
                StockUnit.sku == line.sku,
                StockUnit.status == AVAILABLE,
                StockUnit.id.not_in(skip),
                ~_held,
            )
            .order_by(StockUnit.id)
            .limit(1 if wait else line.quantity)
            .with_for_update(skip_locked=not wait)
        )
        return list(self.session.scalars(query))

    def _close(self, ticket_id: int, state: str, now: datetime) -> list[str]:
        units = self.session.scalars(
            update(Reservation)
            .where(Reservation.ticket_id == ticket_id, Reservation.state == ACTIVE)
            .values(state=state, closed_at=now)
            .returning(Reservation.unit_id)
        ).all()
        return list(units)

    def release(self, *, ticket_id: int, now: datetime) -> list[str]:
        """Give back the units the ticket holds (plan replaced or cancelled); returns their ids."""
        return self._close(ticket_id, RELEASED, now)

    def consume(self, *, ticket_id: int, now: datetime) -> list[str]:
        """The units left the depot with the ticket's delivery: they stop being stock."""
        units = self._close(ticket_id, CONSUMED, now)
        if units:
            self.session.execute(
                update(StockUnit).where(StockUnit.id.in_(units)).values(status=ISSUED)
            )
        return units

    def held(self, ticket_id: int) -> list[str]:
        """Units the ticket holds right now."""
        query = select(Reservation.unit_id).where(
            Reservation.ticket_id == ticket_id, Reservation.state == ACTIVE
        )
        return list(self.session.scalars(query))

    def held_lines(self, ticket_id: int) -> list[StockLine]:
        """Depot and SKU of each unit the ticket holds right now."""
        return self.held_lines_of([ticket_id]).get(ticket_id, [])

    def held_lines_of(self, ticket_ids: Sequence[int]) -> dict[int, list[StockLine]]:
        """Each ticket's held units (depot, SKU), in one query."""
        query = (
            select(Reservation.ticket_id, StockUnit.depot_id, StockUnit.sku)
            .join(Reservation, Reservation.unit_id == StockUnit.id)
            .where(Reservation.ticket_id.in_(list(ticket_ids)), Reservation.state == ACTIVE)
        )
        out: dict[int, list[StockLine]] = defaultdict(list)
        for ticket_id, depot_id, sku in self.session.execute(query):
            out[ticket_id].append(StockLine(depot_id, sku))
        return dict(out)

    def levels(self, depot_id: str | None = None) -> list[StockLevel]:
        """On-hand and reserved units per depot and SKU (issued units are not on hand)."""
        reserved = func.count(Reservation.id)
        query = (
            select(
                StockUnit.depot_id, StockUnit.sku, func.count(func.distinct(StockUnit.id)), reserved
            )
            .outerjoin(
                Reservation, and_(Reservation.unit_id == StockUnit.id, Reservation.state == ACTIVE)
            )
            .where(StockUnit.status == AVAILABLE)
            .group_by(StockUnit.depot_id, StockUnit.sku)
            .order_by(StockUnit.depot_id, StockUnit.sku)
        )
        if depot_id is not None:
            query = query.where(StockUnit.depot_id == depot_id)
        return [StockLevel(d, s, int(n), int(r)) for d, s, n, r in self.session.execute(query)]
