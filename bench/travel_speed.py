"""Road-model speed: network load, single-query latency and a 1,000 x 1,000 matrix (issue 4).

Prints one JSON object. Run: ``.venv/bin/python bench/travel_speed.py [--n 1000] [--seed 7]``.

- ``load_cold_s``: ``RoadTravel.from_file`` with an empty cache (builds and caches the tables);
- ``load_s``: the same with the cache warm (what every later process pays);
- ``gazetteer_load_s``: ``Gazetteer.default()`` (places and postal codes);
- ``query_ms``: median of 1,000 single-pair ``matrix`` calls between random places;
- ``matrix_s``: one ``n x n`` matrix between random Polish places (median of 3 runs);
- ``resolve_per_s``: geocoding rate over the names of 20,000 random places after load
  (ambiguous names are refused with their candidates, which counts as a resolution).
Targets: load <= 2 s, query <= 1 ms, matrix <= 1 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from dispatch.places import Gazetteer
from solver.travel.road import DEFAULT_NETWORK, RoadTravel


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        RoadTravel.from_file(DEFAULT_NETWORK, cache_dir=Path(tmp))
        load_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        road = RoadTravel.from_file(DEFAULT_NETWORK, cache_dir=Path(tmp))
        load_warm = time.perf_counter() - t0

    t0 = time.perf_counter()
    gazetteer = Gazetteer.default()
    gazetteer_load = time.perf_counter() - t0
    places = gazetteer.places
    pts = np.array([[p.lat, p.lon] for p in places])

    picks = rng.integers(0, len(pts), size=(1000, 2))
    latencies = []
    for a, b in picks:
        t0 = time.perf_counter()
        road.matrix(pts[a : a + 1], pts[b : b + 1])
        latencies.append(time.perf_counter() - t0)

    origins = pts[rng.integers(0, len(pts), size=args.n)]
    destinations = pts[rng.integers(0, len(pts), size=args.n)]
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        seconds, _ = road.matrix(origins, destinations)
        runs.append(time.perf_counter() - t0)

    # Names of random places (repeats hit the memo, as repeated sites in a scenario do).
    names = [places[i].name for i in rng.integers(0, len(places), size=20_000)]
    t0 = time.perf_counter()
    for name in names:
        # Ambiguous names are refused, which is part of the work measured.
        with contextlib.suppress(ValueError):
            gazetteer.resolve(name)
    resolve_rate = len(names) / (time.perf_counter() - t0)

    print(
        json.dumps(
            {
                "benchmark": "travel_speed",
                "network_nodes": road.network.n_nodes,
                "network_edges": len(road.network.edge_ref),
                "load_cold_s": round(load_cold, 3),
                "load_s": round(load_warm, 3),
                "gazetteer_load_s": round(gazetteer_load, 3),
                "query_ms": round(1000 * statistics.median(latencies), 3),
                "query_p90_ms": round(1000 * float(np.percentile(latencies, 90)), 3),
                "matrix_n": args.n,
                "matrix_s": round(statistics.median(runs), 3),
                "matrix_mean_min": round(float(seconds.mean()) / 60.0, 1),
                "resolve_per_s": round(resolve_rate),
                "resolve_distinct_names": len(set(names)),
                "targets": {"load_s": 2.0, "query_ms": 1.0, "matrix_s": 1.0},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
