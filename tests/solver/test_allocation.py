"""Joint stock allocation: the min-cost flow gives units to the tickets worth the most."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.allocation import allocate


def _arrays(*rows: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return arr[:, 0], arr[:, 1], arr[:, 2]


def test_the_unit_a_ticket_cannot_do_without_goes_to_it() -> None:
    """Ticket 0 can use pool 0 or 1 (0 slightly better); ticket 1 only pool 0: 0 takes pool 1."""
    ticket, pool, gain = _arrays((0, 0, 100), (0, 1, 90), (1, 0, 100))
    result = allocate(2, np.array([1, 1]), ticket, pool, gain)
    assert result.pool_of.tolist() == [1, 0]


def test_a_pair_worth_nothing_is_left_unserved() -> None:
    ticket, pool, gain = _arrays((0, 0, 0), (1, 0, -5), (2, 1, 7))
    result = allocate(3, np.array([1, 1]), ticket, pool, gain)
    assert result.pool_of.tolist() == [-1, -1, 1]
    assert result.served.tolist() == [False, False, True]


def test_no_pairs_serve_nobody() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert allocate(2, np.array([3]), empty, empty, empty).pool_of.tolist() == [-1, -1]


@pytest.mark.parametrize(
    ("units", "rows", "match"),
    [
        ([1], [(0, 1, 5)], "pool ids"),
        ([1], [(2, 0, 5)], "ticket ids"),
        ([-1], [(0, 0, 5)], "pool_units"),
    ],
)
def test_bad_arrays_are_refused(units, rows, match) -> None:
    with pytest.raises(ValueError, match=match):
        allocate(2, np.array(units), *_arrays(*rows))


def _brute_force(n_tickets: int, units: list[int], pairs: dict[tuple[int, int], int]) -> int:
    """The best total gain by trying every pool (or none) for every ticket."""
    choices = [[None, *[p for (t, p) in pairs if t == ticket]] for ticket in range(n_tickets)]
    best = 0
    for pick in itertools.product(*choices):
        used = [pick.count(p) for p in range(len(units))]
        if all(u <= cap for u, cap in zip(used, units, strict=True)):
            best = max(best, sum(pairs[t, p] for t, p in enumerate(pick) if p is not None))
    return best


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n_tickets=st.integers(1, 5),
    units=st.lists(st.integers(0, 2), min_size=1, max_size=3),
)
def test_allocation_respects_units_and_matches_the_best_by_exhaustion(data, n_tickets, units):
    """Never more units than a pool holds, each ticket served only through a pair it has, and
    the total gain equals the exhaustive optimum."""
    keys = [(t, p) for t in range(n_tickets) for p in range(len(units))]
    chosen = data.draw(st.lists(st.sampled_from(keys), unique=True))
    pairs = {k: data.draw(st.integers(-20, 100)) for k in chosen}
    rows = [(t, p, g) for (t, p), g in pairs.items()]
    result = allocate(n_tickets, np.array(units), *_arrays(*rows))
    served = {t: int(p) for t, p in enumerate(result.pool_of) if p >= 0}
    assert all((t, p) in pairs for t, p in served.items())
    for p, cap in enumerate(units):
        assert sum(1 for q in served.values() if q == p) <= cap
    assert sum(pairs[t, p] for t, p in served.items()) == _brute_force(n_tickets, units, pairs)
