"""Depot placement at full size: solve time and proven gap, cross-checked against PySAL spopt.

One instance: the 1,000 most populous Polish places as candidates x 2,500 customer sites drawn
by population (seeded, 1-12 devices each), road times from the embedded network. Our four
models run on it at full size. spopt (PuLP + CBC) solves the covering models on the very same
matrices. Its p-median builds one variable per (site, town) pair, 2.5 M at full size, which
PuLP cannot build and CBC cannot solve in a benchmark's time (at 200 x 500 it took ~590 s), so
the median models are cross-checked on the first ``--small-sites`` x ``--small-demand`` corner
of the same matrices; spopt has no fixed-charge model, so that one is checked against the same
classic formulation written in PuLP and solved by CBC.

Prints one JSON object. Run: ``.venv/bin/python bench/placement.py`` (needs the ``bench``
extras: ``pip install -e '.[bench]'``; ``--no-spopt`` skips the cross-check).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from depots.placement import (
    PlacementParams,
    candidate_towns,
    coverage_radius_s,
    sample_installed_base,
    trip_cost_gr,
)
from dispatch.tiers import Tier
from dispatch.travel import road_model
from solver.placement import PlacementResult, fixed_charge, max_cover, p_median, set_cover
from solver.travel.geodesic import GeodesicTravel

FAILURES_PER_DEVICE = 0.05  # the benchmark instance's rate, kept so results stay comparable


def _ours(result: PlacementResult) -> dict[str, Any]:
    return {
        "status": str(result.status),
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": round(result.runtime_s, 2),
        "engine": result.engine,
        "depots": len(result.chosen),
        "sites_after_reduction": result.sites_after_reduction,
        "demand_after_reduction": result.demand_after_reduction,
    }


def _timed(work: Callable[[], float]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        value = work()
    except RuntimeError as exc:  # spopt raises this when CBC stops without a proven answer
        return {"status": str(exc).split(".")[0], "seconds": round(time.perf_counter() - start, 1)}
    return {"objective": round(value), "seconds": round(time.perf_counter() - start, 1)}


def _spopt_cover(
    kind: str, cost: NDArray[np.int64], weight: NDArray[np.int64], radius: int, k: int, limit: float
) -> float:
    import pulp
    from spopt.locate import LSCP, MCLP

    cbc = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit)
    if kind == "maxcover":
        model = MCLP.from_cost_matrix(cost.astype(float), weight, radius, p_facilities=k)
    else:
        model = LSCP.from_cost_matrix(cost.astype(float), radius)
    model.solve(cbc)
    return float(pulp.value(model.problem.objective))


def _spopt_pmedian(
    cost: NDArray[np.int64], weight: NDArray[np.int64], k: int, limit: float
) -> float:
    import pulp
    from spopt.locate import PMedian

    model = PMedian.from_cost_matrix(cost.astype(float), weight, p_facilities=k)
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=limit))
    return float(pulp.value(model.problem.objective))


def _pulp_fixed_charge(
    cost: NDArray[np.int64], weight: NDArray[np.int64], open_cost: NDArray[np.int64], limit: float
) -> float:
    """The classic uncapacitated facility location formulation in PuLP, solved by CBC."""
    import pulp

    n, m = cost.shape
    prob = pulp.LpProblem("fixed_charge", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(m)]
    z = [[pulp.LpVariable(f"z{i}_{j}", 0, 1) for j in range(m)] for i in range(n)]
    prob += pulp.lpSum(int(open_cost[j]) * x[j] for j in range(m)) + pulp.lpSum(
        int(weight[i] * cost[i, j]) * z[i][j] for i in range(n) for j in range(m)
    )
    for i in range(n):
        prob += pulp.lpSum(z[i]) == 1
        for j in range(m):
            prob += z[i][j] <= x[j]
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=limit))
    if pulp.LpStatus[prob.status] != "Optimal":
        raise RuntimeError(f"CBC: {pulp.LpStatus[prob.status]}.")
    return float(pulp.value(prob.objective))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=1000, help="candidate towns")
    parser.add_argument("--demand", type=int, default=2500, help="customer sites")
    parser.add_argument("--small-sites", type=int, default=100)
    parser.add_argument("--small-demand", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=120.0, help="per solve, both sides")
    parser.add_argument("--travel", choices=("road", "geodesic"), default="road")
    parser.add_argument("--no-spopt", action="store_true")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    towns = candidate_towns(args.sites)
    base = sample_installed_base(args.demand, rng)
    points = [dataclasses.replace(p, devices=int(rng.integers(1, 13))) for p in base.points]
    travel = road_model() if args.travel == "road" else GeodesicTravel()
    start = time.perf_counter()
    seconds, metres = travel.matrix(
        np.array([[t.lat, t.lon] for t in towns]), np.array([[p.lat, p.lon] for p in points])
    )
    matrix_s = time.perf_counter() - start
    cost_s, cost_m = seconds.T.copy(), metres.T.copy()
    weight = np.array([p.devices for p in points], dtype=np.int64)
    params = PlacementParams()
    # per device a year at 0.05 failures each, the weight being devices (as measured before)
    trips = trip_cost_gr(cost_s, cost_m, np.full(len(points), FAILURES_PER_DEVICE), params)
    limit = args.time_limit
    runs: list[dict[str, Any]] = []

    for tier_name, k in (("24x7x2", 6), ("24x7x4", 3)):
        radius = coverage_radius_s(Tier.parse(tier_name), params)
        row = {"model": "maxcover", "tier": tier_name, "k": k, "size": [args.demand, args.sites]}
        row["ours"] = _ours(max_cover(cost_s <= radius, weight, k, time_limit_s=limit))
        if not args.no_spopt:
            row["spopt"] = _timed(
                lambda r=radius, k=k: _spopt_cover("maxcover", cost_s, weight, r, k, limit)
            )
        runs.append(row)
    for tier_name in ("24x7x4", "24x7x2"):
        radius = coverage_radius_s(Tier.parse(tier_name), params)
        row = {"model": "setcover", "tier": tier_name, "size": [args.demand, args.sites]}
        row["ours"] = _ours(set_cover(cost_s <= radius, time_limit_s=limit))
        if not args.no_spopt:
            row["spopt"] = _timed(
                lambda r=radius: _spopt_cover("setcover", cost_s, weight, r, 0, limit)
            )
        runs.append(row)
    for k in (6, 20):
        row = {"model": "pmedian", "k": k, "size": [args.demand, args.sites]}
        row["ours"] = _ours(p_median(cost_s, weight, k, time_limit_s=limit))
        runs.append(row)
    depot_gr = params.depot_cost_pln_year * 100
    for per_depot in (depot_gr, depot_gr // 10):
        open_cost = np.full(args.sites, per_depot, dtype=np.int64)
        row = {
            "model": "fixedcost",
            "depot_pln_year": per_depot // 100,
            "size": [args.demand, args.sites],
        }
        row["ours"] = _ours(fixed_charge(trips, weight, open_cost, time_limit_s=limit))
        runs.append(row)

    if not args.no_spopt:  # the median models on the small corner, both sides
        n, m = args.small_demand, args.small_sites
        sub_s, sub_w, sub_t = cost_s[:n, :m], weight[:n], trips[:n, :m]
        row = {"model": "pmedian", "k": 6, "size": [n, m]}
        row["ours"] = _ours(p_median(sub_s, sub_w, 6, time_limit_s=limit))
        row["spopt"] = _timed(lambda: _spopt_pmedian(sub_s, sub_w, 6, limit))
        runs.append(row)
        open_cost = np.full(m, depot_gr // 10, dtype=np.int64)
        row = {"model": "fixedcost", "depot_pln_year": depot_gr // 1000, "size": [n, m]}
        row["ours"] = _ours(fixed_charge(sub_t, sub_w, open_cost, time_limit_s=limit))
        row["pulp_cbc"] = _timed(lambda: _pulp_fixed_charge(sub_t, sub_w, open_cost, limit))
        runs.append(row)
    for row in runs:
        other = row.get("spopt") or row.get("pulp_cbc")
        if other is not None and "objective" in other:
            row["agrees"] = other["objective"] == row["ours"]["objective"]

    print(
        json.dumps(
            {
                "instance": {
                    "candidates": args.sites,
                    "demand_points": args.demand,
                    "seed": args.seed,
                    "devices": int(weight.sum()),
                    "travel": args.travel,
                    "matrix_seconds": round(matrix_s, 2),
                },
                "time_limit_s": limit,
                "runs": runs,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
