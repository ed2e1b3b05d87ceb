"""Placement models on hand-checkable matrices, and against brute force on random small ones."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from solver.placement import (
    PlacementInfeasibleError,
    PlacementResult,
    PlacementStatus,
    fixed_charge,
    max_cover,
    p_median,
    set_cover,
)

# Three sites on a line at km 0, 10 and 20; four demand points at km 0, 4, 12 and 20.
# cost[i, j] = |point_i - site_j| in km.
LINE_COST = np.array([[0, 10, 20], [4, 6, 16], [12, 2, 8], [20, 10, 0]], dtype=np.int64)
LINE_WEIGHT = np.array([1, 1, 1, 1], dtype=np.int64)


def _check(result: PlacementResult, chosen: tuple[int, ...], objective: int) -> None:
    assert result.chosen == chosen
    assert result.objective == objective
    assert result.status is PlacementStatus.OPTIMAL
    assert result.gap == 0.0


def test_p_median_one_site_picks_the_middle() -> None:
    """One site: the middle one costs 10+6+2+10 = 28, the ends 36 and 44."""
    _check(p_median(LINE_COST, LINE_WEIGHT, 1), (1,), 28)


def test_p_median_two_sites_picks_the_ends() -> None:
    """Two sites: {0,2} costs 0+4+8+0 = 12, {0,1} 0+4+2+10 = 16, {1,2} 10+6+2+0 = 18."""
    result = p_median(LINE_COST, LINE_WEIGHT, 2)
    _check(result, (0, 2), 12)
    assert result.assignment == (0, 0, 2, 2)


def test_p_median_weights_pull_the_site() -> None:
    """Weight 10 on the point at km 20 makes the end site 2 best alone: 20+16+8+0 = 44."""
    _check(p_median(LINE_COST, np.array([1, 1, 1, 10]), 1), (2,), 44)


def test_p_median_forced_closed_moves_to_next_best() -> None:
    """With site 1 closed, one site: site 0 costs 36, site 2 costs 44."""
    _check(p_median(LINE_COST, LINE_WEIGHT, 1, forced_closed=[1]), (0,), 36)


def test_p_median_forced_open_is_kept() -> None:
    """Site 1 forced with k=2: adding 0 gives 0+4+2+10 = 16, adding 2 gives 10+6+2+0 = 18."""
    _check(p_median(LINE_COST, LINE_WEIGHT, 2, forced_open=[1]), (0, 1), 16)


def test_fixed_charge_trades_opening_against_travel() -> None:
    """Opening 7 each: {0,2} = 14+12 = 26 beats all three 21+6 = 27, {0,1} 30 and {1} 35."""
    _check(fixed_charge(LINE_COST, LINE_WEIGHT, np.array([7, 7, 7])), (0, 2), 26)


def test_fixed_charge_cheap_sites_open_everywhere() -> None:
    """Opening 1 each: all three sites, 3 + (0+4+2+0) = 9."""
    _check(fixed_charge(LINE_COST, LINE_WEIGHT, np.array([1, 1, 1])), (0, 1, 2), 9)


def test_fixed_charge_expensive_sites_open_one() -> None:
    """Opening 100 each: one site only, the middle (100 + 28)."""
    _check(fixed_charge(LINE_COST, LINE_WEIGHT, np.array([100, 100, 100])), (1,), 128)


def test_fixed_charge_forced_open_pays_its_cost() -> None:
    """Site 0 forced at 100, others 7: {0,2} = 107+12 = 119 beats {0,1,2} = 114+6 = 120."""
    result = fixed_charge(LINE_COST, LINE_WEIGHT, np.array([100, 7, 7]), forced_open=[0])
    _check(result, (0, 2), 119)


# Coverage within 6 km of LINE_COST: site 0 reaches points 0,1; site 1 reaches 1,2;
# site 2 reaches point 3.
LINE_COVERS = LINE_COST <= 6


def test_max_cover_one_site_takes_the_heavier_pair() -> None:
    """One site: site 0 covers weight 1+5, site 1 covers 5+2, site 2 covers 3."""
    _check(max_cover(LINE_COVERS, np.array([1, 5, 2, 3]), 1), (1,), 7)


def test_max_cover_two_sites() -> None:
    """Two sites: {1,2} covers 5+2+3 = 10, {0,2} 1+5+3 = 9, {0,1} 1+5+2 = 8."""
    _check(max_cover(LINE_COVERS, np.array([1, 5, 2, 3]), 2), (1, 2), 10)


def test_max_cover_forced_open_counts_its_coverage() -> None:
    """Site 2 forced, k=2: adding 0 covers 1+5+3 = 9, adding 1 covers 5+2+3 = 10."""
    result = max_cover(LINE_COVERS, np.array([1, 5, 2, 3]), 2, forced_open=[2])
    _check(result, (1, 2), 10)
    assert result.assignment == (-1, 1, 1, 2)


def test_max_cover_opens_fewer_when_all_is_covered() -> None:
    """A single site covering every point is enough even when k allows more."""
    covers = np.array([[True, True], [True, False]])
    _check(max_cover(covers, np.array([1, 1]), 2), (0,), 2)


def test_set_cover_needs_three_sites_on_the_line() -> None:
    """Every point needs cover: points 0 and 3 force sites 0 and 2, point 2 forces site 1."""
    _check(set_cover(LINE_COVERS), (0, 1, 2), 3)


def test_set_cover_one_wide_site_suffices() -> None:
    """Within 12 km site 1 reaches all four points."""
    _check(set_cover(LINE_COST <= 12), (1,), 1)


def test_set_cover_with_unreachable_point_names_it() -> None:
    """Closing site 2 leaves point 3 within reach of nothing; the error lists row 3."""
    with pytest.raises(PlacementInfeasibleError, match="1 demand points") as info:
        set_cover(LINE_COVERS, forced_closed=[2])
    assert info.value.rows == (3,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k must be >= 1"),  # nothing to open
        ({"k": 4}, "exceeds the 3 sites"),  # more sites than exist
        ({"k": 1, "forced_open": [0, 1]}, "fewer than the 2 forced-open"),  # k below forced
        ({"k": 1, "forced_open": [7]}, "forced_open: site indices"),  # index out of range
        ({"k": 1, "forced_open": [0], "forced_closed": [0]}, "both forced open and forced closed"),
        ({"k": 1, "time_limit_s": 0}, "time_limit_s must be > 0"),  # no time
    ],
)
def test_p_median_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    """Each bad argument is named in the error."""
    with pytest.raises(ValueError, match=message):
        p_median(LINE_COST, LINE_WEIGHT, **kwargs)  # type: ignore[arg-type]


def test_p_median_rejects_weight_of_wrong_length() -> None:
    """The weight vector must have one entry per demand row."""
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\)"):
        p_median(LINE_COST, np.array([1, 1]), 1)


def test_p_median_rejects_negative_costs() -> None:
    """Costs are non-negative integers."""
    with pytest.raises(ValueError, match="cost must be non-negative integers"):
        p_median(-LINE_COST, LINE_WEIGHT, 1)


# ----------------------------------------------------------------------- brute-force property


def _instance(seed: int, n: int, m: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 100, (n, 2))
    sites = rng.uniform(0, 100, (m, 2))
    cost = np.rint(np.hypot(*(points[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)))
    return cost.astype(np.int64), rng.integers(0, 9, n).astype(np.int64)


def _subsets(m: int, k: int | None) -> list[tuple[int, ...]]:
    sizes = range(1, m + 1) if k is None else [k]
    return [c for r in sizes for c in itertools.combinations(range(m), r)]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 4))
def test_p_median_matches_brute_force(seed: int, k: int) -> None:
    """On random 12 x 7 instances the optimum equals the best of all k-subsets."""
    cost, weight = _instance(seed, 12, 7)
    best = min(int((weight[:, None] * cost[:, s]).min(axis=1).sum()) for s in _subsets(7, k))
    result = p_median(cost, weight, k)
    assert result.status is PlacementStatus.OPTIMAL
    assert result.objective == best
    assert len(result.chosen) == k


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), open_cost=st.integers(0, 400))
def test_fixed_charge_matches_brute_force(seed: int, open_cost: int) -> None:
    """On random 12 x 7 instances the optimum equals the best of all non-empty subsets."""
    cost, weight = _instance(seed, 12, 7)
    f = np.full(7, open_cost, dtype=np.int64)
    best = min(
        int((weight[:, None] * cost[:, s]).min(axis=1).sum() + f[list(s)].sum())
        for s in _subsets(7, None)
    )
    result = fixed_charge(cost, weight, f)
    assert result.status is PlacementStatus.OPTIMAL
    assert result.objective == best


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 4), radius=st.integers(15, 50))
def test_max_cover_matches_brute_force(seed: int, k: int, radius: int) -> None:
    """On random 12 x 7 instances the covered weight equals the best of all k-subsets."""
    cost, weight = _instance(seed, 12, 7)
    covers = cost <= radius
    best = max(int(weight[covers[:, s].any(axis=1)].sum()) for s in _subsets(7, k))
    result = max_cover(covers, weight, k)
    assert result.status is PlacementStatus.OPTIMAL
    assert result.objective == best
    assert len(result.chosen) <= k


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), radius=st.integers(30, 70))
def test_set_cover_matches_brute_force(seed: int, radius: int) -> None:
    """On random instances that can be covered, the count equals the smallest covering subset."""
    cost, _ = _instance(seed, 12, 7)
    covers = cost <= radius
    if not covers.any(axis=1).all():
        with pytest.raises(PlacementInfeasibleError):
            set_cover(covers)
        return
    best = min(len(s) for s in _subsets(7, None) if covers[:, s].any(axis=1).all())
    result = set_cover(covers)
    assert result.objective == best
    assert covers[:, result.chosen].any(axis=1).all()


@pytest.mark.parametrize(
    ("seed", "open_cost"),
    [
        (130, None),  # p-median, k=2: the Lagrangian bound stops short of the optimum
        (113, 150),  # fixed charge at 150 per site: likewise
    ],
)
def test_scip_closes_the_gap_the_lagrangian_bound_leaves(seed: int, open_cost: int | None) -> None:
    """Where the relaxation leaves a gap, SCIP on the sites left proves the brute-force optimum."""
    cost, weight = _instance(seed, 12, 7)
    if open_cost is None:
        result = p_median(cost, weight, 2)
        subsets = _subsets(7, 2)
        f = np.zeros(7, dtype=np.int64)
    else:
        f = np.full(7, open_cost, dtype=np.int64)
        result = fixed_charge(cost, weight, f)
        subsets = _subsets(7, None)
    best = min(
        int((weight[:, None] * cost[:, s]).min(axis=1).sum() + f[list(s)].sum()) for s in subsets
    )
    assert result.engine == "lagrangian+scip"
    assert result.status is PlacementStatus.OPTIMAL
    assert result.objective == best


def test_time_limited_median_reports_a_valid_bound_and_gap() -> None:
    """Stopped early or not, the bound never passes the optimum, the objective never beats it,
    and the gap is what the two say."""
    cost, weight = _instance(3, 400, 150)
    weight = weight + 1
    exact = p_median(cost, weight, 12, time_limit_s=60)
    rushed = p_median(cost, weight, 12, time_limit_s=0.02)
    assert exact.status is PlacementStatus.OPTIMAL
    assert rushed.bound <= exact.objective <= rushed.objective
    assert rushed.gap == pytest.approx((rushed.objective - rushed.bound) / rushed.objective)
    assert (rushed.status is PlacementStatus.OPTIMAL) == (rushed.gap == 0)


@pytest.mark.parametrize("repeat", range(4))
def test_time_limited_covering_keeps_the_greedy_answer_and_a_finite_bound(repeat: int) -> None:
    """Stopped after a millisecond, SCIP's partial answer (possibly nothing opened, bound unset)
    never replaces the better start it was given: k sites open, the bound within the total."""
    cost, weight = _instance(11 + repeat, 900, 300)
    covers = cost <= 12
    exact = max_cover(covers, weight + 1, 8, time_limit_s=60)
    rushed = max_cover(covers, weight + 1, 8, time_limit_s=0.001)
    assert len(rushed.chosen) == 8
    assert rushed.objective <= exact.objective <= rushed.bound <= int((weight + 1).sum())
    fewest = set_cover(cost <= 40, time_limit_s=0.001)
    assert 1 <= fewest.bound <= fewest.objective
