"""Stock units in the database: reserve for a confirmed plan, release, consume on delivery.

The guarantee that two plans never hold the same unit does not rest on this code alone: the
partial unique index ``uq_reservations_active_unit`` rejects a second active reservation. On
PostgreSQL, candidate units are locked ``FOR UPDATE SKIP LOCKED`` so a racing transaction picks
another free unit, and checked afresh before they are taken (see :func:`_take`); on SQLite every
transaction takes the write lock up front (``BEGIN IMMEDIATE``), so racing confirms run one
after the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from depots.tables import ACTIVE, CONSUMED, RELEASED, Depot, Reservation, StockUnit
from dispatch.errors import Conflict, InvalidInput

AVAILABLE = "available"
ISSUED = "issued"


@dataclass(frozen=True, slots=True)
class StockLine:
    """``quantity`` units of ``sku`` from depot ``depot_id``."""

    depot_id: str
    sku: str
    quantity: int = 1

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise InvalidInput("quantity", f"must be >= 1, got {self.quantity}")


class OutOfStock(Conflict):
    """The depot has no (or too few) free units left for ``line``."""

    def __init__(self, reason: str, line: StockLine) -> None:
        super().__init__(reason)
        self.line = line


@dataclass(frozen=True, slots=True)
class Reserved:
    """The units a plan now holds."""

    plan_id: int
    unit_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StockLevel:
    """Units of one SKU in one depot: on the shelf, held by confirmed plans, and free."""

    depot_id: str
    sku: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        """Units a new plan may still take."""
        return self.on_hand - self.reserved


_held = exists().where(Reservation.unit_id == StockUnit.id, Reservation.state == ACTIVE)


def reserve(
    *,
    session: Session,
    plan_id: int,
    ticket_id: int,
    lines: Sequence[StockLine],
    now: datetime,
) -> Reserved:
    """Hold free units for every line, in the caller's transaction, or nothing at all.

    Raises
    ------
    OutOfStock
        When a depot has too few free units of a SKU (the caller's transaction must then roll
        back, which undoes any units already held for earlier lines). It is only raised once
        every transaction that held one of those units has finished, so a fresh plan made
        after it sees their outcome.
    """
    taken: list[str] = []
    for line in lines:
        free = _take(session, line, taken)
        if len(free) < line.quantity:
            raise OutOfStock(
                f"depot {line.depot_id} has {len(free)} free unit(s) of {line.sku}, "
                f"{line.quantity} needed",
                line,
            )
        taken.extend(free)
    session.add_all(
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
        session.flush()
    except IntegrityError:
        raise OutOfStock(
            "a unit was reserved by another plan at the same moment", lines[0]
        ) from None
    return Reserved(plan_id=plan_id, unit_ids=tuple(taken))


def _take(session: Session, line: StockLine, taken: Sequence[str]) -> list[str]:
    """Lock up to ``line.quantity`` free units of the line (not in ``taken``); fewer if gone.

    Each pass locks candidates ``FOR UPDATE SKIP LOCKED`` (a unit another confirm is holding
    is passed over), or, when every candidate is locked, waits for those confirms to finish.
    On PostgreSQL a statement sees the reservations committed before it began: a unit whose
    winner committed while the statement ran looks free and is no longer locked, so it was
    taken, and the insert then failed ("unit gone" with units to spare, issue 18). So the
    candidates are checked against the reservations in a fresh statement; if one turns out
    held, the pass is rolled back to its savepoint (freeing its locks, so no confirm waits on
    a unit nobody can have) and repeated without it. Every pass sets aside at least one unit,
    so this ends.
    """
    chosen: list[str] = []
    gone: list[str] = []
    wait = False
    while len(chosen) < line.quantity:
        with session.begin_nested() as attempt:
            found = _lock_free(session, line, [*taken, *chosen, *gone], wait=wait)
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


def _lock_free(session: Session, line: StockLine, skip: Sequence[str], *, wait: bool) -> list[str]:
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
    return list(session.scalars(query))


def _close(session: Session, ticket_id: int, state: str, now: datetime) -> list[str]:
    units = session.scalars(
        update(Reservation)
        .where(Reservation.ticket_id == ticket_id, Reservation.state == ACTIVE)
        .values(state=state, closed_at=now)
        .returning(Reservation.unit_id)
    ).all()
    return list(units)


def release(*, session: Session, ticket_id: int, now: datetime) -> list[str]:
    """Give back the units the ticket holds (plan replaced or cancelled); returns their ids."""
    return _close(session, ticket_id, RELEASED, now)


def consume(*, session: Session, ticket_id: int, now: datetime) -> list[str]:
    """The units left the depot with the ticket's delivery: they stop being stock."""
    units = _close(session, ticket_id, CONSUMED, now)
    if units:
        session.execute(update(StockUnit).where(StockUnit.id.in_(units)).values(status=ISSUED))
    return units


def held(session: Session, ticket_id: int) -> list[str]:
    """Units the ticket holds right now."""
    return list(
        session.scalars(
            select(Reservation.unit_id).where(
                Reservation.ticket_id == ticket_id, Reservation.state == ACTIVE
            )
        )
    )


def held_lines(session: Session, ticket_id: int) -> list[StockLine]:
    """Depot and SKU of each unit the ticket holds right now."""
    return held_lines_of(session, [ticket_id]).get(ticket_id, [])


def held_lines_of(session: Session, ticket_ids: Sequence[int]) -> dict[int, list[StockLine]]:
    """Each ticket's held units (depot, SKU), in one query."""
    query = (
        select(Reservation.ticket_id, StockUnit.depot_id, StockUnit.sku)
        .join(Reservation, Reservation.unit_id == StockUnit.id)
        .where(Reservation.ticket_id.in_(list(ticket_ids)), Reservation.state == ACTIVE)
    )
    out: dict[int, list[StockLine]] = defaultdict(list)
    for ticket_id, depot_id, sku in session.execute(query):
        out[ticket_id].append(StockLine(depot_id, sku))
    return dict(out)


def levels(session: Session, depot_id: str | None = None) -> list[StockLevel]:
    """On-hand and reserved units per depot and SKU (issued units are not on hand)."""
    reserved = func.count(Reservation.id)
    query = (
        select(StockUnit.depot_id, StockUnit.sku, func.count(func.distinct(StockUnit.id)), reserved)
        .outerjoin(
            Reservation, and_(Reservation.unit_id == StockUnit.id, Reservation.state == ACTIVE)
        )
        .where(StockUnit.status == AVAILABLE)
        .group_by(StockUnit.depot_id, StockUnit.sku)
        .order_by(StockUnit.depot_id, StockUnit.sku)
    )
    if depot_id is not None:
        query = query.where(StockUnit.depot_id == depot_id)
    return [StockLevel(d, s, int(n), int(r)) for d, s, n, r in session.execute(query)]


def depots(session: Session) -> Sequence[Depot]:
    """All depots, by id."""
    return session.scalars(select(Depot).order_by(Depot.id)).all()
