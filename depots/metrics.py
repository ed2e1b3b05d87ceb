"""What a planner reads from simulation runs: SLA attainment, lateness, cost, utilisation, stock.

Each table is computed per replication and then summarised across replications as a mean with
a 95 % confidence interval (Student's t over the replications' values; with one replication the
interval is empty, shown as NaN). Every figure here is a count, a cost, hours or a share, so the
interval is clipped to what the figure can be: never below 0, and shares and utilisation never
above 1 (with few replications the t interval alone would reach "-16 tickets").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from depots.simulation import RunResult

CONFIDENCE = 0.95
STATUSES = ("on_time", "late", "unassigned")


def by_group(tickets: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per ``key`` value (tier, voivodeship, ...): tickets, shares by status, lateness, cost.

    Lateness quantiles are over late tickets only (hours past the deadline; NaN when none was
    late: no lateness to measure, not zero hours); cost per ticket over planned tickets (PLN,
    the engine's price of the chosen option).
    """
    rows = []
    for value, group in tickets.groupby(key, sort=True):
        planned = group[group.status != "unassigned"]
        late = group[group.status == "late"]
        row: dict[str, object] = {key: value, "tickets": len(group)}
        for status in STATUSES:
            row[f"share_{status}"] = float((group.status == status).mean())
        row["late_p50_h"] = float(late.lateness_h.median()) if len(late) else math.nan
        row["late_p90_h"] = float(late.lateness_h.quantile(0.9)) if len(late) else math.nan
        row["late_max_h"] = float(late.lateness_h.max()) if len(late) else math.nan
        row["cost_per_ticket_pln"] = float(planned.cost_pln.mean()) if len(planned) else 0.0
        rows.append(row)
    columns = [key, "tickets", *(f"share_{s}" for s in STATUSES), "late_p50_h", "late_p90_h"]
    return pd.DataFrame(rows, columns=[*columns, "late_max_h", "cost_per_ticket_pln"])


def headline(run: RunResult) -> dict[str, float]:
    """One replication's key figures."""
    t = run.tickets
    planned = t[t.status != "unassigned"]
    return {
        "tickets": float(len(t)),
        "share_on_time": float((t.status == "on_time").mean()) if len(t) else 0.0,
        "share_late": float((t.status == "late").mean()) if len(t) else 0.0,
        "share_unassigned": float((t.status == "unassigned").mean()) if len(t) else 0.0,
        "cost_per_ticket_pln": float(planned.cost_pln.mean()) if len(planned) else 0.0,
        "utilisation": pooled_utilisation(run.engineers),
        "stockout_depot_days": float((run.stock.empty_skus > 0).sum()) if len(run.stock) else 0.0,
        "network_cost_pln": run.costs.get("network", math.nan),
        "central_resupplies": float(run.moves.get("central_resupplies", 0)),
        "lateral_transfers": float(run.moves.get("lateral_transfers", 0)),
    }


def paired_differences(a: Sequence[RunResult], b: Sequence[RunResult]) -> pd.DataFrame:
    """Each headline figure of B minus A with a 95 % interval on the paired differences.

    Replication ``i`` of two scenarios draws from the same seed, so on one world both see the
    same failures (common random numbers): the interval of the replication-by-replication
    differences is much tighter than the two intervals side by side. ``unpaired_half_width``
    is the Welch interval's half-width, for comparison.
    """
    if len(a) != len(b):
        raise ValueError("paired differences need as many replications of each scenario")
    heads_a, heads_b = [headline(r) for r in a], [headline(r) for r in b]
    rows = []
    for name in heads_a[0]:
        xa = np.array([h[name] for h in heads_a])
        xb = np.array([h[name] for h in heads_b])
        diff, low, high = interval(list(xb - xa))
        rows.append(
            {
                "metric": name,
                "a": float(xa.mean()),
                "b": float(xb.mean()),
                "difference": diff,
                "ci_low": low,
                "ci_high": high,
                "unpaired_half_width": _welch_half_width(xa, xb),
            }
        )
    return pd.DataFrame(rows)


def _welch_half_width(xa: NDArray[np.float64], xb: NDArray[np.float64]) -> float:
    if len(xa) < 2:
        return math.nan
    va, vb = xa.var(ddof=1) / len(xa), xb.var(ddof=1) / len(xb)
    se = math.sqrt(va + vb)
    if se == 0:
        return 0.0
    dof = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    return float(stats.t.ppf((1 + CONFIDENCE) / 2, dof) * se)


