"""How many spares of each SKU a depot holds: base-stock levels from Poisson demand.

Each (depot, SKU) pair is an item with a one-for-one replenishment policy: every unit sent out is
replaced when the failed unit's return loop closes, ``lead_time_days`` later (the mean of
:class:`depots.demand.ReturnLoop`: back within 7 days under the terms, exchanged at the central
warehouse, a day's transfer to the depot). With Poisson failures at ``annual_demand`` per year,
the number of units out at any moment is Poisson with mean
``m = annual_demand x lead_time_days / 365`` (Palm's theorem), so with ``S`` units on the shelf
a request finds stock with probability

    fill(S) = P(pipeline <= S - 1)

The plan reaches a demand-weighted fill rate ``target`` at least holding cost, within a budget,
by marginal analysis: repeatedly take the step with the best fill-rate gain per zloty. Greedy is
optimal for separable concave objectives (Fox 1966); ``fill`` is concave only from the Poisson
mode upwards, so each item's steps follow its concave majorant (from S straight to the level
with the best average gain). Every point the greedy passes then maximises fill rate for its own
cost, so the last point short of the target is a proven lower bound on the cheapest cost that
reaches it (``cost_lower_bound_gr``; points after a step skipped for the budget are not
counted, as they leave that path).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.stats import poisson

from depots.demand import FailureRates, ReturnLoop
from depots.placement import CustomerSites, DepotLayout
from dispatch.errors import InvalidInput
from dispatch.inputs import CsvRow, read_csv
from dispatch.tiers import Tier

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True, slots=True)
class StockItem:
    """One SKU at one depot."""

    depot: str
    sku: str
    annual_demand: float  # expected requests per year
    lead_time_days: float  # until the failed unit is back, repaired, on the shelf
    holding_gr_year: int  # holding cost of one unit for a year, grosze
    min_level: int = 0  # units the depot holds whatever the target (a per-tier minimum)
    serves: tuple[str, ...] = ()  # other SKUs whose requests its units take (substitutes)

    def __post_init__(self) -> None:
        name = f"item {self.depot}/{self.sku}"
        if self.min_level < 0:
            raise InvalidInput(f"{name}.min_level", f"must be >= 0, got {self.min_level}")
        if not (math.isfinite(self.annual_demand) and self.annual_demand >= 0):
            raise InvalidInput(f"{name}.annual_demand", f"must be >= 0, got {self.annual_demand}")
        if not (math.isfinite(self.lead_time_days) and self.lead_time_days > 0):
            raise InvalidInput(f"{name}.lead_time_days", f"must be > 0, got {self.lead_time_days}")
        if self.holding_gr_year <= 0:
            raise InvalidInput(
                f"{name}.holding_gr_year", f"must be > 0, got {self.holding_gr_year}"
            )

    @property
    def pipeline_mean(self) -> float:
        """Expected units out for repair or return at any moment."""
        return self.annual_demand * self.lead_time_days / DAYS_PER_YEAR


@dataclass(frozen=True, slots=True)
class StockPlan:
    """Base-stock levels, aligned with ``items``, and what they achieve."""

    items: tuple[StockItem, ...]
    levels: tuple[int, ...]
    fill_rate: float  # demand-weighted share of requests found in stock
    holding_gr_year: int
    target: float
    target_met: bool  # False when the budget stopped the plan short
    cost_lower_bound_gr: int  # every plan reaching the target costs more (module docstring)

    def item_fill_rates(self) -> tuple[float, ...]:
        """Each item's own fill rate at its level."""
        return tuple(
            fill_rate(i.pipeline_mean, s) for i, s in zip(self.items, self.levels, strict=True)
        )


def fill_rate(pipeline_mean: float, level: int) -> float:
    """Share of requests met from stock with ``level`` units: ``P(Poisson(mean) <= level - 1)``.

    Raises
    ------
    InvalidInput
        On a negative level or mean.
    """
    if level < 0:
        raise InvalidInput("level", f"must be >= 0, got {level}")
    if pipeline_mean < 0:
        raise InvalidInput("pipeline_mean", f"must be >= 0, got {pipeline_mean}")
    if level == 0:
        return 0.0 if pipeline_mean > 0 else 1.0
    return float(poisson.cdf(level - 1, pipeline_mean))


