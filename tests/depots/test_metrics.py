"""Summaries across replications: intervals stay within what each figure can be."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from depots import metrics
from depots.simulation import RunResult


def _run(replication: int, tickets: int, cost_pln: float, busy_h: float) -> RunResult:
    """A replication with ``tickets`` on-time tickets of one tier at ``cost_pln`` each."""
    return RunResult(
        name="fake",
        replication=replication,
        tickets=pd.DataFrame(
            {
                "ticket": [f"T{i}" for i in range(tickets)],
                "tier": "24x7x4",
                "status": "on_time",
                "lateness_h": 0.0,
                "cost_pln": cost_pln,
            }
        ),
        engineers=pd.DataFrame(
            {"busy_h": [busy_h], "shift_h": [8.0], "off_shift_h": [0.0], "utilisation": [0.0]}
        ),
        stock=pd.DataFrame({"day": [0], "empty_skus": [0]}),
        trace=(),
        runtime_s=1.0,
        time_in={},
        costs={"network": 1000.0 * tickets},
    )


@pytest.fixture
def runs() -> list[RunResult]:
    """Two replications far apart: a plain t interval would reach below 0 and above 1."""
    return [_run(0, 1, 10.0, 0.5), _run(1, 40, 1000.0, 7.5)]


def test_headline_intervals_never_go_negative_nor_shares_above_one(
    runs: list[RunResult],
) -> None:
    summary = metrics.summarise(runs).set_index("metric")
    assert summary.loc["tickets", "ci_low"] == 0.0  # unclipped: 20.5 - 247.7
    assert summary.loc["cost_per_ticket_pln", "ci_low"] == 0.0
    assert summary.loc["utilisation", "mean"] == 0.5  # (0.5 / 8 + 7.5 / 8) / 2
    assert (summary.ci_low >= 0).all()
    shares = summary.loc[["share_on_time", "share_late", "share_unassigned", "utilisation"]]
    assert (shares.ci_high <= 1).all()
    assert (summary.ci_low <= summary["mean"]).all() and (summary["mean"] <= summary.ci_high).all()


def test_tier_intervals_never_go_negative(runs: list[RunResult]) -> None:
    row = metrics.grouped_summary(runs, "tier").iloc[0]
    assert row.cost_per_ticket_pln_ci_low == 0.0
    assert row.share_on_time_ci_high <= 1.0


def test_headline_utilisation_pools_hours_and_is_zero_without_any() -> None:
    idle = pd.DataFrame({"busy_h": [0.0, 0.0], "shift_h": [0.0, 0.0], "off_shift_h": [0.0, 0.0]})
    assert metrics.pooled_utilisation(idle) == 0.0
    two = pd.DataFrame({"busy_h": [2.0, 6.0], "shift_h": [8.0, 0.0], "off_shift_h": [0.0, 6.0]})
    assert metrics.pooled_utilisation(two) == pytest.approx(8 / 14)


def test_interval_is_clipped_only_to_the_bounds_given() -> None:
    mean, low, high = metrics.interval([0.0, 1.0], (0.0, 1.0))
    assert (mean, low, high) == (0.5, 0.0, 1.0)
    _, unbounded_low, _ = metrics.interval([0.0, 1.0])
    assert unbounded_low < 0


def test_paired_differences_cancel_the_noise_both_scenarios_share() -> None:
    """B has 2 tickets more than A in every replication: the paired interval is exactly 2,
    where the two scenarios' own spread (10 to 30 tickets) makes the unpaired one wide."""
    a = [_run(i, n, 100.0, 4.0) for i, n in enumerate((10, 20, 30))]
    b = [_run(i, n + 2, 100.0, 4.0) for i, n in enumerate((10, 20, 30))]
    row = metrics.paired_differences(a, b).set_index("metric").loc["tickets"]
    assert (row.a, row.b, row.difference, row.ci_low, row.ci_high) == (20, 22, 2, 2, 2)
    assert row.unpaired_half_width == pytest.approx(
        stats.t.ppf(0.975, 4) * (200 / 3) ** 0.5, rel=1e-9
    )
