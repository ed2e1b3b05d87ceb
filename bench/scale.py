"""Scale benchmark: a generated national day (120 engineers, 400 visits with pickups) and 1 000.

Usage::

    .venv/bin/python bench/scale.py                          # 400 and 1 000 visits, 5 s and 30 s
    .venv/bin/python bench/scale.py --visits 400 --limits 5

The day is generated from a seeded numpy Generator (no real data): engineers' bases and sites
spread over a 650 x 550 km box (Poland's extent), ten depots, road distance = 1.3 x straight
line at 70 km/h, shifts 08:00-17:00, service 30-120 min. A third of the visits need a part
collected at a depot first (a pickup-delivery pair). Two variants:

- ``hard``: deadlines are hard windows and every engineer has every skill, which PyVRP models
  exactly (so our auto engine is PyVRP); references: plain OR-Tools and VROOM (level 5 with its
  time-out set to the limit, since at this size it would otherwise run for minutes).
- ``soft``: 4 h / 8 h / NBD deadlines are soft with lateness weighted 4 h > 8 h > NBD, three skill
  families; only OR-Tools models it (our auto engine: OR-Tools from our greedy start); reference:
  plain OR-Tools without our start.

Reported per instance: wall and CPU seconds to the first feasible solution (our greedy
construction; CPU time shows the cost on a machine shared with other jobs); per run: cost by our
evaluator at each limit and the gap to the best reference at the same limit. Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from vrptw import vroom_routes  # noqa: E402

from solver.routing.engines.ortools_engine import ORToolsEngine  # noqa: E402
from solver.routing.evaluator import evaluate  # noqa: E402
from solver.routing.insertion import greedy_routes  # noqa: E402
from solver.routing.model import Job, Pair, RoutingProblem, Vehicle  # noqa: E402
from solver.routing.params import SolveParams  # noqa: E402
from solver.routing.solve import solve  # noqa: E402

HOUR = 3600
SKILLS = ("switching", "wireless", "routing")
TIERS = ((4 * HOUR, 30), (8 * HOUR, 10), (17 * HOUR, 3))
"""(target, lateness grosze per second) for 4 h, 8 h and NBD tickets: 4 h weighs most."""


def national_day(visits: int, engineers: int, *, seed: int, soft: bool) -> RoutingProblem:
    """A seeded synthetic day that is feasible by construction.

    Engineers' bases are spread over a 650 x 550 km box; each visit belongs to a hidden plan
    of a random engineer and lies within about 35 km of that base; a third of the visits need a
    part from the depot nearest the base first (a pickup-delivery pair). The hidden plan
    is timed from 08:00 and every deadline is set after the visit's planned start (4 h tickets
    up to 1 h after it, 8 h up to 3 h, NBD at 17:00 at the earliest), and the shift ends at 17:00
    or at the planned return if later, so at least one solution meets every deadline.
    """
    rng = np.random.default_rng(seed)
    n_depots = 10
    box = np.array([650_000.0, 550_000.0])
    bases = rng.uniform((0, 0), box, size=(engineers, 2))
    depots = rng.uniform((0, 0), box, size=(n_depots, 2))
    owner = rng.integers(engineers, size=visits)
    sites = np.clip(bases[owner] + rng.normal(0, 35_000, size=(visits, 2)), 0, box)
    xy = np.vstack([bases, depots, sites])
    straight = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    distance = np.rint(1.3 * straight).astype(np.int64)
    duration = np.rint(distance / (70_000 / HOUR)).astype(np.int64)
    nearest_depot = engineers + np.argmin(
        np.hypot(*(bases[:, None, :] - depots[None, :, :]).transpose(2, 0, 1)), axis=1
    )
    jobs: list[Job] = []
    pairs: list[Pair] = []
    shift_end = [17 * HOUR] * engineers
    skills: list[set[str]] = [
        set(rng.choice(SKILLS, size=int(rng.integers(1, 3)), replace=False))
        for _ in range(engineers)
    ]
    for e in range(engineers):
        t, here = 8 * HOUR, e
        for v in np.flatnonzero(owner == e):
            site = engineers + n_depots + int(v)
            cap_s, rate = TIERS[int(rng.choice(3, p=(0.3, 0.3, 0.4)))]
            skill = str(rng.choice(SKILLS)) if soft else None
            if skill is not None:
                skills[e].add(skill)
            if v % 3 == 0:
                depot = int(nearest_depot[e])
                t += int(duration[here, depot])
                jobs.append(Job(id=f"p{v}", location=depot, service_s=600, skill=skill))
                pairs.append(Pair(len(jobs) - 1, len(jobs), 1))
                t, here = t + 600, depot
            t += int(duration[here, site])
            slack = int(rng.integers(0, cap_s // 4 + 1)) if cap_s < 17 * HOUR else 0
            deadline = max(t + slack, cap_s if cap_s >= 17 * HOUR else t + slack)
            service = int(rng.integers(2, 9)) * 15 * 60
            if soft:
                jobs.append(
                    Job(
                        id=f"v{v}",
                        location=site,
                        service_s=service,
                        deadline_s=deadline,
                        lateness_gr_per_s=rate,
                        skill=skill,
                    )
                )
            else:
                jobs.append(
                    Job(
                        id=f"v{v}",
                        location=site,
                        service_s=service,
                        windows=((8 * HOUR, deadline),),
                    )
                )
            t, here = t + service, site
        shift_end[e] = max(17 * HOUR, t + int(duration[here, e]))
    vehicles = tuple(
        Vehicle(
            id=f"eng{k}",
            start=k,
            end=k,
            shift_start_s=8 * HOUR,
            shift_end_s=shift_end[k],
            skills=frozenset(skills[k]) if soft else frozenset(),
            cost_per_km_gr=80,
            cost_per_hour_gr=9000,
        )
        for k in range(engineers)
    )
    return RoutingProblem(duration, distance, vehicles, tuple(jobs), tuple(pairs))


def _run(problem: RoutingProblem, solver: str, limit: float) -> dict[str, object]:
    began = time.perf_counter()
    if solver == "ours":
        routes = solve(problem, SolveParams(time_limit_s=limit, seed=1)).evaluation.route_jobs
    elif solver == "ortools":
        found = ORToolsEngine().solve(
            problem, time_limit_s=limit, seed=1, max_iterations=None, warm_start=None
        )
        routes = found if found is not None else tuple(() for _ in problem.vehicles)
    else:
        routes = vroom_routes(problem, timeout_s=limit)
    seconds = time.perf_counter() - began
    ev = evaluate(problem, routes)
    return {
        "solver": solver,
        "limit": limit,
        "seconds": round(seconds, 2),
        "feasible": ev.feasible,
        "violations": len(ev.violations),
        "cost_gr": ev.costs.total_gr,
        "served": problem.num_jobs - len(ev.dropped),
        "late_gr": ev.costs.lateness_gr,
        "vehicles": ev.vehicles_used,
    }


def _gaps(runs: list[dict[str, object]]) -> None:
    """Add each of our runs' gap to the cheapest feasible reference run at the same limit."""
    for run in runs:
        refs = [
            int(str(r["cost_gr"]))
            for r in runs
            if r["solver"] != "ours" and r["feasible"] and r["limit"] == run["limit"]
        ]
        if run["solver"] == "ours" and refs and run["feasible"]:
            run["gap_to_best_reference_pct"] = round(
                100 * (int(str(run["cost_gr"])) / min(refs) - 1), 2
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visits", default="400,1000")
    parser.add_argument("--limits", default="5,30")
    parser.add_argument("--variants", default="hard,soft")
    parser.add_argument("--seeds", default="2026", help="instance seeds, comma-separated")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "scale.json")
    parser.add_argument("--regap", action="store_true", help="recompute gaps in --out and stop")
    args = parser.parse_args()
    if args.regap:
        saved = json.loads(args.out.read_text())
        for entry in saved:
            _gaps(entry["runs"])
        args.out.write_text(json.dumps(saved, indent=1))
        print(json.dumps(saved))
        return 0
    report = []
    cases = [
        (int(v), variant, int(seed))
        for v in args.visits.split(",")
        for variant in args.variants.split(",")
        for seed in args.seeds.split(",")
    ]
    for visits, variant, seed in cases:
        engineers = 120 if visits <= 400 else 300
        problem = national_day(visits, engineers, seed=seed, soft=variant == "soft")
        began, cpu = time.perf_counter(), time.process_time()
        first = evaluate(problem, greedy_routes(problem))
        cpu = time.process_time() - cpu
        entry: dict[str, object] = {
            "visits": visits,
            "engineers": engineers,
            "jobs": problem.num_jobs,
            "pairs": len(problem.pairs),
            "variant": variant,
            "seed": seed,
            "first_feasible_s": round(time.perf_counter() - began, 3),
            "first_feasible_cpu_s": round(cpu, 3),
            "first_feasible": first.feasible,
            "first_cost_gr": first.costs.total_gr,
        }
        runs = []
        for limit in (float(x) for x in args.limits.split(",")):
            refs = ["ortools"] if variant == "soft" else ["ortools", "vroom"]
            for solver in ["ours", *refs]:
                runs.append(_run(problem, solver, limit))
        _gaps(runs)
        entry["runs"] = runs
        report.append(entry)
        print(json.dumps(entry), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