def _fill_curve(mean: float, target: float) -> NDArray[np.float64]:
    """fill(S) for S = 0 .. a level where the item alone is at 1 - (1 - target) / 100."""
    top = int(poisson.ppf(1.0 - (1.0 - target) / 100.0, mean)) + 2 if mean > 0 else 1
    levels = np.arange(top + 1)
    curve = np.where(levels == 0, 0.0, poisson.cdf(levels - 1, mean))
    return np.asarray(curve, dtype=np.float64)


def _best_step(
    curve: NDArray[np.float64], level: int, weight: float, unit: int
) -> tuple[float, int]:
    """The step along the concave majorant from ``level``: (gain per grosz, units)."""
    if level + 1 >= curve.size:
        return 0.0, 0
    gains = weight * (curve[level + 1 :] - curve[level]) / (unit * np.arange(1, curve.size - level))
    units = int(np.argmax(gains)) + 1
    return float(gains[units - 1]), units


def _cheapest_finish(
    items: Sequence[StockItem],
    curves: list[NDArray[np.float64]],
    share: NDArray[np.float64],
    levels: list[int],
    missing: float,
) -> tuple[int, int]:
    """The cheapest single-item raise that closes the last ``missing`` fill rate.

    The last majorant step may jump past the target (or past a cheaper item's smaller step);
    this replaces it by the least-cost raise of one item that still reaches the target.
    """
    best = (math.inf, 0, 0)
    for k, item in enumerate(items):
        gained = share[k] * (curves[k][levels[k] + 1 :] - curves[k][levels[k]])
        enough = np.flatnonzero(gained >= missing - 1e-12)
        if enough.size:
            units = int(enough[0]) + 1
            best = min(best, (float(units * item.holding_gr_year), k, units))
    return best[1], best[2]


def base_stock(
    items: Sequence[StockItem], target: float = 0.95, budget_gr_year: int | None = None
) -> StockPlan:
    """Base-stock levels reaching ``target`` demand-weighted fill rate at least holding cost.

    Raises
    ------
    InvalidInput
        On an empty item list, a target outside (0, 1) or a negative budget.
    """
    if not items:
        raise InvalidInput("items", "must not be empty")
    if not 0 < target < 1:
        raise InvalidInput("fill_rate", f"must be between 0 and 1 (exclusive), got {target}")
    if budget_gr_year is not None and budget_gr_year < 0:
        raise InvalidInput("budget", f"must be >= 0, got {budget_gr_year}")
    demand = np.array([i.annual_demand for i in items])
    total = float(demand.sum())
    if total == 0:
        return StockPlan(tuple(items), (0,) * len(items), 1.0, 0, target, True, 0)
    share = demand / total
    curves = [_fill_curve(i.pipeline_mean, target) for i in items]
    floors = [i.min_level for i in items]
    curves = [
        c if c.size > f + 1 else np.concatenate([c, np.ones(f + 2 - c.size)])
        for c, f in zip(curves, floors, strict=True)
    ]
    levels = list(floors)  # minimums first: every plan holds them
    fill = float(sum(s * c[f] for s, c, f in zip(share, curves, floors, strict=True)))
    cost = sum(f * i.holding_gr_year for f, i in zip(floors, items, strict=True))
    proven_below = cost  # cost of the last greedy point short of the target, while none skipped
    skipped = False
    last = (0, 0)  # the step that crossed the target, undone by the finishing pass
    # Max-heap of (-gain per grosz, item, units); a popped entry is current because an item's
    # step only changes when that item moves, and then it is pushed again.
    heap: list[tuple[float, int, int]] = []
    for k, item in enumerate(items):
        gain, units = _best_step(curves[k], levels[k], share[k], item.holding_gr_year)
        if units:
            heap.append((-gain, k, units))
    heapq.heapify(heap)
    while fill < target and heap:
        _, k, units = heapq.heappop(heap)
        step_cost = units * items[k].holding_gr_year
        if budget_gr_year is not None and cost + step_cost > budget_gr_year:
            skipped = True  # this item's step does not fit; cheaper steps of others may
            continue
        if not skipped:
            proven_below = cost
        last = (k, units)
        fill += share[k] * (curves[k][levels[k] + units] - curves[k][levels[k]])
        levels[k] += units
        cost += step_cost
        gain, units = _best_step(curves[k], levels[k], share[k], items[k].holding_gr_year)
        if units:
            heapq.heappush(heap, (-gain, k, units))
    met = fill >= target - 1e-12
    if budget_gr_year is not None and cost > budget_gr_year:
        met = False  # the minimums alone exceed the budget
    if met and last[1]:
        k, units = last
        fill -= share[k] * (curves[k][levels[k]] - curves[k][levels[k] - units])
        levels[k] -= units
        cost -= units * items[k].holding_gr_year
        j, extra = _cheapest_finish(items, curves, share, levels, target - fill)
        fill += share[j] * (curves[j][levels[j] + extra] - curves[j][levels[j]])
        levels[j] += extra
        cost += extra * items[j].holding_gr_year
        # Earlier majorant steps may overshoot too: drop units, dearest first, while the
        # target still holds.
        for k in sorted(range(len(items)), key=lambda i: -items[i].holding_gr_year):
            while levels[k] > floors[k]:
                loss = share[k] * (curves[k][levels[k]] - curves[k][levels[k] - 1])
                if fill - loss < target - 1e-12:
                    break
                fill -= loss
                levels[k] -= 1
                cost -= items[k].holding_gr_year
    return StockPlan(
        items=tuple(items),
        levels=tuple(levels),
        fill_rate=float(fill),
        holding_gr_year=int(cost),
        target=target,
        target_met=bool(met),
        cost_lower_bound_gr=proven_below,
    )


