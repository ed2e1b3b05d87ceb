"""Cost against service level as the number of depots grows: the planner's trade-off curve.

For each number of depots ``k`` and each hour tier of the installed base, the maximal-covering
layout (ties to the least road time, :func:`depots.placement.place_depots`) and what it gives
and costs a year: the share of the tier's devices within the tier's target by road, the
depots' fixed costs and the dedicated round trips of every expected ticket from its nearest
depot (the fixed-charge model's trip cost, on the demand model's failure rates). A layout is
on the tier's Pareto front when no other ``k`` covers as much for less.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from depots.demand import FailureRates
from depots.placement import (
    CustomerSites,
    PlacementParams,
    Town,
    place_depots,
    trip_cost_gr,
)
from dispatch.tiers import Tier
from solver.travel.model import TravelModel


def hour_tiers(base: CustomerSites) -> list[Tier]:
    """The tiers with an hour target among the base's sites, fastest first."""
    tiers = {Tier.parse(p.tier, field=f"{p.site_id}.tier") for p in base.points if p.tier}
    return sorted((t for t in tiers if not t.is_nbd), key=lambda t: (t.target_s, str(t)))


def depot_curve(
    towns: Sequence[Town],
    base: CustomerSites,
    travel: TravelModel,
    rates: FailureRates,
    ks: Sequence[int],
    params: PlacementParams,
    tiers: Sequence[Tier] | None = None,
) -> pd.DataFrame:
    """One row per (k, tier): covered share, costs (PLN a year), mean road time, Pareto flag."""
    points = np.array([[p.lat, p.lon] for p in base.points])
    seconds, metres = travel.matrix(np.array([[t.lat, t.lon] for t in towns]), points)
    tickets = np.asarray(base.tickets_per_year(rates))
    trips = trip_cost_gr(seconds.T, metres.T, tickets, params)
    index = {(t.name, t.lat, t.lon): j for j, t in enumerate(towns)}
    rows = []
    for tier in tiers if tiers is not None else hour_tiers(base):
        for k in ks:
            layout = place_depots("maxcover", towns, base.points, travel, k=k, tier=tier)
            cols = [index[t.name, t.lat, t.lon] for t in layout.depots]
            trips_pln = float(trips[:, cols].min(axis=1).sum()) / 100
            depots_pln = float(len(cols) * params.depot_cost_pln_year)
            covered = layout.devices_covered or 0
            rows.append(
                {
                    "tier": str(tier),
                    "k": k,
                    "depots": len(cols),
                    "covered_share": covered / layout.devices_in_tier
                    if layout.devices_in_tier
                    else 1.0,
                    "depots_pln": depots_pln,
                    "trips_pln": trips_pln,
                    "total_pln": depots_pln + trips_pln,
                    "mean_travel_min": layout.mean_travel_s / 60,
                    "status": str(layout.result.status),
                    "towns": ", ".join(t.name for t in layout.depots),
                }
            )
    curve = pd.DataFrame(rows)
    curve["pareto"] = pareto_front(curve, "covered_share")
    return curve


def pareto_front(curve: pd.DataFrame, share: str) -> list[bool]:
    """Per row: no other point of its tier has as much ``share`` for less ``total_pln`` (or
    more for as little)."""
    flags = []
    for tier, cost, value in zip(curve.tier, curve.total_pln, curve[share], strict=True):
        same = curve[curve.tier == tier]
        cheaper_or_equal = (same.total_pln <= cost) & (same[share] >= value)
        strictly = (same.total_pln < cost) | (same[share] > value)
        flags.append(bool(same[cheaper_or_equal & strictly].empty))
    return flags
