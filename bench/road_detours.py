"""Detour audit of the road network: model road km / great-circle km between large towns.

A route far longer than the straight line usually means a road or junction missing from the
authored network (``data/geo/roads/trunk_roads.txt``), not a real detour. For every pair of the
``--towns`` most populous towns in ``data/geo/places.csv`` that lie ``--min-km``..``--max-km``
apart, prices the pair at free flow with ``RoadTravel`` and prints one JSON object: the ratio's
median, p90 and max, how many pairs exceed ``--flag``, and the ``--worst`` pairs with the
network path between the towns' nearest nodes (a diagnostic aid: the model may join the
network at another of its 4 access nodes) and ``shortest_km``, the shortest road distance the
network offers between those nodes plus the access legs: a pair whose ``shortest_km`` is also
far above the straight line lacks a road; one whose ``shortest_km`` is near it takes a longer,
faster road (a matter of class speeds, not of missing roads).
Run: ``.venv/bin/python bench/road_detours.py [--network FILE] [--towns 60] [--worst 40]``.
"""

from __future__ import annotations

import argparse
import csv
import json
from itertools import pairwise
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from solver.travel.geo import haversine_m
from solver.travel.road import DEFAULT_NETWORK, RoadTravel

PLACES = Path(__file__).resolve().parent.parent / "data" / "geo" / "places.csv"


Town = tuple[str, float, float]  # name, lat, lon


def largest_towns(count: int) -> list[Town]:
    """The ``count`` most populous towns as (name, lat, lon)."""
    with PLACES.open(encoding="utf-8") as f:
        towns = [row for row in csv.DictReader(f) if row["kind"] == "town"]
    towns.sort(key=lambda row: -int(row["population"] or 0))
    return [(row["name"], float(row["lat"]), float(row["lon"])) for row in towns[:count]]


def _fastest_arcs(model: RoadTravel) -> tuple[csr_matrix, dict[tuple[int, int], str]]:
    """The graph of free-flow arc seconds (fastest of parallel roads) and each arc's road ref."""
    net = model.network
    two_way = ~net.edge_oneway
    u = np.concatenate([net.edge_u, net.edge_v[two_way]])
    v = np.concatenate([net.edge_v, net.edge_u[two_way]])
    cls = np.concatenate([net.edge_class, net.edge_class[two_way]])
    refs = [*net.edge_ref, *(r for r, w in zip(net.edge_ref, two_way, strict=True) if w)]
    length = np.concatenate([net.edge_length_m, net.edge_length_m[two_way]])
    seconds = length / model.speeds.class_mps()[cls]
    best: dict[tuple[int, int], int] = {}
    for i in np.argsort(seconds, kind="stable"):
        best.setdefault((int(u[i]), int(v[i])), int(i))
    rows, cols = zip(*best, strict=True)
    graph = csr_matrix(
        (seconds[list(best.values())], (rows, cols)), shape=(net.n_nodes, net.n_nodes)
    )
    return graph, {arc: refs[i] for arc, i in best.items()}


def shortest_km(model: RoadTravel, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Shortest network km between the nodes nearest ``a`` and ``b``, plus both access legs."""
    net = model.network
    graph = csr_matrix(
        (net.edge_length_m, (net.edge_u, net.edge_v)), shape=(net.n_nodes, net.n_nodes)
    )
    (src, leg_a), (dst, leg_b) = _nearest_node(model, *a), _nearest_node(model, *b)
    metres = dijkstra(graph, directed=False, indices=src)[dst]
    return float(metres + (leg_a + leg_b) * model.speeds.access_detour) / 1000.0


def _nearest_node(model: RoadTravel, lat: float, lon: float) -> tuple[int, float]:
    """The network node nearest a point and its great-circle distance in metres."""
    net = model.network
    metres = haversine_m(
        np.full(net.n_nodes, lat), np.full(net.n_nodes, lon), net.node_lat, net.node_lon
    )
    node = int(np.argmin(metres))
    return node, float(metres[node])


def network_path(model: RoadTravel, a: tuple[float, float], b: tuple[float, float]) -> str:
    """Node names and road refs along the fastest path between the nodes nearest ``a`` and ``b``."""
    net = model.network
    graph, ref = _fastest_arcs(model)
    src, dst = _nearest_node(model, *a)[0], _nearest_node(model, *b)[0]
    _, pred = dijkstra(graph, indices=src, return_predecessors=True)
    path = [dst]
    while path[-1] != src and pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    path.reverse()
    steps = [net.node_name[path[0]]]
    steps += [f"-{ref[(x, y)]}-> {net.node_name[y]}" for x, y in pairwise(path)]
    return " ".join(steps)


def audit(
    model: RoadTravel, towns: list[Town], lo_km: float, hi_km: float
) -> list[tuple[int, int, float, float, float]]:
    """(i, j, great-circle km, road km, minutes) for every town pair lo_km..hi_km apart."""
    pts: NDArray[np.float64] = np.array([[lat, lon] for _, lat, lon in towns])
    seconds, metres = model.matrix(pts, pts)
    geo = haversine_m(pts[:, None, 0], pts[:, None, 1], pts[None, :, 0], pts[None, :, 1]) / 1000.0
    return [
        (i, j, float(geo[i, j]), float(metres[i, j]) / 1000.0, float(seconds[i, j]) / 60.0)
        for i in range(len(towns))
        for j in range(i + 1, len(towns))
        if lo_km <= geo[i, j] <= hi_km
    ]


def main() -> None:
    """Parse arguments, audit, print the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", type=Path, default=DEFAULT_NETWORK)
    parser.add_argument("--towns", type=int, default=60)
    parser.add_argument("--min-km", type=float, default=30.0)
    parser.add_argument("--max-km", type=float, default=400.0)
    parser.add_argument("--flag", type=float, default=1.35)
    parser.add_argument("--worst", type=int, default=40)
    args = parser.parse_args()
    model = RoadTravel.from_file(args.network)
    towns = largest_towns(args.towns)
    pairs = audit(model, towns, args.min_km, args.max_km)
    ratios = np.array([road / geo for _, _, geo, road, _ in pairs])
    worst = np.argsort(-ratios, kind="stable")[: args.worst]
    summary = {
        "benchmark": "road_detours",
        "network": str(args.network),
        "towns": len(towns),
        "pairs": len(pairs),
        "ratio_median": round(float(np.median(ratios)), 3),
        "ratio_p90": round(float(np.percentile(ratios, 90)), 3),
        "ratio_max": round(float(ratios.max()), 3),
        f"above_{args.flag}": int((ratios > args.flag).sum()),
        "worst": [
            {
                "from": towns[i][0],
                "to": towns[j][0],
                "geo_km": round(geo, 1),
                "road_km": round(road, 1),
                "minutes": round(minutes, 1),
                "ratio": round(road / geo, 3),
                "shortest_km": round(shortest_km(model, towns[i][1:], towns[j][1:]), 1),
                "path": network_path(model, towns[i][1:], towns[j][1:]),
            }
            for i, j, geo, road, minutes in (pairs[k] for k in worst)
        ],
    }
    print(json.dumps(summary, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