# --------------------------------------------------------------------------- from a layout

# Assumed replacement value of one spare by product family (PLN), used when the SKU list has
# no ``unit_value_pln`` column; list prices of the demo SKUs' classes, rounded.
FAMILY_UNIT_VALUE_PLN = {"switch": 9_000, "wireless": 2_500, "controller": 40_000, "fabric": 20_000}


@dataclass(frozen=True, slots=True)
class SkuRate:
    """What stocking needs to know about a SKU."""

    sku: str
    family: str
    failures_per_year: float  # per installed device
    unit_value_gr: int
    share: float  # share of the installed base, for sampled sites
    substitutes: tuple[str, ...] = ()  # SKUs whose units may replace it (the catalogue's)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.failures_per_year) and self.failures_per_year >= 0):
            raise InvalidInput(f"sku {self.sku}.failures_per_year", "must be >= 0")
        if self.unit_value_gr <= 0:
            raise InvalidInput(f"sku {self.sku}.unit_value_gr", "must be > 0")
        if not (math.isfinite(self.share) and self.share >= 0):
            raise InvalidInput(f"sku {self.sku}.share", "must be >= 0")


def failure_rates(skus: Mapping[str, SkuRate], rate_scale: float = 1.0) -> FailureRates:
    """The catalogue's failure rates as the demand model's :class:`FailureRates`."""
    return FailureRates({k: s.failures_per_year * rate_scale for k, s in skus.items()})


def load_skus(path: Path) -> dict[str, SkuRate]:
    """SKUs from a CSV with ``sku``, ``family``, ``afr_permille`` (failures per 1,000 devices a
    year) and optional ``share``, ``unit_value_pln`` (else by family, see
    ``FAMILY_UNIT_VALUE_PLN``) and ``substitutes`` (``;``-separated SKUs that may replace it).

    Raises
    ------
    InvalidInput
        Naming the file, line and column of the first bad value.
    """
    rows = read_csv(_SkuFileRow, path, required=("sku", "family", "afr_permille"), field="skus")
    out: dict[str, SkuRate] = {}
    for line, row in enumerate(rows, start=2):
        value = row.unit_value_pln or FAMILY_UNIT_VALUE_PLN.get(row.family)
        if value is None:
            raise InvalidInput(
                f"{path.name}:{line}.family", f"no unit value for family {row.family!r}"
            )
        rate = SkuRate(
            row.sku,
            row.family,
            row.afr_permille / 1000.0,
            round(value * 100),
            row.share,
            tuple(x for x in row.substitutes.split(";") if x),
        )
        out[row.sku] = rate
    return out


