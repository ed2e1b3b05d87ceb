"""The scenario of docs/dispatch.md with every optional numeric field filled in, for the tests of
scenario validation and of ``dispatch plan``."""

from __future__ import annotations

import copy
from typing import Any

from dispatch.scenario import MAX_DRIVERS, MAX_MINUTES, MAX_MULTIPLIER, MAX_PLN, MAX_UNITS

_DOCS: dict[str, Any] = {
    "now": "2026-12-02T10:00",
    "skus": [{"sku": "X465-48T", "family": "switch", "onsite_minutes": 90, "substitutes": []}],
    "depots": [{"id": "KRK", "location": "Kraków", "stock": {"X465-48T": 3}, "pick_minutes": 20,
                "courier_cutoff": "16:00", "drivers": 2}],
    "couriers": [{"id": "NBD", "delivery_by": "17:00", "price": 60}],
    "engineers": [{"id": "E1", "home": "Rzeszów", "skills": ["switch"], "shift": ["08:00", "18:00"],
                   "on_call": True, "cost_per_hour": 120, "van_stock": {"X465-48T": 1},
                   "visits": [{"id": "V1", "location": "Jarosław", "onsite_minutes": 30}]}],
    "tickets": [
        {"id": "T1", "service": "SOS", "tier": "24x7x4", "accepted_at": "2026-12-02T09:50",
         "site": "Przemyśl", "sku": "X465-48T"},
        {"id": "T2", "service": "AHB", "tier": "8x5x4", "accepted_at": "2026-12-02T09:55",
         "site": "Tarnów", "sku": "X465-48T"},
    ],
    "costs": {"dedicated_per_km": 2.5, "dedicated_per_hour": 60, "engineer_per_km": 1.2,
              "dedicated_per_trip": 100, "on_call_multiplier": 1.5},
}  # fmt: skip

# Every numeric field: its path in the scenario, the field name an error gives, and its cap.
Field = tuple[tuple[str | int, ...], str, float]
NUMERIC_FIELDS: tuple[Field, ...] = (
    (("skus", 0, "onsite_minutes"), "skus[0].onsite_minutes", MAX_MINUTES),
    (("depots", 0, "stock", "X465-48T"), "depots[0].stock.X465-48T", MAX_UNITS),
    (("depots", 0, "pick_minutes"), "depots[0].pick_minutes", MAX_MINUTES),
    (("depots", 0, "drivers"), "depots[0].drivers", MAX_DRIVERS),
    (("couriers", 0, "price"), "couriers[0].price", MAX_PLN),
    (("engineers", 0, "cost_per_hour"), "engineers[0].cost_per_hour", MAX_PLN),
    (("engineers", 0, "van_stock", "X465-48T"), "engineers[0].van_stock.X465-48T", MAX_UNITS),
    (
        ("engineers", 0, "visits", 0, "onsite_minutes"),
        "engineers[0].visits[0].onsite_minutes",
        MAX_MINUTES,
    ),
    (("costs", "dedicated_per_km"), "costs.dedicated_per_km", MAX_PLN),
    (("costs", "dedicated_per_hour"), "costs.dedicated_per_hour", MAX_PLN),
    (("costs", "dedicated_per_trip"), "costs.dedicated_per_trip", MAX_PLN),
    (("costs", "engineer_per_km"), "costs.engineer_per_km", MAX_PLN),
    (("costs", "on_call_multiplier"), "costs.on_call_multiplier", MAX_MULTIPLIER),
)


def docs_scenario() -> dict[str, Any]:
    """A fresh copy of the scenario (an SOS and an AHB ticket, one engineer with a visit)."""
    return copy.deepcopy(_DOCS)


def with_value(
    path: tuple[str | int, ...], value: object, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The scenario (``data``, else a fresh one) with the field at ``path`` set to ``value``."""
    data = docs_scenario() if data is None else data
    node: Any = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return data
