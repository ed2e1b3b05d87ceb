"""Straight-line travel: great-circle distance x a detour factor at one speed (tests, fallback)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solver.travel.geo import check_points, haversine_m


@dataclass(frozen=True, slots=True)
class GeodesicTravel:
    """Distance = great circle x ``detour``; time = distance / ``speed_kmh``.

    The departure time is ignored: there is no network to be congested.
    """

    speed_kmh: float = 70.0
    detour: float = 1.25

    def __post_init__(self) -> None:
        if not self.speed_kmh > 0:
            raise ValueError(f"GeodesicTravel.speed_kmh must be > 0, got {self.speed_kmh}")
        if not self.detour >= 1.0:
            raise ValueError(f"GeodesicTravel.detour must be >= 1, got {self.detour}")

    def matrix(
        self,
        origins: NDArray[np.float64],
        destinations: NDArray[np.float64],
        depart_hour_of_week: float | None = None,  # noqa: ARG002 - the TravelModel contract
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Travel seconds and metres ``(n, m)``; see ``TravelModel.matrix``."""
        o = check_points(origins, "origins")
        d = check_points(destinations, "destinations")
        metres = haversine_m(o[:, 0, None], o[:, 1, None], d[None, :, 0], d[None, :, 1])
        metres = metres * self.detour
        seconds = metres / (self.speed_kmh / 3.6)
        return np.rint(seconds).astype(np.int64), np.rint(metres).astype(np.int64)
