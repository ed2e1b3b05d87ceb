"""Great-circle geometry on numpy arrays of degrees (shared by the travel models)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(
    lat1: NDArray[np.float64],
    lon1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    lon2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Great-circle distance in metres; the arguments broadcast against each other."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    distance: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return distance


def check_points(points: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    """Return ``points`` as a float64 ``(n, 2)`` array of valid ``[lat, lon]``.

    Raises
    ------
    ValueError
        Wrong shape, non-finite values or coordinates out of range; the message names ``name``.
    """
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must be shaped (n, 2) as [lat, lon], got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite")
    if (np.abs(arr[:, 0]) > 90).any() or (np.abs(arr[:, 1]) > 180).any():
        raise ValueError(f"{name} has a latitude beyond 90 or a longitude beyond 180 degrees")
    return arr


def project_km(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Equirectangular kilometres around 52° N, to rank nearest neighbours inside Poland."""
    return np.column_stack([lat * 111.195, lon * 111.195 * np.cos(np.radians(52.0))])
