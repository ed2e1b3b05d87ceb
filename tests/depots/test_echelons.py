"""Stock above and between the depots in the simulation: the central warehouse's spares resupply
a shelf at once, lateral transfers refill a depot left without a SKU; both off, nothing moves."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from depots.demand import ReturnLoop
from depots.demo_world import SkuRow, StockRow, write
from depots.simulation import RunResult, simulate
from depots.simulation_params import Echelons, Layout, SimulationParams
from dispatch.errors import InvalidInput
from tests.depots.simworld import tiny_world, write_scenario

DAY_S = 86_400
PHASE1 = "[planner]\nmode = 'phase1'\n"  # each ticket planned at acceptance: exact unit counts


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory) -> SimulationParams:
    """The tiny world (KRK: 2 + 2 units, WAW: 1 + 1), returns so slow they never come back."""
    path = write_scenario(tmp_path_factory.mktemp("echelons"), PHASE1, days=14)
    return dataclasses.replace(
        SimulationParams.from_toml(path), returns=ReturnLoop(repair_days=400.0)
    )


def _run(params: SimulationParams, echelons: Echelons) -> RunResult:
    return simulate(dataclasses.replace(params, echelons=echelons), np.random.default_rng(5))


def _sent(run: RunResult) -> int:
    """Units that left a depot shelf or a van (every planned ticket takes one)."""
    return int((run.tickets.status != "unassigned").sum())


def test_without_echelons_nothing_moves_and_shelves_empty(params: SimulationParams) -> None:
    run = _run(params, Echelons())
    assert run.moves == {"central_resupplies": 0, "lateral_transfers": 0}
    assert run.costs["transfers"] == 0
    assert run.stock.groupby("day").units.sum().iloc[-1] < run.stock.units.sum() / 14


def test_central_spares_resupply_each_unit_sent_until_they_run_out(
    params: SimulationParams,
) -> None:
    plenty = _run(params, Echelons(central_stock={"SW1": 500, "AP1": 500}, central_days=1.0))
    sent = _sent(plenty)
    assert sent >= 6
    assert plenty.moves["central_resupplies"] == sent  # every unit sent was replaced
    daily = plenty.stock.groupby("day").units.sum()
    assert daily.iloc[-1] >= daily.iloc[0] - 4  # at most a day's sends in flight
    two = _run(params, Echelons(central_stock={"SW1": 1, "AP1": 1}))
    assert two.moves["central_resupplies"] == 2  # and no more: the repairs never come back
    none = _run(params, Echelons())
    assert plenty.costs["stock_holding"] > none.costs["stock_holding"]  # the spares are paid for


def test_a_resupply_reaches_the_shelf_central_days_after_the_unit_left(
    params: SimulationParams,
) -> None:
    run = simulate(
        dataclasses.replace(params, echelons=Echelons(central_stock={"SW1": 500, "AP1": 500})),
        np.random.default_rng(5),
        trace=True,
    )
    planned = {ref: at for at, kind, ref in run.trace if kind in ("planned", "late")}
    restocked: dict[str, int] = {}
    for at, kind, ref in run.trace:  # the first restock: the shipment (the repair is 400 d away)
        if kind == "restock":
            restocked.setdefault(ref, at)
    assert planned and set(planned) == set(restocked)
    for ref, at in planned.items():
        assert restocked[ref] == at + DAY_S


def test_a_depot_left_without_a_sku_borrows_from_the_fullest_depot(
    params: SimulationParams,
) -> None:
    rows = (("KRK", "SW1", 1), ("KRK", "AP1", 1), ("WAW", "SW1", 6), ("WAW", "AP1", 6))
    uneven = dataclasses.replace(params, layout=Layout(stock_rows=rows))
    lateral = _run(uneven, Echelons(lateral=True, lateral_days=0.5, lateral_pln=60.0))
    plain = _run(uneven, Echelons())
    assert lateral.moves["lateral_transfers"] >= 1
    assert lateral.moves["central_resupplies"] == 0
    year = 365 / params.days
    assert lateral.costs["transfers"] == pytest.approx(
        lateral.moves["lateral_transfers"] * 60.0 * year
    )
    # a transfer only moves a unit: the network holds no more units than without it
    last_lateral, last_plain = (
        r.stock.groupby("day").units.sum().iloc[-1] for r in (lateral, plain)
    )
    assert last_lateral <= last_plain + lateral.moves["lateral_transfers"]
    empty_lateral, empty_plain = (int((r.stock.empty_skus > 0).sum()) for r in (lateral, plain))
    assert empty_lateral <= empty_plain


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ("central_stock = { SW1 = -1 }", "echelons.central_stock.SW1"),
        ("central_days = -1", "echelons.central_days"),
        ("lateral_pln = -5", "echelons.lateral_pln"),
        ("laterals = true", "echelons.laterals"),
    ],
)
def test_bad_echelons_are_refused_naming_the_field(tmp_path: Path, table: str, field: str) -> None:
    path = write_scenario(tmp_path, f"[echelons]\n{table}\n")
    with pytest.raises(InvalidInput) as refused:
        SimulationParams.from_toml(path)
    assert field in str(refused.value)


def test_central_stock_of_an_unknown_sku_is_refused(params: SimulationParams) -> None:
    with pytest.raises(InvalidInput, match=r"echelons\.central_stock"):
        _run(params, Echelons(central_stock={"NOPE": 1}))


def test_a_substitute_sent_is_replaced_by_the_substitute(tmp_path: Path) -> None:
    """One for one, as the stock plan assumes: shelves holding only SW2 (which may replace SW1)
    serve SW1 failures, and what comes back after the return loop is SW2 again, never SW1."""
    world = tiny_world()
    world = dataclasses.replace(
        world,
        skus=(
            SkuRow("SW1", "switch", 60, "SW2", 20, 1),
            SkuRow("SW2", "switch", 60, "", 20, 1),
            *(s for s in world.skus if s.sku != "SW1"),
        ),
        stock=(StockRow("KRK", "SW2", 2), StockRow("WAW", "SW2", 2), StockRow("KRK", "AP1", 2)),
    )
    quick = "[returns]\nmax_days = 0\nrepair_days = 1\ntransfer_days = 0\n" + PHASE1
    path = write_scenario(tmp_path, quick, days=21)
    write(world, tmp_path / "world")  # the scenario writer put the plain tiny world there
    run = simulate(SimulationParams.from_toml(path), np.random.default_rng(2))
    switches = run.tickets[(run.tickets.sku == "SW1") & (run.tickets.status != "unassigned")]
    assert len(switches) > 4  # more than the four SW2 units: some came back and went out again
    assert set(switches.part) == {"SW2"}
