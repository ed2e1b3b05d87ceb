"""Phase 1's source state: what earlier tickets took, and time moving on."""

from __future__ import annotations

import numpy as np

from dispatch.encode import encode
from dispatch.sources import SourceState
from solver.travel.geodesic import GeodesicTravel
from tests.dispatch.test_days import at_five


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


def test_a_24x7_visit_begun_in_the_shift_runs_on_into_on_call_time(tiny) -> None:
    """17:00, shift until 18:00, on call after it: phase 1 books the 24x7 visit in the shift
    (on site at 18:06, not 19:06 as from the on-call time's start), paid past 18:00 at the
    on-call rate; taking it moves the on-call time's start to the visit's end, there."""
    world = encode(at_five(tiny, "24x7x4", on_call=True), GeodesicTravel())
    state = SourceState.start(world)
    opts = state.options_for(0)
    k = int(opts.ranked(int(world.deadline_rel_s[0]))[0])
    window = int(opts.window[k])
    assert not world.shifts[window].on_call
    shift_end = int(world.shifts[window].shift_end_s[0])
    assert shift_end < int(opts.eta_s[k]) < shift_end + 3600
    choice = state.commit(0, opts, k)
    after = state.shifts[window + 1]
    assert after.on_call
    onsite = world.snapshot.skus[world.snapshot.tickets[0].sku].onsite_minutes * 60
    assert int(after.ready_s[0]) == choice.eta_s + onsite
    assert int(after.loc[0]) == int(world.site_loc[0])


def test_8x5_work_never_runs_on_in_phase_1(tiny) -> None:
    """The same visit as 8x5 work fits no window today: the next shift is the first."""
    world = encode(at_five(tiny, "8x5xNBD", on_call=True), GeodesicTravel())
    opts = SourceState.start(world).options_for(0)
    k = int(opts.ranked(int(world.deadline_rel_s[0]))[0])
    assert int(opts.eta_s[k]) > 86_400 - 17 * 3600 + 8 * 3600  # tomorrow from 08:00
