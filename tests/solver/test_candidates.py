"""Candidate search: the vectorised options agree with a plain loop over every option."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.candidates import (
    NO_TIME,
    PLAN_NAMES,
    Availability,
    Mode,
    Network,
    Reason,
    TicketNeed,
    dedicated_leg,
    options,
)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Network, TicketNeed, tuple[Availability, ...], np.ndarray]:
    """A random small network: D depots, E engineers, W working windows, one SOS ticket."""
    n_dep, n_eng, n_win = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    n_loc = n_dep + n_eng + 1
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    travel = rng.integers(0, 4 * 3600, size=(n_loc, n_loc)).astype(np.int64)
    np.fill_diagonal(travel, 0)
    net = Network(
        travel_s=travel,
        distance_m=travel * 25,
        depot_loc=np.arange(n_dep, dtype=np.int64),
        depot_pick_s=rng.integers(0, 3600, n_dep).astype(np.int64),
        courier_eta_s=np.full(n_dep, 86_400, dtype=np.int64),
        courier_price_gr=6000,
        dedicated_per_km_gr=250,
        dedicated_per_hour_gr=6000,
        dedicated_per_trip_gr=10_000,
        engineer_per_km_gr=120,
        engineer_rate_gr_h=rng.integers(8000, 20000, n_eng).astype(np.int64),
        engineer_home=np.arange(n_dep, n_dep + n_eng, dtype=np.int64),
        on_call=rng.random(n_eng) < 0.5,
        on_call_permille=1500,
    )
    windows = []
    for w in range(n_win):
        start = rng.integers(0, 6 * 3600, n_eng).astype(np.int64) + w * 86_400
        end = start + rng.integers(3600, 12 * 3600, n_eng).astype(np.int64)
        on_call = bool(rng.random() < 0.4)
        run_on = None  # some shifts run on into on-call time (for some engineers)
        if not on_call and rng.random() < 0.5:
            run_on = end + rng.integers(-3600, 6 * 3600, n_eng).astype(np.int64)
        windows.append(
            Availability(
                loc=rng.integers(0, n_loc, n_eng).astype(np.int64),
                ready_s=start,
                shift_end_s=end,
                on_call=on_call,
                run_on_s=run_on,
            )
        )
    need = TicketNeed(
        site=n_loc - 1,
        sos=True,
        deadline_s=int(rng.integers(3600, 30 * 3600)),
        onsite_s=int(rng.integers(600, 7200)),
        round_the_clock=bool(rng.random() < 0.5),
        stock=rng.integers(0, 2, n_dep).astype(np.int64),
        van=rng.random(n_eng) < 0.3,
        skill=rng.random(n_eng) < 0.7,
    )
    drivers = np.where(rng.random(n_dep) < 0.8, rng.integers(0, 7200, n_dep), NO_TIME)
    return net, need, tuple(windows), drivers.astype(np.int64)


def reference(net, need, windows, drivers, mode, e, d):  # type: ignore[no-untyped-def]
    """One option by plain loops: (eta, cost, window) of the first window that fits, or None."""
    ded_eta, ded_cost = dedicated_leg(net, need.site, drivers)
    for w, win in enumerate(windows):
        if win.on_call and not (net.on_call[e] and need.round_the_clock):
            continue
        start, here = int(win.ready_s[e]), int(win.loc[e])
        if mode is Mode.PICKUP:
            depot = int(net.depot_loc[d])
            eta = max(start + int(net.travel_s[here, depot]), int(net.depot_pick_s[d]))
            eta += int(net.travel_s[depot, need.site])
            km = int(net.distance_m[here, depot] + net.distance_m[depot, need.site])
            extra = 0
        elif mode is Mode.VAN:
            eta, km, extra = start + int(net.travel_s[here, need.site]), 0, 0
            km = int(net.distance_m[here, need.site])
        else:
            eta = max(start + int(net.travel_s[here, need.site]), int(ded_eta[d]))
            km, extra = int(net.distance_m[here, need.site]), int(ded_cost[d])
        finish = eta + need.onsite_s
        end = int(win.shift_end_s[e])
        last = end  # a 24x7 visit begun in the shift may run on into on-call time
        if need.round_the_clock and win.run_on_s is not None:
            last = max(end, int(win.run_on_s[e]))
        if finish + int(net.travel_s[need.site, net.engineer_home[e]]) > last:
            continue
        base = int(net.engineer_rate_gr_h[e])
        rate = base * (net.on_call_permille if win.on_call else 1000)
        regular = max(0, min(finish, end) - start)
        paid = regular * rate + (finish - start - regular) * base * net.on_call_permille
        cost = paid // 3_600_000 + km * net.engineer_per_km_gr // 1000
        return eta, cost + extra, w
    return None


@settings(max_examples=60, deadline=None)
@given(world=worlds())
def test_vectorised_engineer_options_match_a_plain_loop(world) -> None:  # type: ignore[no-untyped-def]
    """Every feasible option has the loop's ETA, cost and window; infeasible ones say why."""
    net, need, windows, drivers = world
    opts = options(net, need, windows, drivers)
    for k in range(len(opts.mode)):
        mode, e, d = Mode(int(opts.mode[k])), int(opts.engineer[k]), int(opts.depot[k])
        expected = reference(net, need, windows, drivers, mode, e, max(d, 0))
        reason = Reason(int(opts.reason[k]))
        if not need.skill[e]:
            assert reason is Reason.NO_SKILL
        elif not need.van[e] if mode is Mode.VAN else need.stock[d] <= 0:
            assert reason is Reason.NO_STOCK
        elif mode is Mode.MEET and drivers[d] >= NO_TIME:
            assert reason is Reason.NO_DRIVER
        elif expected is None:
            assert reason is Reason.OUTSIDE_SHIFT
        else:
            assert reason is Reason.OK
            assert (int(opts.eta_s[k]), int(opts.cost_gr[k]), int(opts.window[k])) == expected


def test_each_mode_has_one_plan_pair_and_label() -> None:
    pairs = {(m.plan_name, m.source) for m in Mode}
    assert len(pairs) == len(Mode) == len({m.label for m in Mode})
    assert all(Mode.of(m.plan_name, m.source) is m for m in Mode)
    assert PLAN_NAMES == ("courier", "dedicated", "engineer")
    assert Mode.VAN.label == "engineer+van" and Mode.COURIER.label == "courier"
    with pytest.raises(ValueError, match="no mode engineer/parcel"):
        Mode.of("engineer", "parcel")
