"""``dispatch simulate`` and ``dispatch compare``: contract, errors as one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch.cli import main
from dispatch.errors import InvalidInput
from tests.depots.simworld import write_scenario


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scenario(tmp_path_factory.mktemp("cli"))


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--replications", "0"], "--replications"),
        (["--executor", "cloud"], "executor"),
        (["--days", "0"], "days"),
        (["--headcount", "3-1"], "--headcount: expected 1 <= N1 <= N2"),
        (["--headcount", "one-two"], "--headcount: expected N1-N2[:STEP]"),
        (["--headcount", "1-5"], "--headcount: must be within [1, 2]"),
    ],
)
def test_bad_options_fail_in_one_line(
    scenario: Path, extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(scenario), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err


def test_missing_scenario_fails_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "no-such-scenario"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no file 'no-such-scenario'" in err and "baseline" in err


def test_invalid_scenario_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, "[layout]\nclosed = ['KRK']\n")
    assert main(["simulate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "layout.closed" in err


def test_simulate_prints_json_and_writes_the_report(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "simulate",
            str(scenario),
            "--replications",
            "2",
            "--executor",
            "serial",
            "--out",
            str(tmp_path),
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"] == "tiny"
    mean, low, high = out["headline"]["share_on_time"]
    assert low <= mean <= high
    assert {row["tier"] for row in out["by_tier"]} <= {"24x7x4", "8x5xNBD", "24x7x8", "8x5x8"}
    assert Path(out["report"]).exists()


def test_headcount_prints_the_curve_as_json_and_writes_its_report(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", str(scenario), "--headcount", "1-2", "--replications", "2"]
    code = main([*args, "--executor", "serial", "--out", str(tmp_path), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {row["engineers"] for row in out["curve"]} == {1, 2}
    for row in out["curve"]:
        assert row["share_on_time_ci_low"] <= row["share_on_time"] <= row["share_on_time_ci_high"]
    report = Path(out["report"])
    assert report.exists() and (report.parent / "headcount.png").exists()


@pytest.mark.slow  # three reports' figures: about 15 s on a loaded machine
def test_compare_writes_both_reports_and_the_comparison(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "compare",
            str(scenario),
            str(scenario),
            "--replications",
            "1",
            "--executor",
            "serial",
            "--days",
            "3",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    assert "report:" in capsys.readouterr().out
    root = tmp_path / "compare-tiny-tiny"
    assert (root / "index.html").exists()
    assert (root / "a" / "index.html").exists() and (root / "b" / "index.html").exists()


def _no_run(*_args: object) -> None:
    raise AssertionError("the replications ran before the output directory was checked")


@pytest.mark.parametrize("command", ["simulate", "compare"])
def test_an_unwritable_out_is_refused_before_the_run(
    command: str,
    scenario: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--out under a file fails at once, in one line naming --out, not after the simulation."""
    monkeypatch.setattr("dispatch.cli.simulate_cmd.run_replications", _no_run)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    scenarios = [str(scenario)] * (2 if command == "compare" else 1)
    assert main([command, *scenarios, "--executor", "serial", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dispatch: error: --out: cannot write to {blocker}/")
    assert err.count("\n") == 1


def test_an_error_during_the_run_is_the_only_line_on_stderr(
    scenario: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No blank line from the progress display before the error (stderr is not a terminal)."""

    def unreachable(*_args: object) -> None:
        raise InvalidInput("executor", "no Dask scheduler at 127.0.0.1:1")

    monkeypatch.setattr("dispatch.cli.simulate_cmd.run_replications", unreachable)
    assert main(["simulate", str(scenario), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "dispatch: error: executor: no Dask scheduler at 127.0.0.1:1\n"
    )


@pytest.mark.parametrize("rate_scale", [0.000001, 100.0])
def test_one_replication_prints_valid_json_even_without_tickets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rate_scale: float
) -> None:
    """One replication has no interval: null, not NaN (not JSON); a period in which nothing
    fails runs, reports and prints zero tickets instead of crashing."""
    path = write_scenario(tmp_path, rate_scale=rate_scale)
    args = ["simulate", str(path), "--replications", "1", "--days", "2", "--out", str(tmp_path)]
    assert main([*args, "--executor", "serial", "--json"]) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=_refuse)
    tickets, low, high = out["headline"]["tickets"]
    assert low is None and high is None
    assert (tickets == 0) == (rate_scale < 0.001) and "runtime_s" not in out["headline"]
    assert Path(out["report"]).exists()


def _refuse(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")
