"""The embedded network file is what its authored road list compiles to, and covers Poland."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from solver.travel.network import ROAD_CLASSES, RoadNetwork
from solver.travel.road import DEFAULT_NETWORK

ROOT = Path(__file__).resolve().parents[3]


def _build_roads_module():
    spec = importlib.util.spec_from_file_location(
        "build_roads", ROOT / "scripts" / "build_roads.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_network_json_is_reproducible_from_trunk_roads_txt():
    """Re-running the builder on the road list gives exactly the committed network file."""
    built = _build_roads_module().build(DEFAULT_NETWORK.parent / "trunk_roads.txt")
    shipped = RoadNetwork.load(DEFAULT_NETWORK)
    assert built.to_json() == shipped.to_json()


def test_the_required_motorways_and_expressways_are_present():
    """A1, A2, A4, A6, A8, A18 and the main S-roads each have motorway/expressway edges."""
    net = RoadNetwork.load(DEFAULT_NETWORK)
    fast = {ROAD_CLASSES.index("motorway"), ROAD_CLASSES.index("expressway")}
    refs = {ref for ref, cls in zip(net.edge_ref, net.edge_class, strict=True) if cls in fast}
    required = {"A1", "A2", "A4", "A6", "A8", "A18", "S1", "S2", "S3", "S5", "S6", "S7", "S8"}
    required |= {"S10", "S11", "S12", "S14", "S16", "S17", "S19", "S22", "S51", "S52", "S61"}
    assert required <= refs


def test_every_town_of_20000_is_within_40_km_of_the_network():
    """Access legs stay short: no town of 20,000+ people is more than 40 km from a node."""
    import csv

    from solver.travel.geo import haversine_m

    net = RoadNetwork.load(DEFAULT_NETWORK)
    with (ROOT / "data" / "geo" / "places.csv").open(encoding="utf-8") as fh:
        towns = [
            r for r in csv.DictReader(fh) if r["population"] and int(r["population"]) >= 20_000
        ]
    lat = np.array([float(r["lat"]) for r in towns])
    lon = np.array([float(r["lon"]) for r in towns])
    gap = haversine_m(lat[:, None], lon[:, None], net.node_lat[None, :], net.node_lon[None, :])
    nearest_km = gap.min(axis=1) / 1000.0
    far = [(t["name"], round(float(d))) for t, d in zip(towns, nearest_km, strict=True) if d > 40]
    assert not far
