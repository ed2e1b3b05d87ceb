"""Travel over the road network: access legs to the nearest nodes plus node-to-node tables.

A trip from point ``o`` to point ``p`` is the quickest of

- ``o`` -> node ``a`` (local roads) -> fastest network path -> node ``b`` -> ``p`` (local roads),
  over the ``RoadSpeeds.access_nodes`` nearest nodes ``a`` of ``o`` and ``b`` of ``p``;
- ``o`` -> ``p`` directly on local roads (short trips).

A local-road leg is great-circle distance x ``access_detour`` at ``access_kmh`` (at
``urban_access_kmh`` when it ends at an urban node: a town of ``urban_min_population`` or a
junction on a city arterial); joining the
network at a town node also costs that town's delay (``RoadSpeeds.town_delay_s``). Each matrix is
assembled with numpy gathers over the ``k x k`` access-node combinations, so a 1,000 x 1,000
matrix needs no Python loop over pairs.
"""

from __future__ import annotations

import os
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from solver.travel.geo import check_points, haversine_m, project_km
from solver.travel.network import ROAD_CLASSES, RoadNetwork, file_digest
from solver.travel.profile import rush_factor
from solver.travel.speeds import RoadSpeeds
from solver.travel.tables import NodeTables

DEFAULT_NETWORK = (
    Path(__file__).resolve().parent.parent.parent / "data" / "geo" / "roads" / "network.json"
)
# A network file to use instead of the embedded one (e.g. from ``dispatch roads import``), or an
# OSRM dataset (``dispatch roads build``; see ``solver.travel.configured``).
ROADS_ENV = "DISPATCH_ROADS"
OSRM_SUFFIX = ".osrm"
_URBAN = ROAD_CLASSES.index("urban")
_SCAN_MAX_NODES = 5_000  # nearest nodes by a direct scan up to here, by a k-d tree beyond

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class _Access:
    """Where a batch of points joins the network: nodes, leg seconds, metres, urban seconds."""

    __slots__ = ("direct_urban", "metres", "nodes", "seconds", "urban")

    def __init__(
        self, nodes: IntArray, seconds: FloatArray, metres: FloatArray, urban: FloatArray
    ) -> None:
        self.nodes = nodes  # (n, k)
        self.seconds = seconds  # (n, k), whole seconds
        self.metres = metres  # (n, k)
        self.urban = urban  # (n, k), the urban share of seconds
        self.direct_urban = urban[:, 0] > 0  # (n,) is the point's nearest node urban


