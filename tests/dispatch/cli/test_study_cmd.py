"""``dispatch study``: placement, stock and a year in one run; each output reusable."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dispatch.cli import main
from tests.depots.simworld import write_scenario

STUDY = """
[placement]
model = "pmedian"
k = 2
candidates = 40
open = ["Kraków"]

[stock]
fill_rate = 0.9
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny world's study, run once: its file and its output directory."""
    root = tmp_path_factory.mktemp("study")
    path = write_scenario(root, STUDY, days=3)
    args = ["study", str(path), "--replications", "1", "--executor", "serial"]
    assert main([*args, "--out", str(root / "out")]) == 0
    return path, root / "out" / "study-tiny"


def _tickets(directory: Path) -> str:
    with (directory / "summary.csv").open(encoding="utf-8") as fh:
        return next(r["mean"] for r in csv.DictReader(fh) if r["metric"] == "tickets")


def test_the_study_places_stocks_simulates_and_reports(study: tuple[Path, Path]) -> None:
    _, directory = study
    placement = json.loads((directory / "placement.json").read_text(encoding="utf-8"))
    assert len(placement["depots"]) == 2
    assert "Kraków" in {d["name"] for d in placement["depots"]}
    page = (directory / "index.html").read_text(encoding="utf-8")
    assert 'src="coverage.png"' in page and 'href="simulation/index.html"' in page
    for name in ("placement.json", "stock.csv", "scenario.toml"):
        assert (directory / name).exists() and f'href="{name}"' in page
    with (directory / "stock.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["depot"] for r in rows} == set(placement["depot_ids"]) == {"KRK", "WAW"}


def test_the_written_scenario_simulates_the_same_network_again(
    study: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """``scenario.toml`` and its ``stock.csv`` run through ``dispatch simulate``: same year."""
    _, directory = study
    args = ["simulate", str(directory / "scenario.toml"), "--replications", "1"]
    assert main([*args, "--executor", "serial", "--out", str(directory)]) == 0
    capsys.readouterr()
    again = directory / "simulate-tiny"
    assert _tickets(again) == _tickets(directory / "simulation") != "0.0"
    year = (again / "tickets_replication_0.csv").read_text(encoding="utf-8")
    assert year == (directory / "simulation" / "tickets_replication_0.csv").read_text("utf-8")


def test_a_reused_stock_plan_replaces_the_stock_step(
    study: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, directory = study
    text = path.read_text(encoding="utf-8").replace(
        "fill_rate = 0.9", f'csv = "{directory / "stock.csv"}"'
    )
    reuse = path.with_name("reuse.toml")
    reuse.write_text(text.replace('name = "tiny"', 'name = "reuse"'), encoding="utf-8")
    args = ["study", str(reuse), "--replications", "1", "--executor", "serial"]
    assert main([*args, "--out", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["study"] == "reuse"
    assert (tmp_path / "study-reuse" / "stock.csv").read_text() == (
        directory / "stock.csv"
    ).read_text()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[placement]\nk = 0\n", "placement.k: Input should be greater than or equal to 1"),
        ("[placement]\nmodle = 'x'\n", "placement.modle: Extra inputs are not permitted"),
        ("[stock]\nfill_rate = 1.5\n", "stock.fill_rate: Input should be less than 1"),
        ("[placement]\ntier = '9x9'\n", "placement.tier"),
    ],
)
def test_a_bad_study_file_is_one_line_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    path = write_scenario(tmp_path, table)
    assert main(["study", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dispatch: error: {message}") and err.count("\n") == 1
