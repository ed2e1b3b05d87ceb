"""The headcount curve: a spread order of the engineers, scenarios that keep the first n of it,
and a simulation that plans with exactly those engineers."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from depots.demo_world import load
from depots.headcount import headcount_curve, headcount_scenarios, spread_order
from depots.report import Study
from depots.simulation import simulate
from depots.simulation_params import Layout, SimulationParams
from dispatch.errors import InvalidInput
from dispatch.places import resolve
from tests.depots.simworld import tiny_world, write_scenario


def _km(a: str, b: str) -> float:
    p, q = resolve(a), resolve(b)
    x = math.radians(q.lon - p.lon) * math.cos(math.radians((p.lat + q.lat) / 2))
    return 6371.0 * math.hypot(x, math.radians(q.lat - p.lat))


def test_the_spread_order_keeps_each_next_engineer_farthest_from_those_kept() -> None:
    world = load()
    homes = {e.id: e.home for e in world.engineers}
    order = spread_order(world)
    assert sorted(order) == sorted(homes) and order == spread_order(world)
    for n in (1, 2, 5, 12):
        kept, rest = order[:n], order[n:]
        gap = {e: min(_km(homes[e], homes[k]) for k in kept) for e in rest}
        # the next one is (within rounding of two distance formulas) the farthest of the rest
        assert gap[order[n]] >= max(gap.values()) - 1.0


def test_headcount_scenarios_keep_the_first_n_and_refuse_impossible_counts() -> None:
    params = SimulationParams(name="s", start=date(2027, 1, 4))
    order = ("E3", "E1", "E2")
    three, one = headcount_scenarios(params, order, [3, 1])
    assert three.layout.engineers == order and one.layout.engineers == ("E3",)
    assert one.name == "s-1-engineers"
    for bad in ([0], [4]):
        with pytest.raises(InvalidInput, match="--headcount"):
            headcount_scenarios(params, order, bad)


@pytest.mark.parametrize(
    ("engineers", "needle"),
    [((), "at least one"), (("E1", "E1"), "twice")],
)
def test_a_layout_must_keep_distinct_engineers(engineers: tuple[str, ...], needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        Layout(engineers=engineers)


def test_an_unknown_engineer_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, '[layout]\nengineers = ["E1", "E9"]\n')
    params = SimulationParams.from_toml(path)
    with pytest.raises(InvalidInput, match=r"layout\.engineers.*E9"):
        simulate(params, np.random.default_rng(0))


def test_the_simulation_plans_with_the_kept_engineers_only(tmp_path: Path) -> None:
    params = SimulationParams.from_toml(write_scenario(tmp_path))
    assert {e.id for e in tiny_world().engineers} == {"E1", "E2"}
    (alone,) = headcount_scenarios(params, ("E2", "E1"), [1])
    runs = [simulate(p, np.random.default_rng(3)) for p in (params, alone)]
    assert set(runs[0].engineers.engineer) == {"E1", "E2"}
    assert set(runs[1].engineers.engineer) == {"E2"}
    visited = runs[1].tickets[runs[1].tickets.engineer.fillna("") != ""]
    assert set(visited.engineer) <= {"E2"}
    curve = headcount_curve([Study(params, (runs[0],)), Study(alone, (runs[1],))])
    assert set(curve.engineers) == {1, 2}
    assert curve.pareto.any()
    for tier, rows in curve.groupby("tier"):
        assert rows.set_index("engineers").total_pln[1] < rows.set_index("engineers").total_pln[2]
        cheapest = rows.sort_values("total_pln").iloc[0]
        assert bool(cheapest.pareto), tier  # nothing is cheaper than the cheapest point
