"""Joint allocation of scarce stock: which tickets the units should go to, all tickets at once.

Planning tickets one by one, most urgent first, lets an early ticket take the one unit a later
ticket cannot do without, or take a unit although it will be late anyway. A min-cost flow over
tickets -> unit pools -> sink, with a bypass for tickets left unserved, finds the assignment of
units with the largest total gain (what serving each ticket from each pool is worth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Allocation:
    """The flow's answer: for each ticket the pool it is served from, or -1."""

    pool_of: I64

    @property
    def served(self) -> NDArray[np.bool_]:
        """Mask of tickets the allocation serves."""
        mask: NDArray[np.bool_] = self.pool_of >= 0
        return mask


def allocate(n_tickets: int, pool_units: I64, ticket: I64, pool: I64, gain: I64) -> Allocation:
    """Give each ticket at most one unit so that the total gain is the largest.

    Parameters
    ----------
    n_tickets
        Tickets are ``0 .. n_tickets - 1``.
    pool_units
        Units in each pool (a depot's or a van's stock of one SKU), shape ``(P,)``.
    ticket, pool, gain
        Parallel arrays, one entry per acceptable (ticket, pool) pair and what serving the
        ticket from that pool is worth (an integer; a pair worth <= 0 is never used).

    Raises
    ------
    ValueError
        Mismatched or out-of-range arrays, or negative units.
    """
    n_pools = len(pool_units)
    if not len(ticket) == len(pool) == len(gain):
        raise ValueError("ticket, pool and gain must have the same length")
    if len(ticket) and (ticket.min() < 0 or ticket.max() >= n_tickets):
        raise ValueError(f"ticket ids must be within [0, {n_tickets})")
    if len(pool) and (pool.min() < 0 or pool.max() >= n_pools):
        raise ValueError(f"pool ids must be within [0, {n_pools})")
    if (pool_units < 0).any():
        raise ValueError("pool_units must be >= 0")
    pool_of = np.full(n_tickets, -1, dtype=np.int64)
    if not len(ticket):
        return Allocation(pool_of)
    source, sink = n_tickets + n_pools, n_tickets + n_pools + 1
    zeros = np.zeros(max(n_tickets, n_pools), dtype=np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n_tickets, source),
        np.arange(n_tickets),
        np.ones(n_tickets, np.int64),
        zeros[:n_tickets],
    )
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        ticket, n_tickets + pool, np.ones(len(ticket), np.int64), -gain
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        n_tickets + np.arange(n_pools), np.full(n_pools, sink), pool_units, zeros[:n_pools]
    )
    flow.add_arc_with_capacity_and_unit_cost(source, sink, n_tickets, 0)  # unserved tickets
    flow.set_node_supply(source, n_tickets)
    flow.set_node_supply(sink, -n_tickets)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    used = flow.flows(arcs) > 0
    pool_of[ticket[used]] = pool[used]
    return Allocation(pool_of)
