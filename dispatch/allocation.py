"""Phase 1's order and stock preferences from a joint allocation of contended stock.

Where more tickets want a stock pool (one SKU at one depot, or in one van) than it holds units,
planning most urgent first may hand its units to the wrong tickets: to one that could have been
on time from elsewhere, or to one that will be late anyway while another could have been on
time. The min-cost flow of ``solver.allocation`` settles who gets which units: on-time service
first, weighted by tier priority (4 h > 8 h > NBD), then late service of the rest by priority
and lateness, then cost. Phase 1 plans the tickets in urgency order with each preferring its
allotted source, and the tickets left without a unit of a contended pool last. Without
contention the order is plain urgency and nothing is preferred.
"""

from __future__ import annotations

import numpy as np

from dispatch.days import LATENESS_GR_PER_S_PER_PRIORITY
from dispatch.encode import World
from dispatch.sources import Source, SourceState, SourcingOrder, urgency_order
from solver.allocation import allocate
from solver.candidates import Mode, Options

ON_TIME_GAIN_GR = 10**10  # per priority point: above any cost or lateness in grosze
LATE_GAIN_GR = ON_TIME_GAIN_GR // 8  # a late 4 h ticket is worth less than an on-time NBD one


def _best_gain_per_source(opts: Options, deadline_s: int, priority: int) -> dict[Source, int]:
    """What the ticket's best option from each source (van or depot) is worth."""
    k = np.flatnonzero(opts.feasible)
    van = opts.mode[k] == Mode.VAN
    where = np.where(van, opts.engineer[k], opts.depot[k])
    late_s = np.maximum(opts.eta_s[k] - deadline_s, 0)
    worth = np.where(
        late_s == 0,
        ON_TIME_GAIN_GR * priority - opts.cost_gr[k],
        LATE_GAIN_GR * priority
        - opts.cost_gr[k]
        - LATENESS_GR_PER_S_PER_PRIORITY * priority * late_s,
    )
    key = where * 2 + van
    order = np.lexsort((-worth, key))
    keys, first = np.unique(key[order], return_index=True)
    best = worth[order][first]
    return {(bool(c % 2), int(c // 2)): int(w) for c, w in zip(keys, best, strict=True)}


def allocation_order(world: World) -> SourcingOrder:
    """Urgency order, revised by a joint allocation where stock pools are contended; tickets
    that no option serves on time, even alone, come after those that can still be on time
    (so a ticket that will be late anyway does not take the car, the engineer's day or the
    unit another needs)."""
    order = urgency_order(world)
    state = SourceState.start(world)
    scenario = world.snapshot
    pools: dict[tuple[bool, int, str], int] = {}
    units: list[int] = []
    edges: list[tuple[int, int, int]] = []  # (ticket, pool, gain)
    hopeless: set[int] = set()  # no option on time even alone: planned after the others
    for t in order:
        opts = state.options_for(t)
        deadline = int(world.deadline_rel_s[t])
        if not (opts.feasible & (opts.eta_s <= deadline)).any():
            hopeless.add(t)
        priority = int(scenario.tickets[t].tier.priority)
        gain = _best_gain_per_source(opts, deadline, priority)
        for (van, where), worth in gain.items():
            stock = state.van_units if van else state.depot_units
            for sku in scenario.accepted_skus(scenario.tickets[t]):
                if stock[sku][where] <= 0:
                    continue
                key = (van, where, sku)
                if key not in pools:
                    pools[key] = len(units)
                    units.append(int(stock[sku][where]))
                edges.append((t, pools[key], max(worth, 1)))
    capacity = np.asarray(units, dtype=np.int64)
    arr = np.asarray(edges, dtype=np.int64).reshape(-1, 3)
    wanted = np.bincount(np.unique(arr[:, :2], axis=0)[:, 1], minlength=len(units))
    contended = wanted > capacity
    order = [t for t in order if t not in hopeless] + [t for t in order if t in hopeless]
    if not contended.any():
        return SourcingOrder(order)
    allocation = allocate(len(scenario.tickets), capacity, arr[:, 0], arr[:, 1], arr[:, 2])
    source_of = {index: (van, where) for (van, where, _), index in pools.items()}
    in_contention = np.zeros(len(scenario.tickets), dtype=bool)
    in_contention[arr[contended[arr[:, 1]], 0]] = True
    pool_of = allocation.pool_of
    prefer = {t: source_of[int(pool_of[t])] for t in order if pool_of[t] >= 0}
    left_out = [t for t in order if pool_of[t] < 0 and in_contention[t]]
    first = [t for t in order if not (pool_of[t] < 0 and in_contention[t])]
    return SourcingOrder(first + left_out, prefer, frozenset(left_out))