class _SkuFileRow(CsvRow):
    sku: str
    family: str
    afr_permille: float
    share: float = 0.0
    unit_value_pln: float | None = None
    substitutes: str = ""


def stock_items(
    layout: DepotLayout,
    base: CustomerSites,
    skus: Mapping[str, SkuRate],
    rates: FailureRates,
    *,
    loop: ReturnLoop | None = None,
    holding_rate: float = 0.25,
    keep_one_within_hours: float = 4.0,
    substitutes: bool = False,
) -> list[StockItem]:
    """One item per (depot, SKU) with demand: the failures of the devices each depot serves.

    ``layout`` must come from ``place_depots`` on ``base.points`` (each site is served by the
    depot of ``layout.assignment``). Failures come from ``rates`` (the one demand model), the
    lead time is the return loop's mean (default: the terms' loop). Holding cost of a unit for
    a year is ``holding_rate`` times its value. A depot serving a device whose tier's target is
    ``keep_one_within_hours`` or faster holds at least one unit of its SKU (a 4 h SKU is never
    at zero in its depot, whatever the overall target).

    With ``substitutes``, a SKU that the catalogue lets another replace is stocked as that
    other one (followed to the end of the chain): its requests join that SKU's item at the same
    depot (``serves`` names them), so one pool of units covers both and, Poisson demands adding
    up, fewer units reach the same fill rate than two separate shelves. This is full downward
    substitution: a request of the newer SKU cannot take an older unit, so the pool holds the
    newer SKU only.

    Raises
    ------
    InvalidInput
        When the layout and base differ in sites, a SKU is unknown, or a rate is out of range.
    """
    if len(layout.assignment) != len(base.points):
        raise InvalidInput("layout", "was not made for this installed base (site count differs)")
    if not (math.isfinite(holding_rate) and holding_rate > 0):
        raise InvalidInput("holding_rate", f"must be > 0, got {holding_rate}")
    stocked_as = _substitution_ends(skus) if substitutes else {}
    demand: dict[tuple[str, str], float] = {}
    urgent: set[tuple[str, str]] = set()
    served: dict[tuple[str, str], set[str]] = {}
    for point, depot in zip(base.points, layout.assignment, strict=True):
        tier = Tier.parse(point.tier, field=f"site {point.site_id}.tier") if point.tier else None
        fast = (
            tier is not None and not tier.is_nbd and tier.target_s <= keep_one_within_hours * 3600
        )
        for sku, count in base.sku_counts.get(point.site_id, {}).items():
            if sku not in skus:
                reason = "has devices without a SKU" if sku == "?" else f"unknown SKU {sku!r}"
                raise InvalidInput(f"site {point.site_id}.sku", reason)
            key = (layout.depots[depot].name, stocked_as.get(sku, sku))
            if fast and count > 0:
                urgent.add(key)
            if key[1] != sku:
                served.setdefault(key, set()).add(sku)
            demand[key] = demand.get(key, 0.0) + count * rates.of(sku)
    lead = (loop or ReturnLoop()).mean_days
    return [
        StockItem(
            depot,
            sku,
            d,
            lead,
            round(skus[sku].unit_value_gr * holding_rate),
            int((depot, sku) in urgent),
            tuple(sorted(served.get((depot, sku), ()))),
        )
        for (depot, sku), d in sorted(demand.items())
        if d > 0
    ]


def _substitution_ends(skus: Mapping[str, SkuRate]) -> dict[str, str]:
    """Each SKU with a known substitute -> the SKU its chain of first substitutes ends at."""
    ends = {}
    for sku in skus:
        end, seen = sku, {sku}
        while skus[end].substitutes and skus[end].substitutes[0] in skus:
            end = skus[end].substitutes[0]
            if end in seen:  # a cycle: no newest SKU to pool them in
                end = sku
                break
            seen.add(end)
        if end != sku:
            ends[sku] = end
    return ends
