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

import numpy as np
import pandas as pd

from depots.demo_world import DemoWorld
from depots.metrics import grouped_summary, interval, summarise
from depots.report import Study
from depots.simulation_params import SimulationParams
from depots.tradeoff import pareto_front
from dispatch.errors import InvalidInput
from dispatch.places import resolve
from solver.travel.geo import haversine_m


def spread_order(world: DemoWorld) -> tuple[str, ...]:
    """The engineers' ids in farthest-point order of their bases (module docstring); the first
    is the one nearest the centre of all bases."""
    ids = sorted(e.id for e in world.engineers)  # argmin/argmax keep the first: ties to the id
    if not ids:
        return ()
    homes = {e.id: e.home for e in world.engineers}
    places = [resolve(homes[e], field=f"engineers.{e}.home") for e in ids]
    lat = np.array([p.lat for p in places])
    lon = np.array([p.lon for p in places])
    apart = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    first = int(np.argmin(haversine_m(lat, lon, np.full(1, lat.mean()), np.full(1, lon.mean()))))
    order = [first]
    gap = apart[first].copy()
    gap[first] = -1.0
    while len(order) < len(ids):
        pick = int(np.argmax(gap))
        order.append(pick)
        gap = np.minimum(gap, apart[pick])
        gap[order] = -1.0
    return tuple(ids[k] for k in order)


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
