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
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from solver.cache import cache_dir
from solver.travel.network import ROAD_CLASSES, RoadNetwork
from solver.travel.speeds import RoadSpeeds

logger = logging.getLogger(__name__)

ALL_PAIRS_MAX_NODES = 2_500
_CHUNK_SOURCES = 64
_URBAN = ROAD_CLASSES.index("urban")
_CACHE_VERSION = 2  # 2: the main component is cached with the tables

Table = NDArray[np.float32]

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


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
        from scipy.sparse import csr_matrix  # scipy loads only when a search is needed
        from scipy.sparse.csgraph import connected_components

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
        from scipy.sparse.csgraph import dijkstra

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
    """Blocks of node-to-node (time, length, urban seconds), all-pairs or on demand.

    The graph is built only when a search needs it: a cached all-pairs table carries the
    main component with it, so loading one imports no scipy (a quick CLI start).
    """

    def __init__(
        self,
        network: RoadNetwork,
        speeds: RoadSpeeds,
        all_pairs: tuple[Table, Table, Table] | None,
        main_component: NDArray[np.bool_] | None = None,
    ) -> None:
        self._network = network
        self._speeds = speeds
        self._all = all_pairs
        self._main = main_component

    @cached_property
    def graph(self) -> RoadGraph:
        """The road graph the searches run on."""
        return RoadGraph.build(self._network, self._speeds)

    @property
    def main_component(self) -> NDArray[np.bool_]:
        """Nodes of the largest strongly connected component (the usable network)."""
        return self.graph.main_component if self._main is None else self._main

    @classmethod
    def load_or_build(
        cls, network: RoadNetwork, speeds: RoadSpeeds, digest: str, where: Path | None = None
    ) -> NodeTables:
        """All-pairs tables from the disk cache, or computed and cached; on demand when large."""
        n = network.n_nodes
        if n > ALL_PAIRS_MAX_NODES:
            return cls(network, speeds, None)
        folder = where or cache_dir()
        path = folder / f"roads-v{_CACHE_VERSION}-{digest[:20]}-{speeds.key()}.npz"
        if path.exists():
            try:
                with np.load(path) as z:
                    tables = (z["time_s"], z["length_m"], z["urban_s"])
                    return cls(network, speeds, tables, z["main"].astype(np.bool_))
            except (OSError, ValueError, KeyError):
                logger.warning("ignoring unreadable travel cache %s", path)
        built = cls(network, speeds, None)
        tables = built.graph.search(np.arange(n))
        main = built.graph.main_component
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, time_s=tables[0], length_m=tables[1], urban_s=tables[2], main=main)
            tmp.replace(path)
        except OSError:
            logger.warning("could not write travel cache %s", path)
        return cls(network, speeds, tables, main)

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
