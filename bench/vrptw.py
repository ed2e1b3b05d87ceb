"""Routing benchmark: our engine against PyVRP, VROOM and plain OR-Tools, side by side, one run.

Usage::

    .venv/bin/python bench/vrptw.py                      # 56 Solomon, limits 1 s and 10 s
    .venv/bin/python bench/vrptw.py --sets lilim --instances lc101,lc201,lr101,lr201,lrc101,lrc201
    .venv/bin/python bench/vrptw.py --sets homberger     # the 60 200-customer instances
    .venv/bin/python bench/vrptw.py --report-only        # table from the results file
    .venv/bin/python bench/vrptw.py --resume --out F     # continue an interrupted run in F

Every solver's routes are re-checked by our evaluator on our own parse of the file (DIMACS
distances for Solomon and Homberger, x1000 for Li & Lim). Rows are appended to a JSON-lines
file as they finish (a run starts its file anew; ``--resume`` keeps the rows already there and
runs only the missing ones, so a long run survives an interruption); a markdown table of gaps per
instance goes next to it and a JSON summary is printed. One solver runs at a time, one thread.

References (benchmark-only, the ``bench`` extra): PyVRP as shipped (its own Solomon reader
for VRPTW, our adapter for Li & Lim, which PyVRP cannot read), VROOM via pyvroom at exploration
level 5 (it stops by itself), OR-Tools routing with parallel cheapest insertion and guided
local search (our engine's OR-Tools adapter without our warm start).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))


from solver.routing.benchmarks import BenchmarkInstance, read_lilim, read_solomon  # noqa: E402
from solver.routing.engines.ortools_engine import ORToolsEngine  # noqa: E402
from solver.routing.engines.pyvrp_engine import PyVRPEngine  # noqa: E402
from solver.routing.evaluator import evaluate  # noqa: E402
from solver.routing.model import Routes, RoutingProblem  # noqa: E402
from solver.routing.params import SolveParams  # noqa: E402
from solver.routing.solve import solve  # noqa: E402

DATA = ROOT / "data"
SETS = {
    "solomon": (DATA / "solomon", read_solomon, "dimacs_distance_cost", "dimacs_distance_vehicles"),
    "homberger": (DATA / "homberger", read_solomon, "hier_distance_double", "hier_vehicles"),
    "lilim": (DATA / "lilim", read_lilim, "hier_distance_double", "hier_vehicles"),
}
SOLVERS = ("ours", "pyvrp", "vroom", "ortools")
SEED = 1


def _ours(inst: BenchmarkInstance, path: Path, limit: float) -> Routes | None:
    del path
    result = solve(inst.problem, SolveParams(time_limit_s=limit, seed=SEED))
    return result.evaluation.route_jobs


def _pyvrp(inst: BenchmarkInstance, path: Path, limit: float) -> Routes | None:
    del path  # PyVRP 0.14 reads only VRPLIB files: same data through our adapter, no warm start
    return PyVRPEngine(shipped_params=True).solve(
        inst.problem, time_limit_s=limit, seed=SEED, max_iterations=None, warm_start=None
    )


def _vroom(inst: BenchmarkInstance, path: Path, limit: float) -> Routes | None:
    del path, limit  # VROOM has no time limit at level 5; it stops by itself
    return vroom_routes(inst.problem)


def vroom_routes(p: RoutingProblem, timeout_s: float | None = None) -> Routes:
    """VROOM (level 5, one thread) on ``p``: our arc costs as its cost matrix, fixed costs kept.

    Handles capacities, windows, pickup-delivery pairs and skills; soft deadlines are not
    modelled (VROOM has none), so callers use it only on hard-window problems.
    """
    import vroom

    rates = {(v.cost_per_km_gr, v.cost_per_hour_gr) for v in p.vehicles}
    if len(rates) > 1:
        raise ValueError("vroom reference: vehicles must share per-km and per-hour rates")
    ((per_km, per_h),) = rates
    inp = vroom.Input()
    inp.set_durations_matrix("car", p.duration_s)
    # Arc cost in grosze (VROOM refuses costs that could overflow its 32-bit user costs).
    arc_gr = np.rint(p.distance_m * (per_km / 1000) + p.duration_s * (per_h / 3600))
    inp.set_costs_matrix("car", arc_gr.astype(np.int64))
    skill_ids = {name: k for k, name in enumerate(sorted({j.skill for j in p.jobs if j.skill}))}
    for k, v in enumerate(p.vehicles):
        inp.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=v.start,
                end=v.end,
                capacity=[min(v.capacity, 2**31 - 1)],
                time_window=vroom.TimeWindow(v.shift_start_s, min(v.shift_end_s, 2**32 - 1)),
                skills={skill_ids[s] for s in v.skills if s in skill_ids},
                costs=vroom.VehicleCosts(fixed=v.fixed_cost_gr),
            )
        )

    def window(j: int) -> list[vroom.TimeWindow]:
        return [vroom.TimeWindow(early, late) for early, late in p.jobs[j].windows]

    def skills(j: int) -> set[int]:
        return {skill_ids[p.jobs[j].skill]} if p.jobs[j].skill else set()

    for j, job in enumerate(p.jobs):
        if j not in p.pair_of:
            inp.add_job(
                vroom.Job(
                    j + 1,
                    location=job.location,
                    default_service=job.service_s,
                    delivery=[job.demand],
                    time_windows=window(j),
                    skills=skills(j),
                )
            )
    for pair in p.pairs:
        pick, deliv = (
            vroom.ShipmentStep(
                j + 1,
                location=p.jobs[j].location,
                default_service=p.jobs[j].service_s,
                time_windows=window(j),
            )
            for j in (pair.pickup, pair.delivery)
        )
        inp.add_shipment(
            pick, deliv, amount=vroom.Amount([pair.amount]), skills=skills(pair.pickup)
        )
    timeout = None if timeout_s is None else datetime.timedelta(seconds=timeout_s)
    sol = inp.solve(exploration_level=5, nb_threads=1, timeout=timeout)
    routes: list[list[int]] = [[] for _ in p.vehicles]
    for row in sol.routes.itertuples():
        if row.type in ("job", "pickup", "delivery"):
            routes[int(row.vehicle_id) - 1].append(int(row.id) - 1)
    return tuple(tuple(r) for r in routes)


def _ortools(inst: BenchmarkInstance, path: Path, limit: float) -> Routes | None:
    del path
    return ORToolsEngine().solve(
        inst.problem, time_limit_s=limit, seed=SEED, max_iterations=None, warm_start=None
    )


RUNNERS: dict[str, Callable[[BenchmarkInstance, Path, float], Routes | None]] = {
    "ours": _ours,
    "pyvrp": _pyvrp,
    "vroom": _vroom,
    "ortools": _ortools,
}


def _bks(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "bks.csv") as fh:
        return {row["instance"].lower(): row for row in csv.DictReader(fh)}


def _run_one(set_name: str, path: Path, solver: str, limit: float) -> dict[str, object]:
    folder, reader, cost_key, veh_key = SETS[set_name]
    inst = reader(path)
    began = time.perf_counter()
    routes = RUNNERS[solver](inst, path, limit)
    seconds = time.perf_counter() - began
    row: dict[str, object] = {
        "set": set_name,
        "instance": inst.name,
        "solver": solver,
        "limit": limit,
        "seconds": round(seconds, 3),
    }
    best = _bks(folder).get(inst.name.lower(), {})
    if routes is None:
        return row | {"feasible": False, "violations": ["no solution"]}
    ev = evaluate(inst.problem, routes)
    distance = ev.distance_m / inst.scale
    row |= {
        "feasible": ev.feasible,
        "violations": list(ev.violations[:3]),
        "vehicles": ev.vehicles_used,
        "distance": distance,
    }
    if best.get(cost_key):
        row["bks_distance"] = float(best[cost_key])
        row["bks_vehicles"] = int(best[veh_key]) if best.get(veh_key) else None
        row["gap_pct"] = round(100 * (distance / float(best[cost_key]) - 1), 3)
    return row


def _done(out: Path) -> set[tuple[str, str, str, float]]:
    if not out.exists():
        return set()
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return {(r["set"], r["instance"], r["solver"], float(r["limit"])) for r in rows}


def _limits_for(solver: str, limits: list[float]) -> list[float]:
    return [0.0] if solver == "vroom" else limits


def _report(out: Path, md: Path) -> dict[str, object]:
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    columns = sorted(
        {(r["solver"], float(r["limit"])) for r in rows}, key=lambda c: (SOLVERS.index(c[0]), c[1])
    )
    names = {c: f"{c[0]} {'lvl5' if c[0] == 'vroom' else f'{c[1]:g}s'}" for c in columns}
    summary: dict[str, object] = {}
    lines = []
    for set_name in SETS:
        sub = [r for r in rows if r["set"] == set_name]
        if not sub:
            continue
        instances = sorted({r["instance"] for r in sub})
        by = {(r["instance"], r["solver"], float(r["limit"])): r for r in sub}
        lines += [
            f"## {set_name}",
            "",
            "| instance | BKS | " + " | ".join(names[c] for c in columns) + " |",
        ]
        lines.append("|---" * (len(columns) + 2) + "|")

        def cell(r: dict[str, object] | None, set_name: str = set_name) -> str:
            if r is None:
                return ""
            if not r["feasible"]:
                return "infeasible"
            veh = f" ({r['vehicles']}v)" if set_name == "lilim" else ""
            return f"{r.get('gap_pct', float('nan')):.2f} %{veh}"

        for name in instances:
            anyrow = next(r for r in sub if r["instance"] == name)
            bks = anyrow.get("bks_distance", "")
            if set_name == "lilim":
                bks = f"{bks} ({anyrow.get('bks_vehicles')}v)"
            lines.append(
                f"| {name} | {bks} | "
                + " | ".join(cell(by.get((name, *c))) for c in columns)
                + " |"
            )
        means = []
        for c in columns:
            rs = [by[(n, *c)] for n in instances if (n, *c) in by]
            gaps = [float(r["gap_pct"]) for r in rs if r["feasible"] and "gap_pct" in r]
            feasible = sum(1 for r in rs if r["feasible"])
            entry = {
                "instances": len(rs),
                "feasible": feasible,
                "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
                "mean_seconds": round(statistics.fmean(float(r["seconds"]) for r in rs), 2)
                if rs
                else None,
            }
            if set_name == "lilim":
                entry["bks_vehicles_matched"] = sum(
                    1 for r in rs if r["feasible"] and r.get("vehicles") == r.get("bks_vehicles")
                )
            summary[f"{set_name}/{names[c]}"] = entry
            means.append(
                f"**{entry['mean_gap_pct']} %** ({feasible}/{len(rs)} feasible)"
                if gaps
                else f"({feasible}/{len(rs)} feasible)"
            )
        lines.append("| **mean** | | " + " | ".join(means) + " |")
        lines.append("")
    md.write_text(
        "# Routing benchmark: gap to best-known distance\n\n"
        "Generated by `bench/vrptw.py` from `"
        + out.name
        + "`. Gap = distance / BKS - 1. Solomon BKS are "
        "distance-only DIMACS optima; Li & Lim and Homberger BKS are vehicles-first double "
        "values (so distance gaps can be negative there).\n\n" + "\n".join(lines)
    )
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="solomon", help="comma list of: " + ", ".join(SETS))
    parser.add_argument(
        "--instances", default="", help="comma list of instance names (default all)"
    )
    parser.add_argument("--limits", default="1,10", help="time limits in seconds, comma list")
    parser.add_argument(
        "--solvers", default=",".join(SOLVERS), help="comma list of: " + ", ".join(SOLVERS)
    )
    parser.add_argument("--out", type=Path, default=ROOT.parent / "out" / "vrptw.jsonl")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument(
        "--resume", action="store_true", help="keep the rows already in --out, run the rest"
    )
    args = parser.parse_args()
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        limits = [float(x) for x in args.limits.split(",")]
        wanted = {x.lower() for x in args.instances.split(",") if x}
        if args.resume:
            done = _done(out)
            print(f"resuming {out}: {len(done)} runs kept", file=sys.stderr)
        else:
            out.write_text("")
            done = set()
        for set_name in args.sets.split(","):
            folder = SETS[set_name][0]
            files = sorted(
                f for f in folder.glob("*.txt") if not wanted or f.stem.lower() in wanted
            )
            for path in files:
                for solver in args.solvers.split(","):
                    for limit in _limits_for(solver, limits):
                        if (set_name, path.stem, solver, limit) in done:
                            continue
                        row = _run_one(set_name, path, solver, limit)
                        with open(out, "a") as fh:
                            fh.write(json.dumps(row) + "\n")
    summary = _report(out, out.with_suffix(".md"))
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
