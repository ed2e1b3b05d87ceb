"""Phase 1's source state: what earlier tickets took, and time moving on."""

from __future__ import annotations

import numpy as np

from dispatch.encode import encode
from dispatch.sources import SourceState
from solver.travel.geodesic import GeodesicTravel


def test_advancing_time_moves_only_earlier_starts_up_to_it(tiny) -> None:
    """After advance_to(t) nobody starts before t; later starts are left as they were."""
    world = encode(tiny.world([tiny.ticket("T1", "SOS", "24x7x4", "Kraków")]), GeodesicTravel())
    state = SourceState.start(world)
    before = [w.ready_s.copy() for w in state.shifts]
    t = int(np.median(np.concatenate(before)))
    state.advance_to(t)
    for old, window in zip(before, state.shifts, strict=True):
        assert np.array_equal(window.ready_s, np.maximum(old, t))
    assert any((old < t).any() for old in before) and any((old > t).any() for old in before)