class RoadTravel:
    """The road ``TravelModel``: see the module docstring for how a trip is priced.

    Parameters
    ----------
    network
        The road graph.
    digest
        Identity of the network file for the on-disk table cache (``file_digest``).
    speeds
        Calibrated class speeds and access-leg parameters.
    cache_dir
        Where node-to-node tables are cached; default ``$DISPATCH_CACHE_DIR`` or
        ``~/.cache/dispatch-pl``.
    """

    def __init__(
        self,
        network: RoadNetwork,
        digest: str,
        speeds: RoadSpeeds | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.network = network
        self.speeds = speeds or RoadSpeeds()
        self.tables = NodeTables.load_or_build(network, self.speeds, digest, cache_dir)
        usable = np.flatnonzero(self.tables.main_component)
        self._usable = usable
        self._usable_km = project_km(network.node_lat[usable], network.node_lon[usable])
        on_arterial = np.zeros(network.n_nodes, dtype=np.bool_)
        arterial = network.edge_class == _URBAN
        on_arterial[network.edge_u[arterial]] = True
        on_arterial[network.edge_v[arterial]] = True
        pop = network.node_population.astype(np.float64)
        self._delay_s = np.where(
            on_arterial, 0.0, np.rint(self.speeds.town_delay_s * np.sqrt(pop / 100_000.0))
        )
        self._urban_node = on_arterial | (pop >= self.speeds.urban_min_population)

    @classmethod
    def default(cls) -> RoadTravel:
        """The embedded network of Poland's trunk roads, or ``$DISPATCH_ROADS`` when it names a
        network file (an OSRM dataset there leaves this the embedded network).

        Loaded once per process.
        """
        return _default_road_travel()

    @classmethod
    def from_file(
        cls, path: Path, speeds: RoadSpeeds | None = None, cache_dir: Path | None = None
    ) -> RoadTravel:
        """A network file written by ``scripts/build_roads.py`` or ``dispatch roads import``.

        Raises
        ------
        ValueError
            The file is not a road network file.
        """
        return cls(RoadNetwork.load(path), file_digest(path), speeds, cache_dir)

    def matrix(
        self,
        origins: FloatArray,
        destinations: FloatArray,
        depart_hour_of_week: float | None = None,
    ) -> tuple[IntArray, IntArray]:
        """Travel seconds and metres ``(n, m)``; see ``TravelModel.matrix``.

        Raises
        ------
        ValueError
            Malformed points, or an hour outside [0, 168).
        """
        factor = 1.0 if depart_hour_of_week is None else rush_factor(depart_hour_of_week)
        return self._matrix(origins, destinations, factor)

    @cached_property
    def _tree(self) -> Any:
        """A k-d tree over the usable nodes, for networks too large to scan (imported ones)."""
        from scipy.spatial import cKDTree

        return cKDTree(self._usable_km)

    def _nearest_nodes(self, points: FloatArray, k: int) -> NDArray[np.int64]:
        """Indices into the usable nodes of the ``k`` nearest to each point, ``(len, k)``.

        The embedded network (hundreds of nodes) is scanned directly, which spares a command
        that asks one trip the import of scipy's k-d tree; large networks use the tree.
        """
        at = project_km(points[:, 0], points[:, 1])
        if len(self._usable_km) > _SCAN_MAX_NODES:
            _, idx = self._tree.query(at, k=k)
            return np.asarray(idx, dtype=np.int64).reshape(len(points), k)
        nodes = self._usable_km
        gap = (at**2).sum(axis=1)[:, None] + (nodes**2).sum(axis=1)[None, :] - 2.0 * at @ nodes.T
        if k < gap.shape[1]:
            nearest = np.argpartition(gap, k - 1, axis=1)[:, :k]
        else:
            nearest = np.broadcast_to(np.arange(gap.shape[1]), gap.shape)
        order = np.take_along_axis(gap, nearest, axis=1).argsort(axis=1, kind="stable")
        return np.take_along_axis(nearest, order, axis=1).astype(np.int64)

    def _access(self, points: FloatArray, factor: float) -> _Access:
        k = min(self.speeds.access_nodes, len(self._usable))
        nodes = self._usable[self._nearest_nodes(points, k)]
        lat, lon = self.network.node_lat[nodes], self.network.node_lon[nodes]
        metres = haversine_m(points[:, 0, None], points[:, 1, None], lat, lon)
        metres = metres * self.speeds.access_detour
        urban_node = self._urban_node[nodes]
        kmh = np.where(urban_node, self.speeds.urban_access_kmh, self.speeds.access_kmh)
        leg = np.rint(metres / (kmh / 3.6)) + self._delay_s[nodes]
        urban = np.where(urban_node, leg, 0.0)
        return _Access(nodes, leg + urban * (factor - 1.0), metres, urban)

    def _matrix(
        self, origins: FloatArray, destinations: FloatArray, factor: float
    ) -> tuple[IntArray, IntArray]:
        o = check_points(origins, "origins")
        d = check_points(destinations, "destinations")
        if len(o) == 0 or len(d) == 0:
            empty = np.zeros((len(o), len(d)), dtype=np.int64)
            return empty, empty.copy()
        ao, ad = self._access(o, factor), self._access(d, factor)
        src, src_inv = np.unique(ao.nodes, return_inverse=True)
        dst, dst_inv = np.unique(ad.nodes, return_inverse=True)
        t_block, d_block, u_block = self.tables.block(src, dst)
        if factor != 1.0:
            t_block = t_block + u_block * np.float32(factor - 1.0)
        src_inv = src_inv.reshape(ao.nodes.shape)
        dst_inv = dst_inv.reshape(ad.nodes.shape)
        # Origin side first: best time from each origin to each destination-side node.
        via = t_block[src_inv].astype(np.float64) + ao.seconds[:, :, None]  # (n, k, nodes)
        slot_a = via.argmin(axis=1)  # (n, nodes)
        to_node = np.take_along_axis(via, slot_a[:, None, :], axis=1)[:, 0, :]
        # Then the destination side: k column gathers of (n, m).
        best_t = np.full((len(o), len(d)), np.inf)
        slot_b = np.zeros((len(o), len(d)), dtype=np.intp)
        for b in range(ad.nodes.shape[1]):
            t = to_node[:, dst_inv[:, b]] + ad.seconds[None, :, b]
            better = t < best_t
            best_t = np.where(better, t, best_t)
            slot_b[better] = b
        cols = np.take_along_axis(dst_inv.T, slot_b, axis=0)  # (n, m) destination-side node
        a_used = np.take_along_axis(slot_a, cols, axis=1)  # (n, m) origin access slot
        rows = np.take_along_axis(src_inv, a_used, axis=1)  # (n, m) origin-side node
        best_m = (
            d_block[rows, cols]
            + np.take_along_axis(ao.metres, a_used, axis=1)
            + np.take_along_axis(ad.metres.T, slot_b, axis=0)
        )
        direct_m = haversine_m(o[:, 0, None], o[:, 1, None], d[None, :, 0], d[None, :, 1])
        direct_m = direct_m * self.speeds.access_detour
        urban_pair = ao.direct_urban[:, None] | ad.direct_urban[None, :]
        kmh = np.where(urban_pair, self.speeds.urban_access_kmh, self.speeds.access_kmh)
        direct_t = np.rint(direct_m / (kmh / 3.6))
        direct_t = np.where(urban_pair, direct_t * factor, direct_t)
        use_direct = direct_t <= best_t
        seconds = np.where(use_direct, direct_t, best_t)
        metres = np.where(use_direct, direct_m, best_m)
        return np.rint(seconds).astype(np.int64), np.rint(metres).astype(np.int64)


@cache
def _default_road_travel() -> RoadTravel:
    override = os.environ.get(ROADS_ENV)
    if override and not override.endswith(OSRM_SUFFIX):
        return RoadTravel.from_file(Path(override))
    return RoadTravel.from_file(DEFAULT_NETWORK)
