"""A 50-site quote for two tiers (issue 24's target: <= 60 s on 2 cores, 3 replications).

Draws 50 sites deterministically (seed 2026) from the 1,000 candidate towns by population, each
with 2..8 devices of catalogue models by their installed-base share, 70 % SOS and 30 % AHB, and
runs ``dispatch quote`` on them in a fresh process with ``--tier 24x7x4 --tier 8x5xNBD
--replications 3`` against ``baseline`` (a year, failure rates x20), the local process pool,
with the HTML report. Prints one JSON object: the wall time of the whole command (a fresh
process: imports, the road matrices, the verdicts, 9 simulated years, the report), its CPU
time with the process pool's (steadier than the wall time on a shared machine), the load
average before and after, and the quote's headline. Run:
``.venv/bin/python bench/quote.py [--sites 50] [--planner phase1|routing] [--days 365]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from depots.demo_world import load
from depots.placement import candidate_towns

TARGET_S = 60.0


def write_sites(path: Path, count: int, seed: int = 2026) -> None:
    """``count`` sites of the quote bench (see the module docstring) as a sites CSV."""
    rng = np.random.default_rng(seed)
    towns = candidate_towns(1000)
    population = np.array([t.population for t in towns], dtype=np.float64)
    skus = load().skus
    share = np.array([s.share for s in skus], dtype=np.float64)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["site_id", "lat", "lon", "sku", "devices", "service"])
        for k, t in enumerate(rng.choice(len(towns), size=count, p=population / population.sum())):
            town = towns[int(t)]
            service = "SOS" if rng.random() < 0.7 else "AHB"
            models = rng.choice(len(skus), size=int(rng.integers(2, 9)), p=share / share.sum())
            for m, n in zip(*np.unique(models, return_counts=True), strict=True):
                row = [f"B{k + 1:02d}", town.lat, town.lon, skus[int(m)].sku, int(n), service]
                writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--planner", default="phase1", choices=("phase1", "routing"))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-quote-") as scratch:
        sites = Path(scratch) / "sites.csv"
        write_sites(sites, args.sites)
        command = [
            str(Path(sys.executable).with_name("dispatch")),
            "quote", str(sites), "--tier", "24x7x4", "--tier", "8x5xNBD",
            "--replications", str(args.replications), "--days", str(args.days),
            "--planner", args.planner, "--report", str(Path(scratch) / "report"), "--json",
        ]  # fmt: skip
        load_before = os.getloadavg()[0]
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall_s = time.perf_counter() - began
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(done.stderr)
    answer = json.loads(done.stdout)
    tiers = answer["tiers"]
    out = {
        "sites": args.sites,
        "tiers": list(tiers),
        "replications": args.replications,
        "days": args.days,
        "planner": args.planner,
        "wall_s": round(wall_s, 1),
        "target_s": TARGET_S,
        "met": wall_s <= TARGET_S,
        "cpu_s": round(children.ru_utime + children.ru_stime, 1),  # the command and its pool
        "cores": os.cpu_count(),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "reachable": {t: v["reachable"] for t, v in tiers.items()},
        "with_a_change": {t: v["with_a_change"] for t, v in tiers.items()},
        "new_on_time": {t: v["year"]["new_sites"]["share_on_time"] for t, v in tiers.items()},
        "cost_to_serve_pln_year": {
            t: v["cost_to_serve"]["total_pln_year"] for t, v in tiers.items()
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
