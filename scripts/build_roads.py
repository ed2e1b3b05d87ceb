"""Compile ``data/geo/roads/trunk_roads.txt`` into the network file ``network.json``.

Reproducible::

    .venv/bin/python scripts/build_roads.py

Each line of the text file lists the towns and junctions a road passes, in order. Names are looked
up in the gazetteer (``data/geo/places.csv``); where several places share a name, the one nearest
the line's already-placed neighbours is taken (a name with a single or clearly dominant candidate
is placed first). The same town on several roads becomes one node, so roads meet where they share
a town. Edge length = geodesic between consecutive nodes x the class curvature factor below.
"""

from __future__ import annotations

import math
import re
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np

from dispatch.places import Gazetteer, Place
from solver.travel.geo import haversine_m
from solver.travel.network import ROAD_CLASSES, RoadNetwork

ROADS = Path(__file__).resolve().parent.parent / "data" / "geo" / "roads"
# Road length / great-circle length between consecutive listed nodes, per class: roads bend more
# between far-apart towns on national roads than on motorways. Regional roads (drogi wojewódzkie,
# DW) sit between national roads and city arterials: they follow older alignments from village
# to village with few bypasses, and their lines list fewer intermediate towns than they wind
# through, so they bend more than a national road (1.10) but less than a street grid (1.20).
CURVATURE = {"motorway": 1.03, "expressway": 1.04, "national": 1.1, "regional": 1.15, "urban": 1.2}
_CITY = 50_000  # a name whose most populous place has this many people, 10x the next, is that place
_LINE_RE = re.compile(r"^(?P<ref>\S+)\s+(?P<cls>\w+):\s*(?P<towns>.+)$")
_JUNCTION_RE = re.compile(r"^(?P<name>.+)@(?P<lat>-?\d+(?:\.\d+)?),(?P<lon>-?\d+(?:\.\d+)?)$")


def _parse(path: Path) -> list[tuple[str, str, list[str]]]:
    roads = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE_RE.match(line)
        if not m or m["cls"] not in CURVATURE:
            sys.exit(f"{path}:{lineno}: cannot parse {line!r}")
        roads.append((m["ref"], m["cls"], [t.strip() for t in m["towns"].split(" - ")]))
    return roads


def _dist_m(a: Place, b: Place) -> float:
    return float(haversine_m(np.array(a.lat), np.array(a.lon), np.array(b.lat), np.array(b.lon)))


def _place_line(gaz: Gazetteer, towns: list[str], ref: str) -> list[Place]:
    """Resolve each name on one line, choosing among namesakes by the line's neighbours.

    Unique names, junctions and cities that dwarf their namesakes are placed first; a shared
    name takes the candidate nearest its placed neighbours; a line with no placed name starts
    from its first name's most populous candidate.
    """
    placed: list[Place | None] = [None] * len(towns)
    options: list[tuple[Place, ...]] = []
    for i, town in enumerate(towns):
        junction = _JUNCTION_RE.match(town)
        if junction:
            lat, lon = float(junction["lat"]), float(junction["lon"])
            placed[i] = Place(junction["name"], lat, lon, gaz.nearest(lat, lon)[0].voivodeship)
            options.append(())
            continue
        found = gaz.candidates(town)
        if not found:
            sys.exit(f"{ref}: no place called {town!r}")
        options.append(found)
        top = found[0].population or 0
        second = (found[1].population or 0) if len(found) > 1 else 0
        if len(found) == 1 or (top >= _CITY and top >= 10 * second):
            placed[i] = found[0]
    while any(p is None for p in placed):
        progress = False
        for i, p in enumerate(placed):
            if p is not None:
                continue
            neighbours = [
                q
                for q in (
                    placed[i - 1] if i else None,
                    placed[i + 1] if i + 1 < len(towns) else None,
                )
                if q is not None
            ]
            if neighbours:
                placed[i] = min(options[i], key=lambda c: sum(_dist_m(c, q) for q in neighbours))
                progress = True
        if not progress:
            first = placed.index(None)
            placed[first] = options[first][0]
    return [p for p in placed if p is not None]


def build(text: Path) -> RoadNetwork:
    """Compile a road-list file (format in its header) into a network."""
    gaz = Gazetteer.default()
    roads = _parse(text)
    index: dict[tuple[str, float, float], int] = {}
    nodes: list[Place] = []
    edges: list[tuple[int, int, str, str, float]] = []
    for ref, cls, towns in roads:
        line = _place_line(gaz, towns, ref)
        ids = []
        for place in line:
            key = (place.name, round(place.lat, 4), round(place.lon, 4))
            if key not in index:
                index[key] = len(nodes)
                nodes.append(place)
            ids.append(index[key])
        for (a, b), (pa, pb) in zip(pairwise(ids), pairwise(line), strict=True):
            km = _dist_m(pa, pb) / 1000.0
            if km > 150:
                sys.exit(f"{ref}: {pa.name} -> {pb.name} is {km:.0f} km apart; misplaced name?")
            edges.append((a, b, cls, ref, max(1.0, km * 1000.0 * CURVATURE[cls])))
    return RoadNetwork(
        node_name=tuple(p.name for p in nodes),
        node_lat=np.array([p.lat for p in nodes]),
        node_lon=np.array([p.lon for p in nodes]),
        node_population=np.array([p.population or 0 for p in nodes], dtype=np.int64),
        edge_u=np.array([e[0] for e in edges], dtype=np.int64),
        edge_v=np.array([e[1] for e in edges], dtype=np.int64),
        edge_class=np.array([ROAD_CLASSES.index(e[2]) for e in edges], dtype=np.int64),
        edge_ref=tuple(e[3] for e in edges),
        edge_length_m=np.array([e[4] for e in edges]),
        edge_oneway=np.zeros(len(edges), dtype=np.bool_),
        source="data/geo/roads/trunk_roads.txt, authored from public facts (build_roads.py)",
    )


def main() -> None:
    """Compile ``trunk_roads.txt``, write ``network.json`` and print a one-line summary."""
    network = build(ROADS / "trunk_roads.txt")
    network.save(ROADS / "network.json")
    total_km = math.fsum(network.edge_length_m) / 1000.0
    print(f"{network.n_nodes} nodes, {len(network.edge_ref)} edges, {total_km:.0f} km of road")


if __name__ == "__main__":
    main()
