"""`dispatch demo` end to end on a shortened day: summary on stdout, a self-contained report."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.cli import main


def test_short_demo_day_prints_the_summary_and_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Eight tickets: figures per tier, modes and engine calls; the report has map and timelines."""
    report = tmp_path / "day.html"
    argv = ["demo", "--tickets", "8", "--seed", "5", "--time-limit", "0.2",
            "--final-time-limit", "0.5", "--report", str(report)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "replaying 8 tickets on Wednesday 2026-12-02" in out
    assert "tickets 8, on time" in out
    assert "engine:" in out and "calls" in out
    assert f"report: {report}" in out
    page = report.read_text(encoding="utf-8")
    drawn = page[page.index('<svg id="map"') : page.index('id="timelines"')]
    assert drawn.count("<title>T0") == 8  # a hover text per ticket on the map
    assert drawn.count("<title>depot ") == 11 and drawn.count("<title>E") >= 45  # and bases
    assert 'id="timelines"' in page
    assert page.count("<tr><td>T0") == 8  # one table row per ticket
    assert "<script" not in page and "https://" not in page  # self-contained


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--date", "2026-13-01"], "--date: expected YYYY-MM-DD"),  # no 13th month
        (["--tickets", "0"], "--tickets: must be within [1, 6000]"),  # nothing to replay
        (["--time-limit", "0"], "--time-limit: must be > 0"),  # engine needs time
        (["--final-time-limit", "-1"], "--final-time-limit: must be > 0"),  # likewise
        (["--world", "/nonexistent"], "missing; run scripts/build_demo_world.py"),  # no data
    ],
)
def test_bad_options_end_in_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user error is one line on stderr, never a traceback."""
    assert main(["demo", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_report_path_that_cannot_be_written_is_refused_before_the_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--report naming a directory fails at once in one line, not after the day is replayed."""

    def no_replay(*_args: object) -> None:
        raise AssertionError("the day was replayed before the report path was checked")

    monkeypatch.setattr("dispatch.cli.demo_cmd.simulate_day", no_replay)
    assert main(["demo", "--tickets", "2", "--report", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"dispatch: error: --report: {tmp_path} is a directory, not a file\n"
    )
