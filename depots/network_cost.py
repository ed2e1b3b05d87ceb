"""What the network costs a year: depots, the spares on their shelves, engineers and tickets.

One replication's cost lines, in PLN a year (the period's ticket costs scaled to 365 days):

- ``depots``: each open depot's fixed cost (rent, staff share, handling; the scenario's
  ``costs.depot_pln_year``);
- ``stock_holding``: the spares on depot shelves, in vans and at the central warehouse at the
  start, at their value (``depots.stocking.FAMILY_UNIT_VALUE_PLN``) times ``costs.holding_rate``;
- ``tickets``: the engine's price of every planned ticket (courier, dedicated car, and the
  engineer's time on the job at their hourly rate);
- ``engineers_idle``: the engineers' paid shift hours not spent on jobs, at their rate, so
  that each paid hour is counted once, in a ticket or here;
- ``transfers``: the lateral transfers between depots, at their price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from depots.stocking import FAMILY_UNIT_VALUE_PLN

DAYS_PER_YEAR = 365.0
LINES = ("depots", "stock_holding", "tickets", "engineers_idle", "transfers")


def yearly_costs(
    *,
    depots: int,
    depot_pln_year: float,
    units: Mapping[str, NDArray[np.int64]],
    family: Mapping[str, str],
    holding_rate: float,
    tickets: pd.DataFrame,
    engineers: pd.DataFrame,
    rates: Sequence[float],
    days: int,
    transfers_pln: float = 0.0,
) -> dict[str, float]:
    """The cost lines of one run and their sum ``network`` (see the module docstring)."""
    year = DAYS_PER_YEAR / days
    value = sum(
        int(u.sum()) * FAMILY_UNIT_VALUE_PLN.get(family[sku], 0) for sku, u in units.items()
    )
    in_shift = engineers.busy_h - engineers.off_shift_h
    idle_h = np.maximum(engineers.shift_h - in_shift, 0.0)
    lines = {
        "depots": depots * depot_pln_year,
        "stock_holding": value * holding_rate,
        "tickets": float(tickets.cost_pln.sum()) * year,
        "engineers_idle": float((idle_h * np.asarray(rates)).sum()) * year,
        "transfers": transfers_pln * year,
    }
    return {**lines, "network": sum(lines.values())}
