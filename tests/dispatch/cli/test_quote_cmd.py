"""``dispatch quote``: errors as one line with exit 2; the answer; and the same failure rates and
engine as ``dispatch simulate``."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from depots.demo_world import load
from depots.simulation_params import SCENARIO_DIR, SimulationParams
from dispatch.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "data" / "quote" / "sites_example.csv"
HEADER = "site_id,address,lat,lon,sku,devices,service\n"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--tier", "9x9xZZ"], "--tier: "),
        ([], "--tier: give at least one tier"),
        (["--tier", "24x7x4", "--replications", "0"], "--replications"),
        (["--tier", "24x7x4", "--scenario", "no-such"], "no file 'no-such'"),
    ],
)
def test_bad_options_fail_in_one_line(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quote", str(EXAMPLE), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("A,Kraków,,,NOPE,1,SOS", "sites.csv:2.sku: unknown device model 'NOPE'"),
        ("A,Qwertyuiop Zzz,,,AP3000,1,SOS", "sites.csv:2.address: "),
        ("A,Kraków,,,AP3000,many,SOS", "sites.csv:2.devices"),
    ],
)
def test_bad_rows_fail_in_one_line_naming_row_and_field(
    tmp_path: Path, row: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    assert main(["quote", str(path), "--tier", "24x7x4"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_one_replication_is_json_without_intervals(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["quote", str(EXAMPLE), "--tier", "8x5xNBD", "--days", "2", "--replications", "1"]
    assert main([*args, "--executor", "serial", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)  # NaN is not JSON: no interval is null
    assert answer["tiers"]["8x5xNBD"]["year"]["new_sites"]["share_on_time"][1] is None
    assert answer["tiers"]["8x5xNBD"]["year"]["headline"]["tickets"][1] is None


def test_missing_sites_file_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quote", str(tmp_path / "none.csv"), "--tier", "24x7x4"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.fixture(scope="module")
def quoted(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("quote") / "report"
    args = ["quote", str(EXAMPLE), "--tier", "24x7x4", "--tier", "24x7x2", "--days", "10"]
    args += ["--replications", "2", "--executor", "serial", "--report", str(out), "--json"]
    buffer = io.StringIO()  # capsys is per test: the module's one run is read here
    with contextlib.redirect_stdout(buffer):
        assert main(args) == 0
    return json.loads(buffer.getvalue()), out


def test_quote_answers_per_site_and_tier(quoted: tuple[dict[str, Any], Path]) -> None:
    answer, out = quoted
    clinic = next(s for s in answer["sites"] if s["id"] == "CLINIC")
    four = clinic["tiers"]["24x7x4"]
    assert four["status"] == "with a change" and four["changes"][0]["kind"] == "stock"
    assert clinic["tiers"]["24x7x2"]["status"] == "not within limits"
    tier = answer["tiers"]["24x7x4"]
    assert tier["reachable"] + tier["with_a_change"] + tier["not_within_limits"] == 7
    floor = tier["cost_to_serve"]
    assert floor["total_pln_year"] == pytest.approx(
        floor["dispatch_pln_year"] + floor["extra_stock_pln_year"], abs=0.02
    )
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "map_24_7_4.png" in page and (out / "map_24_7_4.png").stat().st_size > 10_000
    assert (out / "sites.csv").read_text(encoding="utf-8").count("\n") == 15  # header + 2 x 7


def test_same_rates_and_engine_as_simulate(
    quoted: tuple[dict[str, Any], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """``dispatch simulate`` on the scenario the quote wrote gives the quote's year exactly,
    and the new sites' tickets follow the catalogue's rates times the scenario's scale."""
    answer, out = quoted
    scenario = out / "scenario-24_7_4" / "scenario.toml"
    args = ["simulate", str(scenario), "--replications", "2", "--executor", "serial"]
    assert main([*args, "--out", str(out / "sim"), "--json"]) == 0
    simulated = json.loads(capsys.readouterr().out)
    head = answer["tiers"]["24x7x4"]["year"]["headline"]
    for metric in ("tickets", "share_on_time", "cost_per_ticket_pln"):
        assert simulated["headline"][metric][0] == pytest.approx(head[metric][0], rel=1e-9)
    # the rates: expected new tickets a year from the catalogue, as the demand model has them
    world = load(SCENARIO_DIR.parent / "demo")
    afr = {s.sku: s.afr_permille / 1000 for s in world.skus}
    scale = SimulationParams.from_toml(SCENARIO_DIR / "baseline.toml").demand.rate_scale
    expected = scale * sum(
        n * afr[sku] for site in answer["sites"] for sku, n in site["devices"].items()
    )
    assert answer["new_sites_expected_tickets_year"] == pytest.approx(expected)
    drawn = answer["tiers"]["24x7x4"]["year"]["new_sites"]["tickets_year"][0]
    assert 0.2 * expected < drawn < 3 * expected  # 2 x 10 days of Poisson draws


def test_the_written_scenario_keeps_a_changed_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Closed and opened depots, scaled stock, costs and echelons survive into the quote's
    scenario."""
    scenario = tmp_path / "opened.toml"
    scenario.write_text(
        'name = "opened"\nworld = "demo"\nstart = 2027-01-01\ndays = 4\nseed = 11\n'
        "[demand]\nrate_scale = 20.0\n[costs]\ndepot_pln_year = 100000\n"
        "[echelons]\ncentral_stock = { AP3000 = 3 }\nlateral = true\n"
        '[layout]\nclose = ["LOD"]\nstock_scale = 1.5\n'
        '[[layout.open]]\nid = "OLS"\nlocation = "Olsztyn"\ndrivers = 2\n'
        "stock = { AP3000 = 2, AP4000 = 1 }\n",
        encoding="utf-8",
    )
    runs = ["--replications", "2", "--executor", "serial", "--json"]
    out = tmp_path / "q"
    args = ["quote", str(EXAMPLE), "--tier", "24x7x4", "--scenario", str(scenario)]
    assert main([*args, "--report", str(out), *runs]) == 0
    quoted = json.loads(capsys.readouterr().out)["tiers"]["24x7x4"]["year"]["headline"]
    written = out / "scenario-24_7_4" / "scenario.toml"
    assert main(["simulate", str(written), "--out", str(tmp_path / "s"), *runs]) == 0
    simulated = json.loads(capsys.readouterr().out)["headline"]
    assert {k: simulated[k][0] for k in quoted} == pytest.approx({k: quoted[k][0] for k in quoted})
