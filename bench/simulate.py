"""One simulated year of about 20,000 tickets on one core (issue 10's target: <= 60 s).

Runs ``data/scenarios/bench_20k.toml`` (the demo network, failure rates x210, stock x12) in
this process, one replication, and prints one JSON object: tickets, wall time per replication
(setup excluded and included) and its CPU time (the machine may be shared: compare with the
load average printed), milliseconds per ticket, and where the time goes: setup (world,
gazetteer, road matrix; once per process), encoding each day's world, planning tickets
(candidates + phase-1 commit), and the rest (event heap, restocks, result tables); with
``--profile``, the functions with the most own time. Outcome shares are printed as a sanity
check. Run: ``.venv/bin/python bench/simulate.py [--days 365] [--replication 0] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import os
import pstats
import time

from depots.replications import replication
from depots.simulation import prepare
from depots.simulation_params import SCENARIO_DIR, SimulationParams

TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--replication", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="list the top functions")
    args = parser.parse_args()
    params = SimulationParams.from_toml(SCENARIO_DIR / "bench_20k.toml")
    params = dataclasses.replace(params, days=args.days)

    began = time.perf_counter()
    prepare(params)
    setup_s = time.perf_counter() - began
    profiler = cProfile.Profile() if args.profile else None
    began, cpu_began = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    result = replication(params, args.replication)
    if profiler is not None:
        profiler.disable()
    run_s = time.perf_counter() - began
    cpu_s = time.process_time() - cpu_began
    t = result.tickets
    encode_s, plan_s = result.time_in["encode_s"], result.time_in["plan_s"]
    out: dict[str, object] = {
        "scenario": params.name,
        "days": params.days,
        "tickets": len(t),
        "setup_s": round(setup_s, 2),
        "run_s": round(run_s, 2),
        "run_with_setup_s": round(run_s + setup_s, 2),
        "cpu_s": round(cpu_s, 2),
        "ms_per_ticket": round(1000 * run_s / max(len(t), 1), 3),
        "cpu_ms_per_ticket": round(1000 * cpu_s / max(len(t), 1), 3),
        "target_s": TARGET_S,
        "target_met_wall": run_s + setup_s <= TARGET_S,
        "target_met_cpu": cpu_s + setup_s <= TARGET_S,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "time_in": {
            "encode_day_worlds_s": round(encode_s, 2),
            "plan_tickets_s": round(plan_s, 2),
            "events_and_tables_s": round(run_s - encode_s - plan_s, 2),
        },
        "shares": {k: round(float(v), 4) for k, v in t.status.value_counts(normalize=True).items()},
    }
    if profiler is not None:
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).sort_stats("tottime")
        out["top_own_time"] = [
            {"function": f"{path.rsplit('/', 2)[-1]}:{line}:{name}", "s": round(row[2], 2)}
            for (path, line, name), row in sorted(
                stats.stats.items(),  # type: ignore[attr-defined]
                key=lambda kv: -kv[1][2],
            )[:12]
        ]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
