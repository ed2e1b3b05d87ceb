"""GeodesicTravel and the time-of-day profile."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.travel.geodesic import GeodesicTravel
from solver.travel.profile import PEAK_FACTOR, rush_factor


def test_geodesic_warsaw_krakow_great_circle_is_252_km():
    """Detour 1 and 100 km/h: 252 km and 9,072 s (great circle of the two centres)."""
    model = GeodesicTravel(speed_kmh=100.0, detour=1.0)
    seconds, metres = model.matrix(
        np.array([[52.22977, 21.01178]]), np.array([[50.06143, 19.93658]])
    )
    assert abs(metres[0, 0] - 252_000) < 1_500
    assert seconds[0, 0] == round(metres[0, 0] / (100 / 3.6))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"speed_kmh": 0.0}, "speed_kmh must be > 0"), ({"detour": 0.9}, "detour must be >= 1")],
)
def test_geodesic_parameters_are_validated(kwargs, match):
    """Non-positive speed or a detour below 1 is refused naming the field."""
    with pytest.raises(ValueError, match=match):
        GeodesicTravel(**kwargs)


@pytest.mark.parametrize(
    ("hour", "factor"),
    [
        (8.0, PEAK_FACTOR),  # Monday 08:00, morning peak
        (24 * 2 + 16.5, PEAK_FACTOR),  # Wednesday 16:30, afternoon peak
        (24 * 4 + 9.5, 1.25),  # Friday 09:30, shoulder
        (24 * 3 + 12.0, 1.0),  # Thursday noon
        (24 * 5 + 8.0, 1.0),  # Saturday 08:00
        (24 * 6 + 17.0, 1.0),  # Sunday 17:00
    ],
)
def test_rush_factor_by_hour_of_week(hour, factor):
    """Peaks and shoulders on weekdays only."""
    assert rush_factor(hour) == factor


@given(st.floats(0.0, 167.999))
def test_rush_factor_is_between_free_flow_and_peak(hour):
    """The factor never speeds traffic up and never exceeds the peak."""
    assert 1.0 <= rush_factor(hour) <= PEAK_FACTOR


def test_hours_outside_the_week_are_refused():
    """The profile takes an hour of the week in [0, 168), nothing else."""
    with pytest.raises(ValueError, match=r"within \[0, 168\)"):
        rush_factor(168.0)
