"""Build a road network file from an OpenStreetMap extract (pyosmium), for ``RoadTravel``.

The embedded network (``data/geo/roads``) is a few hundred towns joined by trunk roads. A user who
downloads the full Poland extract (``poland-latest.osm.pbf`` from Geofabrik, © OpenStreetMap
contributors, ODbL) can replace it with the real road geometry::

    dispatch roads import poland-latest.osm.pbf --out roads-osm.json
    export DISPATCH_ROADS=roads-osm.json   # RoadTravel.default() now uses it

What is kept: ways tagged ``highway`` = motorway, trunk, primary (and ``secondary`` with
``include_secondary``), plus their ``_link`` ramps. Road classes: motorway -> motorway; trunk ->
expressway when its ``ref`` names an S-road, else national; primary -> national; secondary ->
regional; ramps -> link. Ways are split at every node shared with another kept way (junctions)
and at their ends; each piece becomes one edge whose length is the sum of its segments' great
circles. ``oneway=yes|true|1`` (implied on motorways and ramps unless ``oneway=no``) and
``oneway=-1`` are honoured.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dispatch.errors import InvalidInput
from solver.travel.geo import haversine_m
from solver.travel.network import ROAD_CLASSES, RoadNetwork

logger = logging.getLogger(__name__)

_BASE = {"motorway": "motorway", "trunk": "national", "primary": "national"}
_SECONDARY = {"secondary": "regional"}
_LINKS = {f"{k}_link" for k in (*_BASE, *_SECONDARY)}
_YES = {"yes", "true", "1"}


@dataclass(frozen=True, slots=True)
class _Way:
    """One kept way: node ids, their coordinates, class, ref and direction."""

    refs: tuple[int, ...]
    lat: tuple[float, ...]
    lon: tuple[float, ...]
    road_class: str
    ref: str
    oneway: bool


def _classify(highway: str, ref: str, include_secondary: bool) -> str | None:
    kinds = _BASE | (_SECONDARY if include_secondary else {})
    if highway in _LINKS and highway.removesuffix("_link") in kinds:
        return "link"
    road_class = kinds.get(highway)
    if highway == "trunk" and ref.upper().lstrip().startswith("S"):
        return "expressway"
    return road_class


def _read_ways(path: Path, include_secondary: bool) -> list[_Way]:
    import osmium  # heavy import, only needed here

    ways = []
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
    )
    for way in processor:
        if not isinstance(way, osmium.osm.Way):
            continue
        highway = way.tags.get("highway") or ""
        ref = way.tags.get("ref") or ""
        road_class = _classify(highway, ref, include_secondary)
        if road_class is None:
            continue
        nodes = [n for n in way.nodes if n.location.valid()]
        if len(nodes) < 2:
            continue
        tag = way.tags.get("oneway") or ""
        implied = highway == "motorway" or highway.endswith("_link")
        oneway = tag in _YES or tag == "-1" or (implied and tag != "no")
        if tag == "-1":
            nodes.reverse()
        ways.append(
            _Way(
                refs=tuple(n.ref for n in nodes),
                lat=tuple(n.lat for n in nodes),
                lon=tuple(n.lon for n in nodes),
                road_class=road_class,
                ref=ref,
                oneway=oneway,
            )
        )
    return ways


def import_osm(path: Path, *, include_secondary: bool = False) -> RoadNetwork:
    """Read an ``.osm``/``.osm.pbf`` file and return its trunk-road graph.

    Raises
    ------
    InvalidInput
        The file does not exist, cannot be read as OSM data, or holds no kept road.
    """
    if not path.is_file():
        raise InvalidInput("FILE", f"no such file: {path}")
    try:
        ways = _read_ways(path, include_secondary)
    except RuntimeError as exc:  # libosmium's parse errors
        raise InvalidInput("FILE", f"cannot read {path} as OpenStreetMap data: {exc}") from None
    if not ways:
        raise InvalidInput("FILE", f"{path} has no motorway, trunk or primary road")
    uses = Counter(r for w in ways for r in w.refs)
    ends = {r for w in ways for r in (w.refs[0], w.refs[-1])}
    index: dict[int, int] = {}
    lat: list[float] = []
    lon: list[float] = []
    edges: list[tuple[int, int, str, str, float, bool]] = []

    def node(ref: int, la: float, lo: float) -> int:
        if ref not in index:
            index[ref] = len(lat)
            lat.append(la)
            lon.append(lo)
        return index[ref]

    for way in ways:
        seg = haversine_m(
            np.array(way.lat[:-1]),
            np.array(way.lon[:-1]),
            np.array(way.lat[1:]),
            np.array(way.lon[1:]),
        )
        start, length = 0, 0.0
        for i in range(1, len(way.refs)):
            length += float(seg[i - 1])
            ref = way.refs[i]
            if i == len(way.refs) - 1 or uses[ref] > 1 or ref in ends:
                u = node(way.refs[start], way.lat[start], way.lon[start])
                v = node(ref, way.lat[i], way.lon[i])
                if u != v and length > 0:
                    edges.append((u, v, way.road_class, way.ref, length, way.oneway))
                start, length = i, 0.0
    if not edges:
        raise InvalidInput("FILE", f"{path} has no road long enough to form an edge")
    network = RoadNetwork(
        node_name=tuple(f"osm:{ref}" for ref in index),
        node_lat=np.array(lat),
        node_lon=np.array(lon),
        node_population=np.zeros(len(lat), dtype=np.int64),
        edge_u=np.array([e[0] for e in edges], dtype=np.int64),
        edge_v=np.array([e[1] for e in edges], dtype=np.int64),
        edge_class=np.array([ROAD_CLASSES.index(e[2]) for e in edges], dtype=np.int64),
        edge_ref=tuple(e[3] for e in edges),
        edge_length_m=np.array([e[4] for e in edges]),
        edge_oneway=np.array([e[5] for e in edges], dtype=np.bool_),
        source=f"OpenStreetMap extract {path.name} (© OpenStreetMap contributors, ODbL)",
    )
    logger.info("imported %d nodes and %d edges from %s", network.n_nodes, len(edges), path)
    return network
