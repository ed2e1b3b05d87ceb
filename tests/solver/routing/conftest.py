"""A tiny hand-checkable world: five places on a line, one minute and one km apart.

Place 0 is the depot. Travel between places ``a`` and ``b`` takes ``60 * |a - b|`` seconds and
covers ``1000 * |a - b|`` metres, so every schedule and cost in the tests can be worked out by
hand. Variants are made with ``dataclasses.replace``.
"""

from __future__ import annotations

import numpy as np
import pytest

from solver.routing.model import Job, Vehicle

N_PLACES = 5


def line_matrices(n: int = N_PLACES) -> tuple[np.ndarray, np.ndarray]:
    """Duration (s) and distance (m) matrices of ``n`` places on a line."""
    gap = np.abs(np.subtract.outer(np.arange(n), np.arange(n))).astype(np.int64)
    return gap * 60, gap * 1000


@pytest.fixture(scope="session")
def matrices() -> tuple[np.ndarray, np.ndarray]:
    """The line world's (duration_s, distance_m)."""
    return line_matrices()


@pytest.fixture(scope="session")
def van() -> Vehicle:
    """A van at the depot, 0..10 000 s shift, 1 zł per km, 36 zł per hour."""
    return Vehicle(
        id="van", start=0, end=0, shift_end_s=10_000, cost_per_km_gr=100, cost_per_hour_gr=3600
    )


@pytest.fixture(scope="session")
def four_jobs() -> tuple[Job, ...]:
    """One job at each of places 1..4, no windows, 10 s of service each."""
    return tuple(Job(id=f"j{k}", location=k, service_s=10) for k in range(1, 5))
