"""The travel-model contract the solver works against: points in, integer matrices out."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray


class TravelModel(Protocol):
    """Travel times and distances between points in Poland.

    Implementations: ``solver.travel.road.RoadTravel`` (the road network) and
    ``solver.travel.geodesic.GeodesicTravel`` (great circle x detour, for tests and fallback).
    """

    def matrix(
        self,
        origins: NDArray[np.float64],
        destinations: NDArray[np.float64],
        depart_hour_of_week: float | None = None,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Travel seconds and distance metres, both shaped ``(n, m)``.

        Parameters
        ----------
        origins, destinations
            Arrays shaped ``(n, 2)`` and ``(m, 2)`` of ``[lat, lon]`` in degrees.
        depart_hour_of_week
            Local hour of the week of the departure (0 = Monday 00:00, < 168); applies the
            time-of-day profile (urban rush hours on weekdays). None means free flow. The
            solver knows no calendar: the domain maps instants and holidays to this hour
            (``dispatch.travel.depart_hour_of_week``).
        """
        ...


@runtime_checkable
class RouteShapes(Protocol):
    """A travel model that knows the roads a trip takes (``solver.travel.osrm.OsrmTravel``)."""

    def shape(self, origin: tuple[float, float], destination: tuple[float, float]) -> str | None:
        """The road from ``origin`` to ``destination`` (``(lat, lon)`` each) as an encoded
        polyline (precision 5); None when there is no route."""
        ...
