"""A stock ledger in dictionaries: for a simulation or a test, with the SQL ledger's rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from depots.ledger import OutOfStock, Reserved, StockLevel, StockLine


class MemoryLedger:
    """``StockLedger`` over a dictionary of units (id -> (depot, SKU)) and the holds on them.

    Units are taken in id order, as the SQL ledger takes them.
    """

    def __init__(self, units: Mapping[str, tuple[str, str]]) -> None:
        self._units = dict(units)
        self._holder: dict[str, int] = {}  # unit -> the ticket holding it

    @classmethod
    def of_counts(cls, stock: Mapping[str, Mapping[str, int]]) -> MemoryLedger:
        """Units numbered ``DEPOT/SKU/n`` from counts, depot -> SKU -> units."""
        return cls(
            {
                f"{depot}/{sku}/{n}": (depot, sku)
                for depot, counts in stock.items()
                for sku, units in counts.items()
                for n in range(units)
            }
        )

    def reserve(
        self,
        *,
        plan_id: int,
        ticket_id: int,
        lines: Sequence[StockLine],
        now: datetime,  # noqa: ARG002 (no history is kept here)
    ) -> Reserved:
        """Hold free units for every line, or nothing at all (``OutOfStock``)."""
        taken: list[str] = []
        for line in lines:
            free = [
                unit
                for unit, where in sorted(self._units.items())
                if where == (line.depot_id, line.sku)
                and unit not in self._holder
                and unit not in taken
            ]
            if len(free) < line.quantity:
                raise OutOfStock.short(line, len(free))
            taken.extend(free[: line.quantity])
        self._holder.update(dict.fromkeys(taken, ticket_id))
        return Reserved(plan_id=plan_id, unit_ids=tuple(taken))

    def release(self, *, ticket_id: int, now: datetime) -> list[str]:  # noqa: ARG002
        """Give back the units the ticket holds; returns their ids."""
        units = self.held(ticket_id)
        for unit in units:
            del self._holder[unit]
        return units

    def consume(self, *, ticket_id: int, now: datetime) -> list[str]:
        """The ticket's units left with its delivery: they stop being stock."""
        units = self.release(ticket_id=ticket_id, now=now)
        for unit in units:
            del self._units[unit]
        return units

    def held(self, ticket_id: int) -> list[str]:
        """Units the ticket holds right now."""
        return sorted(unit for unit, holder in self._holder.items() if holder == ticket_id)

    def held_lines(self, ticket_id: int) -> list[StockLine]:
        """Depot and SKU of each unit the ticket holds right now."""
        return [StockLine(*self._units[unit]) for unit in self.held(ticket_id)]

    def levels(self, depot_id: str | None = None) -> list[StockLevel]:
        """On-hand and reserved units per depot and SKU, by depot then SKU."""
        counts: dict[tuple[str, str], list[int]] = {}
        for unit, where in self._units.items():
            if depot_id is None or where[0] == depot_id:
                level = counts.setdefault(where, [0, 0])
                level[0] += 1
                level[1] += unit in self._holder
        return [StockLevel(d, s, n, r) for (d, s), (n, r) in sorted(counts.items())]