def pooled_utilisation(engineers: pd.DataFrame) -> float:
    """Busy hours of all engineers over the hours they were available (0 when none were)."""
    available = float((engineers.shift_h + engineers.off_shift_h).sum())
    return float(engineers.busy_h.sum()) / available if available > 0 else 0.0


def interval(
    values: Sequence[float], bounds: tuple[float, float] = (-math.inf, math.inf)
) -> tuple[float, float, float]:
    """Mean and the two ends of its confidence interval, clipped to the figure's ``bounds``."""
    data = np.asarray(values, dtype=np.float64)
    mean = float(data.mean())
    if len(data) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf((1 + CONFIDENCE) / 2, len(data) - 1) * stats.sem(data))
    if not np.isfinite(half):
        half = 0.0
    low, high = bounds
    return mean, max(mean - half, low), min(mean + half, high)


def bounds_of(name: str) -> tuple[float, float]:
    """What figure ``name`` can be: a share or utilisation 0 to 1, a count, cost or hours >= 0."""
    return (0.0, 1.0) if name.startswith("share_") or name == "utilisation" else (0.0, math.inf)


def summarise(runs: Sequence[RunResult]) -> pd.DataFrame:
    """Headline figures across replications: metric, mean, ci_low, ci_high."""
    heads = [headline(r) for r in runs]
    rows = []
    for name in heads[0]:
        mean, low, high = interval([h[name] for h in heads], bounds_of(name))
        rows.append({"metric": name, "mean": mean, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def grouped_summary(runs: Sequence[RunResult], key: str) -> pd.DataFrame:
    """:func:`by_group` across replications: each figure's mean and confidence interval (the
    lateness over the replications that had late tickets; NaN when none had)."""
    tables = [by_group(r.tickets, key).assign(replication=i) for i, r in enumerate(runs)]
    stacked = pd.concat(tables, ignore_index=True)
    rows = []
    for value, group in stacked.groupby(key, sort=True):
        row: dict[str, object] = {key: value, "tickets_mean": float(group.tickets.mean())}
        for column in ("share_on_time", "late_p90_h", "cost_per_ticket_pln"):
            values = [v for v in group[column] if not math.isnan(v)]
            mean, low, high = (
                interval(values, bounds_of(column)) if values else (math.nan, math.nan, math.nan)
            )
            row[column] = mean
            row[f"{column}_ci_low"] = low
            row[f"{column}_ci_high"] = high
        row["share_late"] = float(group.share_late.mean())
        row["share_unassigned"] = float(group.share_unassigned.mean())
        rows.append(row)
    figures = ("share_on_time", "late_p90_h", "cost_per_ticket_pln")
    columns = [f"{c}{end}" for c in figures for end in ("", "_ci_low", "_ci_high")]
    return pd.DataFrame(
        rows, columns=[key, "tickets_mean", *columns, "share_late", "share_unassigned"]
    )


def cost_breakdown(runs: Sequence[RunResult]) -> pd.DataFrame:
    """Mean yearly cost (PLN) and ticket count per tier and mode, over replications."""
    parts = [
        r.tickets[r.tickets.status != "unassigned"]
        .groupby(["tier", "mode"])
        .agg(tickets=("ticket", "size"), cost_pln=("cost_pln", "sum"))
        for r in runs
    ]
    return (pd.concat(parts).groupby(level=[0, 1]).sum() / len(runs)).reset_index()


def stockouts(runs: Sequence[RunResult]) -> pd.DataFrame:
    """Per day: stocked (depot, SKU) pairs at zero, summed over depots, mean over replications."""
    daily = [r.stock.groupby("day").empty_skus.sum() for r in runs]
    return pd.concat(daily, axis=1).mean(axis=1).rename("empty_skus").reset_index()


def utilisation(runs: Sequence[RunResult]) -> pd.DataFrame:
    """Per engineer: mean jobs, hours worked off shift and utilisation over replications."""
    both = pd.concat([r.engineers for r in runs])
    figures = ["jobs", "off_shift_h", "utilisation"]
    return both.groupby(["engineer", "home"], sort=True)[figures].mean().reset_index()
