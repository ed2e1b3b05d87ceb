"""``dispatch bench vrptw|pdptw``: solve one public benchmark instance (a stable contract).

Prints ``{"instance", "vehicles", "distance", "seconds", "routes"}`` (plus ``engine``) with the
distance in the instance's original unit and routes as the file's customer or task ids.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dispatch.cli import add_topic
from dispatch.errors import Infeasible, InvalidInput
from solver.routing.benchmarks import BenchmarkInstance, read_lilim, read_solomon
from solver.routing.params import SolveParams
from solver.routing.result import Status
from solver.routing.solve import solve

Reader = Callable[[Path], BenchmarkInstance]
_READERS: dict[str, tuple[Reader, str]] = {
    "vrptw": (read_solomon, "Solomon / Gehring & Homberger VRPTW, DIMACS distance objective"),
    "pdptw": (read_lilim, "Li & Lim PDPTW, fewest vehicles then distance"),
}


def register(topics: Any) -> None:
    """Add ``bench vrptw`` and ``bench pdptw``."""
    bench = add_topic(topics, "bench")
    kinds = bench.add_subparsers(dest="bench_kind", required=True)
    for kind, (_, text) in _READERS.items():
        cmd = kinds.add_parser(kind, help=text)
        cmd.add_argument("instance", metavar="INSTANCE_FILE", type=Path)
        cmd.add_argument("--time-limit", type=float, required=True, metavar="S")
        cmd.add_argument("--seed", type=int, default=0, metavar="N")
        cmd.add_argument("--json", action="store_true", help="print one JSON object")
        cmd.set_defaults(handler=_run, bench_reader=kind)


def _run(args: argparse.Namespace) -> int:
    reader, _ = _READERS[args.bench_reader]
    if not args.instance.is_file():
        raise InvalidInput("INSTANCE_FILE", f"no such file: {args.instance}")
    try:
        params = SolveParams(time_limit_s=args.time_limit, seed=args.seed)
    except ValueError as exc:
        flag = "--seed" if "seed" in str(exc) else "--time-limit"
        raise InvalidInput(flag, str(exc)) from None
    try:
        instance = reader(args.instance)
    except ValueError as exc:
        raise InvalidInput("INSTANCE_FILE", str(exc)) from None
    result = solve(instance.problem, params)
    if result.status is not Status.FEASIBLE:
        raise Infeasible(list(result.evaluation.violations[:3]))
    answer = {
        "instance": instance.name,
        "vehicles": result.evaluation.vehicles_used,
        "distance": result.evaluation.distance_m / instance.scale,
        "seconds": round(result.runtime_s, 3),
        "routes": [[instance.ids[j] for j in r.jobs] for r in result.routes if r.stops],
        "engine": result.engine,
    }
    if args.json:
        print(json.dumps(answer))
    else:
        print(
            f"{answer['instance']}: {answer['vehicles']} vehicles, distance {answer['distance']}"
            f" in {answer['seconds']} s ({result.engine})"
        )
    return 0
