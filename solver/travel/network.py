"""The road graph as plain arrays, and its file format (``dispatch-pl-roads/1``, JSON).

The same format holds the embedded network (``data/geo/roads/network.json``, compiled from
``trunk_roads.txt`` by ``scripts/build_roads.py``) and graphs imported from OpenStreetMap
(``dispatch roads import``). Columns, not records, so a large graph loads quickly::

    {"format": "dispatch-pl-roads/1", "source": "...",
     "nodes": {"name": [...], "lat": [...], "lon": [...], "population": [...]},
     "edges": {"u": [...], "v": [...], "road_class": [...], "ref": [...],
               "length_m": [...], "oneway": [...]}}

An edge with ``oneway`` false may be driven both ways.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FORMAT = "dispatch-pl-roads/1"
ROAD_CLASSES = ("motorway", "expressway", "national", "regional", "urban", "link")


@dataclass(frozen=True, slots=True)
class RoadNetwork:
    """Nodes (junctions, towns) and edges (road stretches) with lengths and classes."""

    node_name: tuple[str, ...]
    node_lat: NDArray[np.float64]
    node_lon: NDArray[np.float64]
    node_population: NDArray[np.int64]
    edge_u: NDArray[np.int64]
    edge_v: NDArray[np.int64]
    edge_class: NDArray[np.int64]  # index into ROAD_CLASSES
    edge_ref: tuple[str, ...]
    edge_length_m: NDArray[np.float64]
    edge_oneway: NDArray[np.bool_]
    source: str = ""

    def __post_init__(self) -> None:
        n, m = len(self.node_name), len(self.edge_ref)
        if n == 0:
            raise ValueError("road network has no nodes")
        for label, arr, size in (
            ("node_lat", self.node_lat, n),
            ("node_lon", self.node_lon, n),
            ("node_population", self.node_population, n),
            ("edge_u", self.edge_u, m),
            ("edge_v", self.edge_v, m),
            ("edge_class", self.edge_class, m),
            ("edge_length_m", self.edge_length_m, m),
            ("edge_oneway", self.edge_oneway, m),
        ):
            if arr.shape != (size,):
                raise ValueError(f"road network {label} must have {size} entries, got {arr.shape}")
        if m and (
            min(self.edge_u.min(), self.edge_v.min()) < 0
            or max(self.edge_u.max(), self.edge_v.max()) >= n
        ):
            raise ValueError(f"road network edge endpoints must be node indices in [0, {n})")
        if m and not (self.edge_length_m > 0).all():
            raise ValueError("road network edge_length_m must be > 0")
        if m and (self.edge_class.min() < 0 or self.edge_class.max() >= len(ROAD_CLASSES)):
            raise ValueError(f"road network edge_class must index {ROAD_CLASSES}")

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_name)

    @classmethod
    def load(cls, path: Path) -> RoadNetwork:
        """Read a network file.

        Raises
        ------
        ValueError
            Not a ``dispatch-pl-roads/1`` file, or inconsistent columns.
        """
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")), str(path))

    @classmethod
    def from_json(cls, doc: dict[str, object], origin: str = "network") -> RoadNetwork:
        """Build from a parsed network document (see the module docstring)."""
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"{origin} is not a {FORMAT} road network file")
        nodes, edges = doc["nodes"], doc["edges"]
        if not isinstance(nodes, dict) or not isinstance(edges, dict):
            raise ValueError(f"{origin}: 'nodes' and 'edges' must be objects of columns")
        classes = [ROAD_CLASSES.index(c) for c in edges["road_class"]]
        return cls(
            node_name=tuple(nodes["name"]),
            node_lat=np.asarray(nodes["lat"], dtype=np.float64),
            node_lon=np.asarray(nodes["lon"], dtype=np.float64),
            node_population=np.asarray(nodes["population"], dtype=np.int64),
            edge_u=np.asarray(edges["u"], dtype=np.int64),
            edge_v=np.asarray(edges["v"], dtype=np.int64),
            edge_class=np.asarray(classes, dtype=np.int64),
            edge_ref=tuple(edges["ref"]),
            edge_length_m=np.asarray(edges["length_m"], dtype=np.float64),
            edge_oneway=np.asarray(edges["oneway"], dtype=np.bool_),
            source=str(doc.get("source", "")),
        )

    def to_json(self) -> dict[str, object]:
        """The document ``from_json`` reads."""
        return {
            "format": FORMAT,
            "source": self.source,
            "nodes": {
                "name": list(self.node_name),
                "lat": [round(float(x), 6) for x in self.node_lat],
                "lon": [round(float(x), 6) for x in self.node_lon],
                "population": [int(x) for x in self.node_population],
            },
            "edges": {
                "u": [int(x) for x in self.edge_u],
                "v": [int(x) for x in self.edge_v],
                "road_class": [ROAD_CLASSES[int(c)] for c in self.edge_class],
                "ref": list(self.edge_ref),
                "length_m": [round(float(x), 1) for x in self.edge_length_m],
                "oneway": [bool(x) for x in self.edge_oneway],
            },
        }

    def save(self, path: Path) -> None:
        """Write the network file (compact JSON, one line)."""
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")))


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes: the cache key that notices any change to a network file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
