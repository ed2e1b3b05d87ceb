"""The simulation report: figures, tables and CSVs for one scenario and for a comparison."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from depots import metrics
from depots.replications import replication
from depots.report import Study, inline_svg, poland_map, write_comparison, write_report
from depots.simulation import RunResult
from depots.simulation_params import Layout, SimulationParams
from tests.depots.simworld import write_scenario

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    params = SimulationParams.from_toml(write_scenario(tmp_path_factory.mktemp("rep")))
    return Study(params, (replication(params, 0), replication(params, 1)))


def _linked(page: Path) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page.read_text(encoding="utf-8"))


def test_report_links_every_figure_and_csv_it_writes(study: Study, tmp_path: Path) -> None:
    page = write_report(study, tmp_path)
    assert "Simulation: tiny" in page.read_text(encoding="utf-8")
    linked = _linked(page)
    pngs = [n for n in linked if n.endswith(".png")]
    csvs = [n for n in linked if n.endswith(".csv")]
    assert {
        "map.png",
        "sla_by_tier.png",
        "sla_by_voivodeship.png",
        "stockouts.png",
        "costs.png",
    } <= set(pngs)
    for name in pngs:
        assert (tmp_path / name).read_bytes().startswith(PNG)
    assert set(csvs) == {f"{name}.csv" for name in study.tables()}
    for name in csvs:
        assert (tmp_path / name).stat().st_size > 0


def test_tier_table_counts_every_ticket_once(study: Study) -> None:
    by_tier = study.tables()["by_tier"]
    total = sum(len(r.tickets) for r in study.runs) / len(study.runs)
    assert by_tier.tickets_mean.sum() == pytest.approx(total)
    assert ((by_tier.share_on_time >= 0) & (by_tier.share_on_time <= 1)).all()


def test_interval_is_the_t_interval_of_the_replications() -> None:
    mean, low, high = metrics.interval([1.0, 2.0, 3.0])
    # mean 2, standard error 1/sqrt(3), t(0.975, 2) = 4.3027
    assert mean == 2.0
    assert high - mean == pytest.approx(4.302653 / 3**0.5, rel=1e-5)
    assert mean - low == pytest.approx(high - mean)


def test_by_group_shares_and_lateness_by_hand() -> None:
    tickets = pd.DataFrame(
        {
            "tier": ["A", "A", "A", "A"],
            "status": ["on_time", "late", "late", "unassigned"],
            "lateness_h": [0.0, 1.0, 3.0, 0.0],
            "cost_pln": [100.0, 200.0, 300.0, 0.0],
        }
    )
    row = metrics.by_group(tickets, "tier").iloc[0]
    assert row.share_on_time == 0.25 and row.share_late == 0.5 and row.share_unassigned == 0.25
    assert row.late_p50_h == 2.0 and row.late_max_h == 3.0
    assert row.cost_per_ticket_pln == 200.0


def test_lateness_is_over_the_replications_that_had_late_tickets() -> None:
    """No late ticket is no lateness to measure (NaN, shown '–'), not zero hours: a replication
    without one does not pull the others' p90 towards zero."""

    def run(lateness: list[float]) -> RunResult:
        tickets = pd.DataFrame(
            {
                "tier": ["A"] * len(lateness),
                "status": ["late" if h > 0 else "on_time" for h in lateness],
                "lateness_h": lateness,
                "cost_pln": [100.0] * len(lateness),
            }
        )
        empty = pd.DataFrame()
        return RunResult("s", 0, tickets, empty, empty, (), 0.0, {})

    assert math.isnan(metrics.by_group(run([0.0, 0.0]).tickets, "tier").iloc[0].late_p90_h)
    row = metrics.grouped_summary([run([0.0, 0.0]), run([2.0, 0.0])], "tier").iloc[0]
    assert row.late_p90_h == 2.0 and row.share_on_time == 0.75
    none = metrics.grouped_summary([run([0.0]), run([0.0])], "tier").iloc[0]
    assert math.isnan(none.late_p90_h) and math.isnan(none.late_p90_h_ci_high)


def test_comparison_puts_both_scenarios_side_by_side(study: Study, tmp_path: Path) -> None:
    closed = dataclasses.replace(study.params, name="no-waw", layout=Layout(close=("WAW",)))
    other = Study(closed, (replication(closed, 0), replication(closed, 1)))
    page = write_comparison(study, other, tmp_path)
    text = page.read_text(encoding="utf-8")
    assert "tiny" in text and "no-waw" in text
    summary = pd.read_csv(tmp_path / "compare_summary.csv").set_index("metric")
    assert summary.loc["tickets", "difference"] == 0  # same seeds: the same failures
    assert summary.loc["tickets", "ci_low"] == summary.loc["tickets", "ci_high"] == 0  # paired
    assert summary[["ci_low", "ci_high"]].notna().all().all()  # an interval on every figure
    assert "95 % interval (paired)" in text and 'href="a/index.html"' in text
    costs = pd.read_csv(tmp_path / "compare_costs.csv").set_index("line")
    assert costs.loc["depots", "difference"] == -150_000  # one depot fewer
    assert costs.loc["network", "a"] == pytest.approx(costs.a.drop("network").sum())
    for name in _linked(page):
        assert (tmp_path / name).exists()


def test_a_map_inline_has_one_hover_text_per_marker_and_the_same_bytes_each_time() -> None:
    """The day page's map: the reports' map of Poland as one ``<svg>`` element (no XML prolog),
    each marker's text escaped in its own ``<title>``, reproducible (no random ids)."""

    def drawn() -> str:
        fig, ax = poland_map()
        krakow = ax.scatter([19.94], [50.06])
        gdansk = ax.scatter([18.65], [54.35])
        return inline_svg(fig, [(krakow, "depot KRK <Kraków>"), (gdansk, "T001 & co")], "map")

    svg = drawn()
    assert svg.startswith('<svg id="map" ') and svg.rstrip().endswith("</svg>")
    assert re.findall(r"<title>([^<]*)</title>", svg) == [
        "depot KRK &lt;Kraków&gt;",
        "T001 &amp; co",
    ]
    assert drawn() == svg
