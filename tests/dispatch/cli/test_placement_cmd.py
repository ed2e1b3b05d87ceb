"""``dispatch place-depots`` and ``dispatch stock``: JSON output and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch.cli import main

FAST = ["--travel", "geodesic", "--sample", "150", "--candidates", "60", "--json"]


@pytest.mark.parametrize("model", ["maxcover", "setcover", "pmedian", "fixedcost"])
def test_place_depots_prints_an_optimal_layout(
    capsys: pytest.CaptureFixture[str], model: str
) -> None:
    """Every model answers with proven-optimal depots on a small sampled instance."""
    assert main(["place-depots", "--model", model, "--k", "4", *FAST]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == model
    assert out["status"] == "optimal"
    assert sum(d["devices_served"] for d in out["depots"]) == out["devices_total"] == 600
    if model in ("maxcover", "pmedian"):
        assert len(out["depots"]) <= 4


def test_place_depots_keeps_forced_towns(capsys: pytest.CaptureFixture[str]) -> None:
    """A forced-open town is in the answer and a forced-closed one is not."""
    args = ["place-depots", "--model", "pmedian", "--k", "3", "--open", "Olsztyn"]
    assert main([*args, "--closed", "Warszawa", *FAST]) == 0
    names = {d["name"] for d in json.loads(capsys.readouterr().out)["depots"]}
    assert "Olsztyn" in names and "Warszawa" not in names


def test_stock_reaches_the_fill_rate(capsys: pytest.CaptureFixture[str]) -> None:
    """Base-stock levels for three named depots reach 90 % on sampled sites."""
    args = ["stock", "--fill-rate", "0.9", "--depots", "Warszawa,Kraków,Gdańsk", *FAST]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["target_met"] and out["fill_rate"] >= 0.9
    assert {lv["depot"] for lv in out["levels"]} <= {"Warszawa", "Kraków", "Gdańsk"}
    assert out["holding_lower_bound_pln_year"] <= out["holding_pln_year"]


def test_stock_with_substitutes_stocks_the_replacing_skus(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Pooled: no replaced SKU is on a shelf; each pool names whose requests it takes."""
    args = ["stock", "--fill-rate", "0.9", "--depots", "Warszawa,Kraków", *FAST]
    assert main([*args, "--substitutes"]) == 0
    pooled = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    separate = json.loads(capsys.readouterr().out)
    replaced = {lv["sku"] for lv in separate["levels"]} - {lv["sku"] for lv in pooled["levels"]}
    served = {sku for lv in pooled["levels"] for sku in lv["serves"]}
    assert replaced and replaced <= served
    assert pooled["target_met"] and pooled["holding_pln_year"] < separate["holding_pln_year"]


def test_stock_budget_too_small_says_target_not_met(capsys: pytest.CaptureFixture[str]) -> None:
    """A 1,000 zł budget cannot reach 95 %: the answer says so."""
    args = ["stock", "--budget", "1000", "--depots", "Warszawa", *FAST]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert not out["target_met"]
    assert out["holding_pln_year"] <= 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["place-depots", "--tier", "8x5xNBX"], "--tier"),  # not a tier
        (["place-depots", "--tier", "8x5xNBD"], "courier"),  # NBD cannot define coverage
        (["place-depots", "--open", "Atlantyda"], "Atlantyda"),  # unknown town
        (["stock", "--depots", "Kraków,Atlantyda"], "--depots town"),
        (["stock", "--fill-rate", "1.5"], "--fill-rate"),  # not a share
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """A user error prints one line naming the problem and exits 2."""
    assert main([*args, *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["place-depots", "--k", "0"], "--k: must be within [1, --candidates 60], got 0"),
        (["place-depots", "--k", "61"], "--k: must be within [1, --candidates 60], got 61"),
        (
            ["place-depots", "--open", "Kraków", "--closed", "Kraków"],
            "--closed: Kraków is also in --open",
        ),
        (["place-depots", "--open", "Kraków,kraków"], "--open: Kraków is given twice"),
        (["stock", "--depots", "Warszawa,Warszawa"], "--depots: Warszawa is given twice"),
        (["place-depots", "--curve", "3-1"], "--curve: expected 1 <= K1 <= K2, got '3-1'"),
        (["place-depots", "--curve", "many"], "--curve: expected K1-K2 such as 1-12"),
        (
            ["place-depots", "--model", "fixedcost", "--depot-cost", "-5"],
            "--depot-cost: must be >= 0 PLN a year, got -5",
        ),
        (["place-depots", "--time-limit", "0"], "--time-limit: must be > 0 seconds, got 0.0"),
        (["stock", "--time-limit", "nan"], "--time-limit: must be > 0 seconds, got nan"),
        (["stock", "--budget", "-1"], "--budget: must be >= 0 PLN a year, got -1.0"),  # not grosze
        (["stock", "--budget", "nan"], "--budget: must be >= 0 PLN a year, got nan"),
        (["stock", "--budget", "inf"], "--budget: must be >= 0 PLN a year, got inf"),
        (
            ["stock", "--fill-rate", "nan"],
            "--fill-rate: must be between 0 and 1 (exclusive), got nan",
        ),
        (["stock", "--return-days", "inf"], "--return-days: must be >= 0 days, got inf"),
        (["stock", "--holding-rate", "0"], "--holding-rate: must be > 0, got 0.0"),
        (["place-depots", "--sample", "0"], "--sample: must be >= 1 site, got 0"),
        (["stock", "--sample", "-5"], "--sample: must be >= 1 site, got -5"),
    ],
)
def test_errors_are_exactly_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """Nothing else on stderr (no blank line before it); the flag as typed, in its own units."""
    fast = ["--travel", "geodesic", "--candidates", "60", "--json"]
    assert main([*args, *fast]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dispatch: error: {message}") and err.count("\n") == 1


@pytest.mark.parametrize("model", ["maxcover", "setcover"])
def test_a_tier_no_site_has_is_named_as_such(
    capsys: pytest.CaptureFixture[str], model: str
) -> None:
    """The demo world has no 24x7x2 site: the answer says so, not "no site within reach"
    (maxcover) nor one depot covering nothing (setcover)."""
    args = ["place-depots", "--model", model, "--tier", "24x7x2", "--travel", "geodesic"]
    assert main([*args, "--candidates", "60"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dispatch: error: --tier: no site has tier 24x7x2 (sites have 24x7x4")


def test_the_depot_curve_writes_its_chart_and_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Sampled sites carry no tier: the curve is drawn for --tier; more depots never cover
    less, and the report's files exist."""
    assert main(["place-depots", "--curve", "1-3", *FAST, "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    shares = [row["covered_share"] for row in out["curve"]]
    assert [row["k"] for row in out["curve"]] == [1, 2, 3]
    assert shares == sorted(shares) and {row["tier"] for row in out["curve"]} == {"24x7x4"}
    for name in ("index.html", "curve.png", "curve.csv"):
        assert (tmp_path / "curve-depots" / name).exists()
