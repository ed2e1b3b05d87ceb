"""Base-stock levels: the Poisson fill-rate formula by hand, and the plan against brute force."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from depots.demo_world import DEMO_DIR
from depots.placement import (
    PlacementParams,
    candidate_towns,
    load_demo_installed_base,
    place_depots,
)
from depots.stocking import (
    FAMILY_UNIT_VALUE_PLN,
    SkuRate,
    StockItem,
    _substitution_ends,
    base_stock,
    failure_rates,
    fill_rate,
    load_skus,
    stock_items,
)
from dispatch.errors import InvalidInput
from solver.travel.geodesic import GeodesicTravel

E2 = math.exp(-2)


def _item(
    demand: float = 73.0, lead: float = 10.0, holding: int = 100, sku: str = "A"
) -> StockItem:
    return StockItem("WAW", sku, demand, lead, holding)


def test_pipeline_mean_is_demand_over_lead_time() -> None:
    """73 requests a year over a 10-day repair loop: 73 x 10 / 365 = 2 units out on average."""
    assert _item().pipeline_mean == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (0, 0.0),  # an empty shelf meets nothing
        (1, E2),  # P(pipeline = 0) = e^-2
        (2, 3 * E2),  # e^-2 (1 + 2)
        (3, 5 * E2),  # e^-2 (1 + 2 + 4/2)
        (5, E2 * (1 + 2 + 2 + 8 / 6 + 16 / 24)),  # P(pipeline <= 4)
    ],
)
def test_fill_rate_matches_hand_computed_poisson(level: int, expected: float) -> None:
    """fill(S) = P(Poisson(2) <= S - 1), worked out term by term."""
    assert fill_rate(2.0, level) == pytest.approx(expected, rel=1e-12)


def test_fill_rate_without_demand_is_full() -> None:
    """An item nobody asks for is never short, even with nothing on the shelf."""
    assert fill_rate(0.0, 0) == 1.0


def test_single_item_takes_the_smallest_level_reaching_the_target() -> None:
    """Mean 2: S=4 gives 7 e^-2 = 0.947 (S=4 is 0.857), so 90 % needs 5 units at 1 zł each."""
    plan = base_stock([_item()], 0.9)
    assert plan.levels == (5,)
    assert plan.holding_gr_year == 500
    assert plan.fill_rate == pytest.approx(E2 * (1 + 2 + 2 + 8 / 6 + 16 / 24))
    assert plan.target_met


def test_low_target_is_not_overshot_by_the_majorant_step() -> None:
    """The concave majorant jumps 0 -> 3 units, but 10 % is reached by one unit (e^-2 = 13.5 %)."""
    assert base_stock([_item()], 0.1).levels == (1,)


def test_dear_item_gets_fewer_units() -> None:
    """Two equal-demand items, the second 10x dearer: (5, 4) fills 0.902 at 45 zł; (4, 5) costs 504
    zł and (6, 4) 46 zł."""
    plan = base_stock([_item(holding=100), _item(holding=1000, sku="B")], 0.9)
    assert plan.levels == (5, 4)
    assert plan.holding_gr_year == 4500
    assert plan.cost_lower_bound_gr < 4500


def test_budget_stops_the_plan_short() -> None:
    """A 3 zł budget buys 3 units (fill 0.677 < 0.99); the plan says the target is not met."""
    plan = base_stock([_item()], 0.99, budget_gr_year=300)
    assert plan.levels == (3,)
    assert not plan.target_met
    assert plan.holding_gr_year <= 300


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target": 1.0}, "fill_rate"),  # certainty is not reachable with Poisson demand
        ({"target": 0.0}, "fill_rate"),  # nothing to plan for
        ({"budget_gr_year": -1}, "budget"),  # negative money
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, float], field: str) -> None:
    """Each bad argument raises InvalidInput naming it."""
    with pytest.raises(InvalidInput, match=field):
        base_stock([_item()], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"demand": -1.0}, "annual_demand"),  # negative demand
        ({"lead": 0.0}, "lead_time_days"),  # instant repair
        ({"holding": 0}, "holding_gr_year"),  # free stock would make every plan optimal
    ],
)
def test_bad_items_name_the_field(kwargs: dict[str, float], field: str) -> None:
    """StockItem validates itself and names the field."""
    with pytest.raises(InvalidInput, match=field):
        _item(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    demands=st.lists(st.floats(5, 120), min_size=2, max_size=3),
    costs=st.lists(st.integers(50, 2000), min_size=3, max_size=3),
    target=st.floats(0.5, 0.97),
)
def test_plan_is_between_the_proven_bound_and_near_the_brute_force_optimum(
    demands: list[float], costs: list[int], target: float
) -> None:
    """The plan reaches the target; the cheapest plan (brute force) costs more than the proven
    lower bound and no more than the plan."""
    items = [
        StockItem("D", f"S{k}", d, 21.0, c)
        for k, (d, c) in enumerate(zip(demands, costs[: len(demands)], strict=True))
    ]
    plan = base_stock(items, target)
    grids = [np.arange(int(i.pipeline_mean * 3) + 8) for i in items]
    mesh = np.meshgrid(*grids, indexing="ij")
    fill = sum(
        i.annual_demand * np.where(m == 0, 0.0, poisson.cdf(m - 1, i.pipeline_mean))
        for i, m in zip(items, mesh, strict=True)
    ) / sum(demands)
    cost = sum(i.holding_gr_year * m for i, m in zip(items, mesh, strict=True))
    best = int(cost[fill >= target].min())
    assert plan.target_met and plan.fill_rate >= target
    assert plan.cost_lower_bound_gr < best <= plan.holding_gr_year


def test_sku_list_values_units_by_family_unless_given(tmp_path: Path) -> None:
    """15 per mille is 0.015 failures a year; a switch is valued 9,000 zł unless the row says."""
    path = tmp_path / "skus.csv"
    path.write_text(
        "sku,family,afr_permille,share,unit_value_pln\nSW,switch,15,60,\nAP,wireless,20,10,1999.5\n",
        encoding="utf-8",
    )
    skus = load_skus(path)
    assert skus["SW"].failures_per_year == pytest.approx(0.015)
    assert skus["SW"].unit_value_gr == FAMILY_UNIT_VALUE_PLN["switch"] * 100
    assert skus["AP"].unit_value_gr == 199_950


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("sku,family\nA,switch\n", "needs a header"),  # no failure rate
        ("sku,family,afr_permille\nA,switch,x\n", r"skus.csv:2"),  # garbled number
        ("sku,family,afr_permille\nA,optics,5\n", "no unit value for family 'optics'"),
    ],
)
def test_bad_sku_list_names_the_row(tmp_path: Path, body: str, message: str) -> None:
    """Each bad SKU file is refused with where and why."""
    path = tmp_path / "skus.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_skus(path)


def test_a_per_tier_minimum_is_held_whatever_the_target() -> None:
    """A rarely failing 4 h SKU would get no unit at a 50 % target; its minimum of one stays,
    priced into the plan and its bound, and the busy SKU still gets what the target needs."""
    rare = StockItem("WAW", "CTRL", 0.2, 21.0, 100, min_level=1)
    busy = StockItem("WAW", "AP", 50.0, 21.0, 100)
    without = base_stock([dataclasses.replace(rare, min_level=0), busy], 0.5)
    plan = base_stock([rare, busy], 0.5)
    assert without.levels[0] == 0 and plan.levels[0] == 1
    assert plan.fill_rate >= 0.5 and plan.cost_lower_bound_gr <= plan.holding_gr_year
    assert plan.holding_gr_year == 100 * sum(plan.levels)
    assert not base_stock([rare, busy], 0.5, budget_gr_year=50).target_met  # minimum > budget


def _rate(sku: str, *substitutes: str) -> SkuRate:
    return SkuRate(sku, "switch", 0.01, 900_000, 1.0, substitutes)


def test_substitutes_are_followed_to_the_end_of_their_chain() -> None:
    chain = {k: _rate(k, *s) for k, s in (("A", ("B",)), ("B", ("C",)), ("C", ()), ("D", ("X",)))}
    assert _substitution_ends(chain) == {"A": "C", "B": "C"}  # X is not in the catalogue
    loop = {"P": _rate("P", "Q"), "Q": _rate("Q", "P")}
    assert _substitution_ends(loop) == {}  # no newest SKU to pool them in


def test_pooling_substitutes_keeps_every_request_and_needs_fewer_units() -> None:
    skus = load_skus(DEMO_DIR / "skus.csv")
    base = load_demo_installed_base()
    towns = candidate_towns(300)
    layout = place_depots(
        "pmedian",
        towns,
        base.points,
        GeodesicTravel(),
        k=5,
        params=PlacementParams(time_limit_s=10),
    )
    rates = failure_rates(skus)
    separate = stock_items(layout, base, skus, rates)
    pooled = stock_items(layout, base, skus, rates, substitutes=True)
    assert sum(i.annual_demand for i in pooled) == pytest.approx(
        sum(i.annual_demand for i in separate)
    )
    stocked = {i.sku for i in pooled}
    assert "X435-24P-4S" not in stocked and "5320-24P-8XE" in stocked
    pool = next(i for i in pooled if i.serves)
    assert all(skus[s].substitutes and s not in stocked for s in pool.serves)
    plans = [base_stock(items, 0.95) for items in (separate, pooled)]
    assert all(p.target_met for p in plans)
    assert sum(plans[1].levels) < sum(plans[0].levels)
    assert plans[1].holding_gr_year < plans[0].holding_gr_year
