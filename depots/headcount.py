"""How many engineers: the service level a simulated period reaches with fewer of them.

The field force is cut in one fixed order, the reverse of a spread order of their bases
(:func:`spread_order`: the farthest-point order, each next engineer the one based farthest by
straight line from those already kept, ties to the id), so every headcount keeps the force as
evenly spread over Poland as that many of today's engineers can be; skills, shifts and vans go
with each engineer. Each headcount is the same scenario with ``layout.engineers`` set to the
first ``n`` of that order, run through the same simulation and replications as ``dispatch
simulate`` (the same seeds, so the points are paired), and :func:`headcount_curve` gives each
tier's on-time share against the network's yearly cost with their intervals.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import pandas as pd

from depots.demo_world import DemoWorld
from depots.metrics import grouped_summary, interval, summarise
from depots.report import Study
from depots.simulation_params import SimulationParams
from depots.tradeoff import pareto_front
from dispatch.errors import InvalidInput
from dispatch.places import resolve


def spread_order(world: DemoWorld) -> tuple[str, ...]:
    """The engineers' ids in farthest-point order of their bases (module docstring); the first
    is the one nearest the centre of all bases."""
    at = {e.id: resolve(e.home, field=f"engineers.{e.id}.home") for e in world.engineers}
    if not at:
        return ()
    lat = sum(p.lat for p in at.values()) / len(at)
    lon = sum(p.lon for p in at.values()) / len(at)
    first = min(at, key=lambda e: (_km(at[e].lat, at[e].lon, lat, lon), e))
    order = [first]
    nearest = {e: _km(p.lat, p.lon, at[first].lat, at[first].lon) for e, p in at.items()}
    del nearest[first]
    while nearest:
        pick = max(nearest, key=lambda e: (nearest[e], _reverse_id(e)))
        order.append(pick)
        del nearest[pick]
        for e in nearest:
            here = _km(at[e].lat, at[e].lon, at[pick].lat, at[pick].lon)
            nearest[e] = min(nearest[e], here)
    return tuple(order)


def _reverse_id(engineer: str) -> tuple[int, ...]:
    """Sort key that makes ``max`` prefer the smaller id on a tie."""
    return tuple(-ord(c) for c in engineer)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def headcount_scenarios(
    params: SimulationParams, order: Sequence[str], counts: Sequence[int]
) -> list[SimulationParams]:
    """``params`` with the first ``n`` engineers of ``order`` kept, for each ``n`` of ``counts``.

    Raises
    ------
    InvalidInput
        When a count is below 1 or above the engineers there are.
    """
    for n in counts:
        if not 1 <= n <= len(order):
            raise InvalidInput("--headcount", f"must be within [1, {len(order)}], got {n}")
    return [
        dataclasses.replace(
            params,
            name=f"{params.name}-{n}-engineers",
            layout=dataclasses.replace(params.layout, engineers=tuple(order[:n])),
        )
        for n in counts
    ]


def headcount_curve(studies: Sequence[Study]) -> pd.DataFrame:
    """One row per (headcount, tier): on-time share and the network's yearly cost (PLN), each
    with its 95 % interval over replications, engineers' utilisation, and the Pareto flag
    (no other headcount is as punctual for less)."""
    rows = []
    for study in studies:
        engineers = len(study.runs[0].engineers)  # as simulated: all when the layout keeps all
        means = {r["metric"]: r["mean"] for r in summarise(study.runs).to_dict("records")}
        cost = [r.costs.get("network", math.nan) for r in study.runs]
        cost_mean, cost_low, cost_high = interval(cost, (0.0, math.inf))
        for tier in grouped_summary(study.runs, "tier").to_dict("records"):
            rows.append(
                {
                    "tier": str(tier["tier"]),
                    "engineers": engineers,
                    "share_on_time": float(tier["share_on_time"]),
                    "share_on_time_ci_low": float(tier["share_on_time_ci_low"]),
                    "share_on_time_ci_high": float(tier["share_on_time_ci_high"]),
                    "total_pln": cost_mean,
                    "total_ci_low": cost_low,
                    "total_ci_high": cost_high,
                    "utilisation": float(means["utilisation"]),
                }
            )
    curve = pd.DataFrame(rows)
    curve["pareto"] = pareto_front(curve, "share_on_time")
    return curve
