"""Travel between places: the domain's door to ``solver.travel``, with the Polish calendar.

The solver's time-of-day profile knows weekdays only; here a departure on a Polish public holiday
is priced like a Sunday at the same hour (no rush hour).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from dispatch.calendar import is_holiday
from dispatch.errors import InvalidInput
from dispatch.places import Place
from dispatch.timeparse import WARSAW
from solver.travel.configured import configured_travel
from solver.travel.model import TravelModel
from solver.travel.road import ROADS_ENV

_SUNDAY_H = 6 * 24.0


def depart_hour_of_week(depart: datetime, *, field: str = "depart") -> float:
    """Local (Europe/Warsaw) hour of the week, 0 = Monday 00:00, with public holidays moved to
    Sunday: what ``TravelModel.matrix`` takes, since the solver knows no calendar or time zone.

    Raises
    ------
    InvalidInput
        ``depart`` is naive.
    """
    if depart.tzinfo is None or depart.utcoffset() is None:
        raise InvalidInput(field, f"must carry a time zone, got {depart.isoformat()}")
    local = depart.astimezone(WARSAW)
    hour = local.hour + local.minute / 60.0 + local.second / 3600.0
    if is_holiday(local.date()):
        return _SUNDAY_H + hour
    return local.weekday() * 24.0 + hour


def road_model() -> TravelModel:
    """The configured travel model (``solver.travel.configured``); a broken ``DISPATCH_ROADS``
    is an ``InvalidInput`` naming it.

    Raises
    ------
    InvalidInput
        ``DISPATCH_ROADS`` names an incomplete OSRM dataset, or OSRM cannot run here.
    """
    try:
        return configured_travel()
    except ValueError as err:
        raise InvalidInput(ROADS_ENV, str(err)) from None


def points(places: Sequence[Place]) -> NDArray[np.float64]:
    """``(n, 2)`` ``[lat, lon]`` array of places, as ``TravelModel.matrix`` takes them."""
    return np.array([[p.lat, p.lon] for p in places], dtype=np.float64).reshape(len(places), 2)


def travel_matrix(
    origins: Sequence[Place],
    destinations: Sequence[Place],
    depart: datetime | None = None,
    model: TravelModel | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Road travel seconds and metres ``(len(origins), len(destinations))``.

    Raises
    ------
    InvalidInput
        ``depart`` is naive.
    """
    road = model or road_model()
    hour = None if depart is None else depart_hour_of_week(depart)
    return road.matrix(points(origins), points(destinations), hour)


def travel(a: Place, b: Place, depart: datetime | None = None) -> tuple[int, int]:
    """Road travel ``(seconds, metres)`` from ``a`` to ``b`` on the configured model.

    Raises
    ------
    InvalidInput
        ``depart`` is naive.
    """
    seconds, metres = travel_matrix([a], [b], depart)
    return int(seconds[0, 0]), int(metres[0, 0])
