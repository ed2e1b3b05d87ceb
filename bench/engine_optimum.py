"""The engine's heuristic path against the exact optimum on small random scenarios (issue 17).

For each seed, ``dispatch.small_worlds`` gives a scenario (3-7 tickets, 2-4 depots, 2-4
engineers; mornings, near the courier cut-off, afternoons before holidays). Three plans of the
same world, all assembled and priced alike (transport plus the engineers' routed days,
re-checked by the routing evaluator):

- the reference: the exact CP-SAT model (``dispatch.exact``) given ``--reference-limit``;
- the engine as it runs (``dispatch.engine.plan``: the exact path, time-boxed to 0.7 s, for a
  batch this small, compared with 0.3 s of the heuristic when not proven; the heuristic alone
  when it finds nothing);
- the heuristic path alone (phase 1, routing, re-insertion), as large batches get it.

Scored lexicographically: weighted on-time points (4 h = 4, 8 h = 2, NBD = 1), then cost.
Prints one JSON object per side: scenarios at the reference's points, points in total, cost
where points tie. Run: ``.venv/bin/python bench/engine_optimum.py [--seeds 100]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from dispatch.encode import encode
from dispatch.engine import default_travel, plan, plan_exact
from dispatch.plans import PlanResult
from dispatch.scenario_snapshot import snapshot
from dispatch.small_worlds import small_scenario


def points(result: PlanResult, priority: dict[str, int]) -> int:
    """Weighted on-time points of a plan."""
    return sum(priority[a.ticket] for a in result.assignments if a.on_time)


def compare(rows: list[dict[str, Any]], side: str) -> dict[str, Any]:
    """One side's figures against the reference."""
    at = [r for r in rows if r[f"{side}_points"] >= r["reference_points"]]
    ties = [r for r in rows if r[f"{side}_points"] == r["reference_points"]]
    total, best = (sum(r[f"{side}_points"] for r in rows), sum(r["reference_points"] for r in rows))
    cost, ref = (sum(r[f"{side}_cost"] for r in ties), sum(r["reference_cost"] for r in ties))
    return {
        "at_reference_points": len(at),
        "share_at_reference": round(len(at) / len(rows), 4) if rows else None,
        "points": total,
        "points_short_pct": round(100 * (best - total) / best, 2) if best else 0.0,
        "cost_where_points_tie": round(cost, 2),
        "cost_excess_pct": round(100 * (cost - ref) / ref, 2) if ref else 0.0,
        "behind": [r["seed"] for r in rows if r[f"{side}_points"] < r["reference_points"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--reference-limit", type=float, default=10.0, help="seconds")
    parser.add_argument("--time-limit", type=float, default=2.0, help="the engine's seconds")
    args = parser.parse_args()
    travel = default_travel()
    rows: list[dict[str, Any]] = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        world = snapshot(small_scenario(seed))
        priority = {t.id: int(t.tier.priority) for t in world.tickets}
        reference = plan_exact(encode(world, travel), args.reference_limit)
        if reference is None:
            continue
        began = time.perf_counter()
        engine = plan(world, time_limit_s=args.time_limit, travel=travel)
        engine_s = time.perf_counter() - began
        heuristic = plan(world, time_limit_s=args.time_limit, travel=travel, exact=False)
        rows.append(
            {
                "seed": seed,
                "reference_points": points(reference, priority),
                "reference_cost": reference.cost,
                "reference_proven": reference.proven_optimal,
                "engine_points": points(engine, priority),
                "engine_cost": engine.cost,
                "engine_path": engine.path,
                "engine_s": engine_s,
                "heuristic_points": points(heuristic, priority),
                "heuristic_cost": heuristic.cost,
            }
        )
    print(
        json.dumps(
            {
                "benchmark": "engine_optimum",
                "seeds": args.seeds,
                "reference_solved": len(rows),
                "reference_proven": sum(r["reference_proven"] for r in rows),
                "engine": compare(rows, "engine")
                | {
                    "exact_path": sum(r["engine_path"] == "exact" for r in rows),
                    "seconds_median": round(statistics.median(r["engine_s"] for r in rows), 3),
                    "seconds_max": round(max(r["engine_s"] for r in rows), 3),
                },
                "heuristic": compare(rows, "heuristic"),
            }
        )
    )


if __name__ == "__main__":
    main()
