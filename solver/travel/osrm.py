"""Travel on OSRM over an OpenStreetMap extract, in-process (the ``osrm-bindings`` package).

A dataset built by ``dispatch roads build`` (OSRM's MLD pipeline: extract, partition, customize)
answers matrices with OSRM's table service and single trips' shapes with its route service, with
no server and nothing downloaded. Around OSRM's free-flow times the project keeps its own rules:

- **access**: OSRM measures from the points where the inputs snap onto a road; the way from a
  site to that point (``waypoint.distance``) is added as a local-road leg, great circle x
  ``RoadSpeeds.access_detour`` at ``RoadSpeeds.access_kmh``, so a village far from any mapped
  road is not reached for free;
- **rush hours and holidays**: the time-of-day profile (``solver.travel.profile``) slows the
  urban part of a trip; that part is the authored model's (``RoadTravel``: town delays, urban
  access legs and arterials), so a departure at ``depart_hour_of_week`` adds exactly the
  authored model's rush-hour seconds for the pair;
- **no route** (points on islands of the extract): the authored model's time and distance.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from solver.travel.geo import check_points
from solver.travel.profile import rush_factor
from solver.travel.road import RoadTravel
from solver.travel.speeds import RoadSpeeds

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
SHAPE_CACHE = 65_536  # route shapes kept per process
MAX_TABLE = 25_000  # locations one table call may take (OSRM's default is 100)
# The file each algorithm's last step writes: a dataset is complete when it is there.
ALGORITHMS = {"ch": ".hsgr", "mld": ".mldgr"}


def osrm_available() -> str | None:
    """None when the OSRM engine can be used here, else why not (one line)."""
    try:
        import osrm  # noqa: F401
    except ImportError:
        import sys

        if sys.version_info < (3, 12):
            return "OSRM needs Python >= 3.12 (the osrm-bindings wheels are cp312+ abi3)"
        return "OSRM is not installed: pip install -e '.[osrm]'"
    return None


class OsrmTravel:
    """The ``TravelModel`` of an OSRM dataset; see the module docstring.

    Parameters
    ----------
    dataset
        The dataset's base path, ``DIR/NAME.osrm`` (the files are ``NAME.osrm.*``).
    authored
        The authored road model, for rush-hour seconds and unroutable pairs.
    speeds
        Access-leg parameters (the authored model's by default).

    Raises
    ------
    ValueError
        ``dataset`` is not a complete MLD dataset, or OSRM cannot be used here.
    """

    def __init__(
        self, dataset: Path, authored: RoadTravel, speeds: RoadSpeeds | None = None
    ) -> None:
        missing = osrm_available()
        if missing is not None:
            raise ValueError(missing)
        algorithm = next(
            (name for name, end in ALGORITHMS.items() if Path(f"{dataset}{end}").is_file()), None
        )
        if algorithm is None:
            raise ValueError(
                f"{dataset} is not an OSRM dataset (no {dataset.name}.hsgr or .mldgr); "
                "build one with: dispatch roads build EXTRACT.osm.pbf --out DIR"
            )
        import osrm

        self.dataset = dataset
        self.algorithm = algorithm  # CH first when both were built: its tables are faster
        self.authored = authored
        self.speeds = speeds or authored.speeds
        self._shapes = lru_cache(maxsize=SHAPE_CACHE)(self._route_shape)
        self._engine = osrm.OSRM(
            storage_config=str(dataset),
            algorithm=algorithm.upper(),
            use_shared_memory=False,
            max_locations_distance_table=MAX_TABLE,
            max_locations_viaroute=MAX_TABLE,
        )

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
            Malformed points, an hour outside [0, 168), or more than ``MAX_TABLE`` points.
        """
        o = check_points(origins, "origins")
        d = check_points(destinations, "destinations")
        factor = 1.0 if depart_hour_of_week is None else rush_factor(depart_hour_of_week)
        if len(o) == 0 or len(d) == 0:
            empty = np.zeros((len(o), len(d)), dtype=np.int64)
            return empty, empty.copy()
        seconds, metres, snap_o, snap_d = self._table(o, d)
        access_m = self.speeds.access_detour
        access_mps = self.speeds.access_kmh / 3.6
        leg_m = (snap_o[:, None] + snap_d[None, :]) * access_m
        seconds = seconds + leg_m / access_mps
        metres = metres + leg_m
        unroutable = np.isnan(seconds)
        if unroutable.any() or factor != 1.0:
            road_t, road_m = self.authored.matrix(o, d, depart_hour_of_week)
            if factor != 1.0:
                free_t, _ = self.authored.matrix(o, d, None)
                seconds = seconds + (road_t - free_t)
            seconds = np.where(unroutable, road_t, seconds)
            metres = np.where(unroutable, road_m, metres)
        same = (o[:, None, :] == d[None, :, :]).all(axis=2)
        seconds = np.where(same, 0.0, seconds)
        metres = np.where(same, 0.0, metres)
        return np.rint(seconds).astype(np.int64), np.rint(metres).astype(np.int64)

    def _table(
        self, o: FloatArray, d: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """OSRM's durations and distances between snapped points (NaN: no route), and each
        point's snap distance in metres."""
        import osrm

        # OSRM refuses a table of one coordinate: a lone point is asked as itself to itself.
        square = o.shape == d.shape and bool((o == d).all()) and len(o) > 1
        points = o if square else np.vstack([o, d])
        if len(points) > MAX_TABLE:
            raise ValueError(f"an OSRM table takes at most {MAX_TABLE} points, got {len(points)}")
        coordinates = [(float(lon), float(lat)) for lat, lon in points]
        params: dict[str, Any] = {
            "coordinates": coordinates,
            "annotations": ["duration", "distance"],
            "generate_hints": False,
        }
        if not square:
            params["sources"] = list(range(len(o)))
            params["destinations"] = list(range(len(o), len(o) + len(d)))
        answer = self._engine.Table(osrm.TableParameters(**params))
        if answer["code"] != "Ok":
            raise ValueError(f"OSRM table: {answer['code']}")
        shape = (len(o), len(d))
        seconds = _array(answer["durations"], shape)
        metres = _array(answer["distances"], shape)
        snap_o = np.array([float(w["distance"]) for w in answer["sources"]])
        snap_d = np.array([float(w["distance"]) for w in answer["destinations"]])
        return seconds, metres, snap_o, snap_d

    def shape(self, origin: tuple[float, float], destination: tuple[float, float]) -> str | None:
        """The road OSRM drives from ``origin`` to ``destination`` (``(lat, lon)`` each), as an
        encoded polyline (precision 5, Google's format); None when there is no route. Answers
        are kept (a route's legs recur in every option that keeps them)."""
        return self._shapes(origin, destination)

    def _route_shape(
        self, origin: tuple[float, float], destination: tuple[float, float]
    ) -> str | None:
        import osrm

        params = osrm.RouteParameters(
            coordinates=[(origin[1], origin[0]), (destination[1], destination[0])],
            geometries="polyline",
            overview="full",
        )
        try:
            answer = self._engine.Route(params)
        except RuntimeError:
            return None
        if answer["code"] != "Ok" or not answer["routes"]:
            return None
        return str(answer["routes"][0]["geometry"])


def _array(rows: Any, shape: tuple[int, int]) -> FloatArray:
    """OSRM's nested rows (None where no route) as a float array with NaN. Read flat first
    (half the time of a nested conversion on 1,000 x 1,000); rows with a None take the slow way."""
    try:
        values = itertools.chain.from_iterable(rows)
        flat = np.fromiter(values, np.float64, count=shape[0] * shape[1])
    except TypeError:
        return np.array([list(row) for row in rows], dtype=object).astype(np.float64)
    return flat.reshape(shape)
