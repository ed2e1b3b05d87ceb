"""A road network written as an OpenStreetMap file (pyosmium), for building an OSRM dataset.

The full Poland extract is a download; a dataset made from the authored network (and, where
streets matter, a street grid for one town) can be built anywhere, offline, in seconds. It is
what the OSRM tests and ``bench/osrm_roads.py`` build, and it lets the two models be compared
on the same roads.

Each edge becomes one way with OSM's tags for its class; its ``maxspeed`` is the class's speed
divided by the OSRM car profile's ``speed_reduction`` (0.8), so OSRM drives it at the authored
speed. An edge longer than the straight line between its ends gets one bend (a node off the
middle) that makes the way exactly as long, so OSRM's distance is the authored length too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver.travel.geo import haversine_m
from solver.travel.network import ROAD_CLASSES, RoadNetwork
from solver.travel.speeds import RoadSpeeds

OSRM_SPEED_REDUCTION = 0.8  # the car profile drives maxspeed x 0.8
HIGHWAY = {
    "motorway": "motorway",
    "expressway": "trunk",
    "national": "primary",
    "regional": "secondary",
    "urban": "primary",
    "link": "motorway_link",
}
M_PER_DEG_LAT = 111_195.0


@dataclass(frozen=True, slots=True)
class StreetGrid:
    """A town's street grid centred on one network node: ``size`` x ``size`` junctions
    ``spacing_m`` apart; every other east-west street is one-way (alternating directions),
    north-south streets are two-way; residential streets at ``kmh``."""

    town: str
    size: int = 9
    spacing_m: float = 400.0
    kmh: float = 30.0


def write_osm(
    network: RoadNetwork,
    path: Path,
    speeds: RoadSpeeds | None = None,
    grid: StreetGrid | None = None,
) -> Path:
    """Write ``network`` (and ``grid``) to ``path`` (``.osm.pbf`` or ``.osm``); return it.

    Raises
    ------
    ValueError
        ``grid`` names a town that is not a node, or is smaller than 3 x 3.
    """
    import osmium

    kmh = (speeds or RoadSpeeds()).class_mps() * 3.6
    nodes: list[tuple[int, float, float]] = [
        (i + 1, float(network.node_lat[i]), float(network.node_lon[i]))
        for i in range(network.n_nodes)
    ]
    ways: list[tuple[list[int], dict[str, str]]] = []
    for e in range(len(network.edge_ref)):
        u, v = int(network.edge_u[e]), int(network.edge_v[e])
        refs = [u + 1, v + 1]
        bend = _bend(network, u, v, float(network.edge_length_m[e]))
        if bend is not None:
            nodes.append((len(nodes) + 1, *bend))
            refs = [u + 1, len(nodes), v + 1]
        road_class = int(network.edge_class[e])
        tags = {
            "highway": HIGHWAY[ROAD_CLASSES[road_class]],
            "maxspeed": f"{kmh[road_class] / OSRM_SPEED_REDUCTION:.0f}",
            "oneway": "yes" if network.edge_oneway[e] else "no",
        }
        if network.edge_ref[e]:
            tags["ref"] = network.edge_ref[e]
        ways.append((refs, tags))
    if grid is not None:
        _grid(network, grid, nodes, ways)
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:  # nodes first, then ways, each by id: what OSM files hold and tools expect
        for node, lat, lon in nodes:
            writer.add_node(osmium.osm.mutable.Node(id=node, version=1, location=(lon, lat)))
        for way, (refs, tags) in enumerate(ways, start=1):
            writer.add_way(osmium.osm.mutable.Way(id=way, version=1, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


def _bend(network: RoadNetwork, u: int, v: int, length_m: float) -> tuple[float, float] | None:
    """A point off the middle of u-v making the two straight halves ``length_m`` long."""
    lat = np.array([network.node_lat[u], network.node_lat[v]])
    lon = np.array([network.node_lon[u], network.node_lon[v]])
    straight = float(haversine_m(lat[0], lon[0], lat[1], lon[1]))
    if length_m <= straight * 1.001 or straight == 0.0:
        return None
    offset = math.sqrt((length_m / 2) ** 2 - (straight / 2) ** 2)
    mid_lat, mid_lon = float(lat.mean()), float(lon.mean())
    per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(mid_lat))
    north = (lat[1] - lat[0]) * M_PER_DEG_LAT
    east = (lon[1] - lon[0]) * per_deg_lon
    # the unit normal of the u-v direction, in metres
    nx, ny = -north / straight, east / straight
    return mid_lat + ny * offset / M_PER_DEG_LAT, mid_lon + nx * offset / per_deg_lon


def _grid(
    network: RoadNetwork,
    grid: StreetGrid,
    nodes: list[tuple[int, float, float]],
    ways: list[tuple[list[int], dict[str, str]]],
) -> None:
    """Add ``grid``'s junctions to ``nodes`` and its streets to ``ways``."""
    if grid.size < 3:
        raise ValueError(f"StreetGrid.size must be >= 3, got {grid.size}")
    try:
        centre = network.node_name.index(grid.town)
    except ValueError:
        raise ValueError(f"StreetGrid.town {grid.town!r} is not a node of the network") from None
    lat0, lon0 = float(network.node_lat[centre]), float(network.node_lon[centre])
    per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(lat0))
    half = grid.size // 2
    ids: dict[tuple[int, int], int] = {}
    for row in range(grid.size):
        for col in range(grid.size):
            if (row, col) == (half, half):
                ids[row, col] = centre + 1  # the town's node is the grid's middle junction
                continue
            lat = lat0 + (row - half) * grid.spacing_m / M_PER_DEG_LAT
            lon = lon0 + (col - half) * grid.spacing_m / per_deg_lon
            nodes.append((len(nodes) + 1, lat, lon))
            ids[row, col] = len(nodes)
    maxspeed = f"{grid.kmh / OSRM_SPEED_REDUCTION:.0f}"
    for row in range(grid.size):
        street = [ids[row, col] for col in range(grid.size)]
        oneway = row % 2 == 1
        if oneway and row % 4 == 3:
            street.reverse()  # westbound
        tags = {"highway": "residential", "maxspeed": maxspeed, "oneway": "yes" if oneway else "no"}
        ways.append((street, tags))
    for col in range(grid.size):
        street = [ids[row, col] for row in range(grid.size)]
        ways.append((street, {"highway": "residential", "maxspeed": maxspeed, "oneway": "no"}))
