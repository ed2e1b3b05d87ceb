"""Stock as a ledger of units: what is on hand, what plans hold, what left with a delivery.

``StockLedger`` is the one interface the service plans and confirms against; each
implementation is a small module of its own (as PyVRP's ``stop/`` shapes its criteria):
``depots.ledger.sql`` keeps units and holds as database rows (the service's),
``depots.ledger.memory`` in dictionaries (a simulation's, or a test's). Both keep the same
rules: a hold takes whole lines or nothing, a unit is held by one ticket at most, a release
gives units back, a consume takes them out of stock for good.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dispatch.errors import Conflict, InvalidInput


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

    @classmethod
    def short(cls, line: StockLine, free: int) -> OutOfStock:
        """``line`` asked for more units than the ``free`` ones its depot has."""
        return cls(
            f"depot {line.depot_id} has {free} free unit(s) of {line.sku}, {line.quantity} needed",
            line,
        )


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


class StockLedger(Protocol):
    """Units on hand and the holds on them (see the module docstring)."""

    def reserve(
        self, *, plan_id: int, ticket_id: int, lines: Sequence[StockLine], now: datetime
    ) -> Reserved:
        """Hold free units for every line, or nothing at all (``OutOfStock``)."""
        ...

    def release(self, *, ticket_id: int, now: datetime) -> list[str]:
        """Give back the units the ticket holds; returns their ids."""
        ...

    def consume(self, *, ticket_id: int, now: datetime) -> list[str]:
        """The ticket's units left with its delivery: they stop being stock."""
        ...

    def held(self, ticket_id: int) -> list[str]:
        """Units the ticket holds right now."""
        ...

    def held_lines(self, ticket_id: int) -> list[StockLine]:
        """Depot and SKU of each unit the ticket holds right now."""
        ...

    def levels(self, depot_id: str | None = None) -> list[StockLevel]:
        """On-hand and reserved units per depot and SKU, by depot then SKU."""
        ...


def free_units(ledger: StockLedger, replanned: Collection[int] = ()) -> dict[str, dict[str, int]]:
    """Units a plan may take, depot -> SKU -> units; re-planning the tickets of ``replanned``
    may take their own held units again."""
    free: dict[str, dict[str, int]] = defaultdict(dict)
    for level in ledger.levels():
        if level.available > 0:
            free[level.depot_id][level.sku] = level.available
    for ticket_id in replanned:
        for line in ledger.held_lines(ticket_id):
            free[line.depot_id][line.sku] = free[line.depot_id].get(line.sku, 0) + 1
    return free
