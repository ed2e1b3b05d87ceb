"""The travel-model contract the solver works against: points in, integer matrices out."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

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
        depart: datetime | None = None,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Travel seconds and distance metres, both shaped ``(n, m)``.

        Parameters
        ----------
        origins, destinations
            Arrays shaped ``(n, 2)`` and ``(m, 2)`` of ``[lat, lon]`` in degrees.
        depart
            Timezone-aware departure instant; applies the time-of-day profile (urban rush hours on
            weekdays). None means free flow.
        """
        ...
