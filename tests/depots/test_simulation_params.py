"""Simulation scenarios from TOML: every field validated, unknown keys refused, layouts applied."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from depots.simulation import prepare
from depots.simulation_params import SCENARIO_DIR, SimulationParams
from dispatch.errors import InvalidInput, InvalidInputs
from tests.depots.simworld import write_scenario


def test_shipped_scenarios_load_and_differ_in_layout() -> None:
    base = SimulationParams.from_toml(SCENARIO_DIR / "baseline.toml")
    other = SimulationParams.from_toml(SCENARIO_DIR / "consolidated.toml")
    assert base.start == date(2027, 1, 1) and base.days == 365
    assert base.returns.max_days == 7 and base.planner == "routing" and not base.exact
    assert other.layout.close == ("LOD", "LUB", "BIA") and other.layout.stock_scale == 1.2


def test_new_depots_and_replacement_stock_are_applied(tmp_path: Path) -> None:
    (tmp_path / "stock.csv").write_text("depot,sku,units\nKRK,SW1,5\n", encoding="utf-8")
    layout = (
        '[layout]\nclose = ["WAW"]\nstock_csv = "stock.csv"\n'
        '[[layout.open]]\nid = "RZE"\nlocation = "Rzeszów"\ncourier_cutoff = "15:30"\n'
        "stock = { AP1 = 3 }\n"
    )
    params = SimulationParams.from_toml(write_scenario(tmp_path, layout))
    net = prepare(params)
    assert [d.id for d in net.depots] == ["KRK", "RZE"]
    assert net.depots[1].courier_cutoff == time(15, 30)
    assert net.stock["SW1"].tolist() == [5, 0]
    assert net.stock["AP1"].tolist() == [0, 3]


@pytest.mark.parametrize(
    ("extra", "overrides", "field"),
    [
        ("", {"colour": '"red"'}, "colour"),
        ("", {"start": '"soon"'}, "start"),
        ("", {"days": 0}, "days"),
        ("", {"world": '"nowhere"'}, "world"),
        ("[returns]\nrepair_days = -1\n", {}, "returns.repair_days"),
        ("[returns]\nmax_days = nan\n", {}, "returns.max_days"),
        ("[layout]\nstock_scale = -1\n", {}, "layout.stock_scale"),
        ('[layout]\nstock_csv = "missing.csv"\n', {}, "layout.stock_csv"),
        ('[planner]\nmode = "magic"\n', {}, "planner.mode"),
        ("[planner]\nexact = 1\n", {}, "planner.exact"),
        ('[[layout.open]]\nid = "X"\n', {}, "layout.open[0].location"),
    ],
)
def test_invalid_scenarios_are_refused_naming_the_field(
    tmp_path: Path, extra: str, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        SimulationParams.from_toml(write_scenario(tmp_path, extra, **overrides))
    assert caught.value.field == field


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        SimulationParams.from_toml(tmp_path / "nope.toml")


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    (tmp_path / "stock.csv").write_text("depot,sku,units\nKRK,SW1,-5\n", encoding="utf-8")
    extra = '[planner]\nbatch_minutes = "60"\n[[layout.open]]\nid = "R"\nlocation = "Rzeszów"\n'
    extra += 'courier_cutoff = "late"\n'
    with pytest.raises(InvalidInputs) as caught:
        SimulationParams.from_toml(write_scenario(tmp_path, extra, seed=1.5))
    assert {p.field for p in caught.value.problems} == {
        "seed",
        "planner.batch_minutes",
        "layout.open[0].courier_cutoff",
    }
    bad_stock = '[layout]\nstock_csv = "stock.csv"\n'
    with pytest.raises(InvalidInput) as one:
        SimulationParams.from_toml(write_scenario(tmp_path, bad_stock))
    assert one.value.field == "stock.csv:2.units"
