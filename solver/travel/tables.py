"""Node-to-node tables over the road graph: fastest time, its length and its urban seconds.

One Dijkstra (scipy.sparse.csgraph) per source node gives the fastest times and the shortest-path
tree; the tree's predecessor arrays are folded by pointer jumping (log2(depth) vectorised steps) to
get the length and urban seconds along each fastest path. Small networks get all-pairs tables,
cached on disk under a key made of the network file's digest and the speeds; large imported
networks are searched on demand from the nodes a query needs.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from solver.travel.network import ROAD_CLASSES, RoadNetwork
from solver.travel.speeds import RoadSpeeds

logger = logging.getLogger(__name__)

ALL_PAIRS_MAX_NODES = 2_500
_CHUNK_SOURCES = 64
_URBAN = ROAD_CLASSES.index("urban")
_CACHE_VERSION = 1

Table = NDArray[np.float32]


def cache_dir() -> Path:
    """``$DISPATCH_CACHE_DIR`` or ``~/.cache/dispatch-pl``."""
    env = os.environ.get("DISPATCH_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "dispatch-pl"


@dataclass(frozen=True, slots=True)
class RoadGraph:
    """The directed graph the searches run on: one fastest arc per ordered node pair."""

    time_s: csr_matrix  # whole seconds per arc, >= 1
    arc_keys: NDArray[np.int64]  # sorted u * n + v of every arc
    arc_length_m: NDArray[np.float64]  # aligned with arc_keys
    arc_urban_s: NDArray[np.float64]  # aligned with arc_keys
    main_component: NDArray[np.bool_]  # nodes in the largest strongly connected component

    @classmethod
    def build(cls, network: RoadNetwork, speeds: RoadSpeeds) -> RoadGraph:
        """Arc times from class speeds; parallel roads keep only their fastest arc."""
        n = network.n_nodes
        two_way = ~network.edge_oneway
        u = np.concatenate([network.edge_u, network.edge_v[two_way]])
        v = np.concatenate([network.edge_v, network.edge_u[two_way]])
        cls_ = np.concatenate([network.edge_class, network.edge_class[two_way]])
        length = np.concatenate([network.edge_length_m, network.edge_length_m[two_way]])
        time = np.maximum(1.0, np.rint(length / speeds.class_mps()[cls_]))
        keep = u != v
        u, v, cls_, length, time = u[keep], v[keep], cls_[keep], length[keep], time[keep]
        keys = u * n + v
        order = np.lexsort((length, time, keys))
        keys, first = np.unique(keys[order], return_index=True)
        pick = order[first]
        urban = np.where(cls_[pick] == _URBAN, time[pick], 0.0)
        matrix = csr_matrix((time[pick], (u[pick], v[pick])), shape=(n, n))
        _, labels = connected_components(matrix, directed=True, connection="strong")
        main = labels == np.bincount(labels).argmax()
        return cls(matrix, keys, length[pick], urban, main)

    def search(self, sources: NDArray[np.int64]) -> tuple[Table, Table, Table]:
        """Time, length and urban seconds from each source to every node (rows = sources)."""
        n = self.time_s.shape[0]
        times, preds = dijkstra(
            self.time_s, directed=True, indices=sources, return_predecessors=True
        )
        rows = np.arange(len(sources))[:, None]
        self_idx = np.broadcast_to(np.arange(n), preds.shape)
        has = preds >= 0
        parent = np.where(has, preds, self_idx)
        arc = np.searchsorted(self.arc_keys, parent * n + self_idx)
        arc = np.minimum(arc, len(self.arc_keys) - 1)
        length = np.where(has, self.arc_length_m[arc], 0.0)
        urban = np.where(has, self.arc_urban_s[arc], 0.0)
        anc = parent
        while True:
            nxt = anc[rows, anc]
            if np.array_equal(nxt, anc):
                break
            length = length + length[rows, anc]
            urban = urban + urban[rows, anc]
            anc = nxt
        return times.astype(np.float32), length.astype(np.float32), urban.astype(np.float32)


class NodeTables:
    """Blocks of node-to-node (time, length, urban seconds), all-pairs or on demand."""

    def __init__(self, graph: RoadGraph, all_pairs: tuple[Table, Table, Table] | None) -> None:
        self.graph = graph
        self._all = all_pairs

    @classmethod
    def load_or_build(
        cls, network: RoadNetwork, speeds: RoadSpeeds, digest: str, where: Path | None = None
    ) -> NodeTables:
        """All-pairs tables from the disk cache, or computed and cached; on demand when large."""
        graph = RoadGraph.build(network, speeds)
        n = network.n_nodes
        if n > ALL_PAIRS_MAX_NODES:
            return cls(graph, None)
        folder = where or cache_dir()
        path = folder / f"roads-v{_CACHE_VERSION}-{digest[:20]}-{speeds.key()}.npz"
        if path.exists():
            try:
                with np.load(path) as z:
                    return cls(graph, (z["time_s"], z["length_m"], z["urban_s"]))
            except (OSError, ValueError, KeyError):
                logger.warning("ignoring unreadable travel cache %s", path)
        tables = graph.search(np.arange(n))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, time_s=tables[0], length_m=tables[1], urban_s=tables[2])
            tmp.replace(path)
        except OSError:
            logger.warning("could not write travel cache %s", path)
        return cls(graph, tables)

    def block(
        self, sources: NDArray[np.int64], targets: NDArray[np.int64]
    ) -> tuple[Table, Table, Table]:
        """Tables restricted to ``sources`` x ``targets`` (node indices)."""
        if self._all is not None:
            ix = np.ix_(sources, targets)
            return self._all[0][ix], self._all[1][ix], self._all[2][ix]
        parts = [
            tuple(t[:, targets] for t in self.graph.search(sources[i : i + _CHUNK_SOURCES]))
            for i in range(0, len(sources), _CHUNK_SOURCES)
        ]
        t, d, u = (np.concatenate([p[k] for p in parts]) for k in range(3))
        return t, d, u
