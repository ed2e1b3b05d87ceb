"""OSRM against the authored road model, on an extract made from the authored network (issue 23).

The embedded trunk network (plus a street grid around Kraków's centre) is written as an
OpenStreetMap file (``dispatch.osm_export``) and built with OSRM's toolchain both ways (CH, the
default, and MLD). Printed as one JSON object:

- ``build``: file size, seconds per step and peak dataset size for each algorithm;
- ``table``: a 1,000 x 1,000 matrix of random points in Poland through ``OsrmTravel.matrix``
  (OSRM's table plus the project's access legs; free flow and Monday 08:00), best of ``--repeat``,
  on CH and on MLD, and the authored model's time for the same matrix;
- ``agreement``: OSRM's node-to-node times and lengths over the authored ones (pairs > 10 min);
- ``demo``: the demo day (80 tickets, seed 0, ``dispatch demo``'s defaults) replayed on the
  authored model and on OSRM: on time, per tier, cost.

Run: ``.venv/bin/python bench/osrm_roads.py [--repeat 3] [--no-demo]`` (needs Python >= 3.12).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from depots.day_report import summarise
from depots.demand import draw_tickets
from depots.demo_world import load
from depots.simulation import simulate_day
from depots.simulation_params import SimulationParams
from dispatch.cli.demo_cmd import DEFAULT_DAY, DEFAULT_TICKETS
from dispatch.osm_export import StreetGrid, write_osm
from dispatch.roads_build import build
from solver.travel.model import TravelModel
from solver.travel.network import RoadNetwork
from solver.travel.osrm import OsrmTravel
from solver.travel.road import DEFAULT_NETWORK, RoadTravel


def timed_matrix(model: TravelModel, points: np.ndarray, hour: float | None, repeat: int) -> float:
    """Best wall seconds of ``repeat`` square matrices over ``points``."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        model.matrix(points, points, hour)
        best = min(best, time.perf_counter() - began)
    return round(best, 3)


def agreement(osrm: OsrmTravel, road: RoadTravel) -> dict[str, Any]:
    """OSRM over the authored model between the network's nodes (pairs > 10 min apart)."""
    net = road.network
    nodes = np.flatnonzero(road.tables.main_component)
    at = np.column_stack([net.node_lat[nodes], net.node_lon[nodes]])
    seconds, metres = osrm.matrix(at, at)
    authored_t, authored_m, _ = road.tables.block(nodes, nodes)
    far = authored_t > 600
    time_ratio = seconds[far] / authored_t[far]
    length_ratio = metres[far] / authored_m[far]
    return {
        "pairs": int(far.sum()),
        "time_ratio_p1_p50_p99": [
            round(float(q), 4) for q in np.percentile(time_ratio, [1, 50, 99])
        ],
        "time_ratio_max": round(float(time_ratio.max()), 4),
        "length_ratio_p1_p50_p99": [
            round(float(q), 4) for q in np.percentile(length_ratio, [1, 50, 99])
        ],
    }


def demo_day(travel: TravelModel) -> dict[str, Any]:
    """The demo's default day on ``travel``."""
    world = load()
    day = date.fromisoformat(DEFAULT_DAY)
    tickets = draw_tickets(world, day, DEFAULT_TICKETS, np.random.default_rng(0))
    summary = summarise(simulate_day(world, tickets, travel, SimulationParams.demo_day(day)))
    return {
        "on_time": summary.on_time,
        "tickets": summary.tickets,
        "by_tier": {f.tier: f"{f.on_time}/{f.tickets}" for f in summary.by_tier if f.tickets},
        "cost_pln": summary.cost_pln,
        "wall_s": round(summary.wall_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    road = RoadTravel.default()
    out: dict[str, Any] = {"benchmark": "osrm_roads", "load_1min_start": os.getloadavg()[0]}
    rng = np.random.default_rng(11)
    points = np.column_stack([rng.uniform(49.3, 54.5, 1_000), rng.uniform(14.5, 23.8, 1_000)])
    with tempfile.TemporaryDirectory() as folder:
        extract = write_osm(
            RoadNetwork.load(DEFAULT_NETWORK), Path(folder) / "trunk.osm.pbf",
            grid=StreetGrid("Kraków"),
        )  # fmt: skip
        out["extract_bytes"] = extract.stat().st_size
        builds, tables = {}, {}
        models: dict[str, OsrmTravel] = {}
        for algorithm in ("ch", "mld"):
            steps: dict[str, float] = {}
            began = time.perf_counter()

            def progress(line: str, steps: dict[str, float] = steps) -> None:
                if line.endswith(" s"):
                    step, seconds = line.split(" done in ")
                    steps[step] = float(seconds.removesuffix(" s"))

            dataset = build(
                extract, Path(folder) / algorithm, algorithm=algorithm, progress=progress
            )
            size = sum(p.stat().st_size for p in dataset.parent.glob(f"{dataset.name}*"))
            builds[algorithm] = {
                "steps_s": steps,
                "total_s": round(time.perf_counter() - began, 2),
                "dataset_bytes": size,
            }
            models[algorithm] = OsrmTravel(dataset, road)
            tables[algorithm] = {
                "free_flow_s": timed_matrix(models[algorithm], points, None, args.repeat),
                "monday_8_s": timed_matrix(models[algorithm], points, 8.0, args.repeat),
            }
        tables["authored"] = {
            "free_flow_s": timed_matrix(road, points, None, args.repeat),
            "monday_8_s": timed_matrix(road, points, 8.0, args.repeat),
        }
        out["build"] = builds
        out["table_1000x1000"] = tables
        out["agreement"] = agreement(models["ch"], road)
        if not args.no_demo:
            out["demo"] = {"authored": demo_day(road), "osrm": demo_day(models["ch"])}
    out["load_1min_end"] = os.getloadavg()[0]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
