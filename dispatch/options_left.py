"""What a dispatcher can still do for a ticket no option serves: the decisions left to take.

The engine found no plan (its reasons say why); what remains is another SKU that may replace
the part, a dedicated car from any depot that holds one (however far: the central warehouse
included, late or not), and escalation to the customer. Listed from the same world snapshot
the engine planned in, so every unit named is free now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dispatch.errors import Infeasible
from dispatch.world import TicketState, WorldSnapshot


@dataclass(frozen=True, slots=True)
class OptionLeft:
    """One decision still open: ``kind`` is another_sku, dedicated_car or escalate."""

    kind: str
    detail: str
    sku: str | None = None
    depot: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """As stored with the ticket's ``unservable`` event and served by the API."""
        return {"kind": self.kind, "detail": self.detail, "sku": self.sku, "depot": self.depot}


def options_left(world: WorldSnapshot, ticket: TicketState) -> list[OptionLeft]:
    """The decisions left, most direct first; escalation is always one of them."""
    out: list[OptionLeft] = []
    skus = world.accepted_skus(ticket) if ticket.sku in world.skus else (ticket.sku,)
    for sku in skus:
        holders = sorted(
            (d for d in world.depots if d.stock.get(sku, 0) > 0),
            key=lambda d: -d.stock.get(sku, 0),
        )
        if sku != ticket.sku and holders:
            out.append(OptionLeft("another_sku", f"{sku} replaces {ticket.sku}", sku=sku))
        for depot in holders:
            if depot.drivers > 0:
                detail = f"a dedicated car from {depot.id} with {sku}, even if late"
                out.append(OptionLeft("dedicated_car", detail, sku=sku, depot=depot.id))
    if not any(o.kind == "dedicated_car" for o in out):
        out.append(OptionLeft("order", f"no depot holds {' or '.join(skus)}: order the part"))
    out.append(OptionLeft("escalate", "agree a new time with the customer (rule 9)"))
    return out


class Unservable(Infeasible):
    """No option serves the ticket: the engine's reasons and the decisions left."""

    def __init__(self, reasons: Sequence[str], left: Sequence[OptionLeft]) -> None:
        super().__init__(reasons)
        self.left = tuple(left)
