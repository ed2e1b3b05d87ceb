"""The sample scenario (``data/scenarios/sample.json``, shown in docs/dispatch.md) with every
optional numeric field filled in, for the tests of scenario validation and of ``dispatch plan``."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from dispatch.scenario import MAX_DRIVERS, MAX_MINUTES, MAX_MULTIPLIER, MAX_PLN, MAX_UNITS

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "sample.json"
_DOCS: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))

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
