"""The simulation report: an HTML page with PNG figures (matplotlib) and a CSV of every table.

``write_report`` covers one scenario: a map of Poland with the depots and the customer sites
coloured by tier, ringed where tickets missed the SLA (the larger, the more); SLA attainment
by tier (with 95 % intervals over replications) and by voivodeship, lateness, the cost
breakdown, stock-outs over the year and engineer utilisation. ``write_comparison`` puts two
scenarios side by side. The page links only files written next to it, so the directory can be
zipped or served as is.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from depots import metrics
from depots.network_cost import LINES
from depots.simulation import RunResult, prepare
from depots.simulation_params import SimulationParams
from dispatch.outlines import outline_rings

TIER_COLOURS = {"24x7x4": "#d62728", "24x7x8": "#ff7f0e", "8x5x8": "#bcbd22",
                "24x7xNBD": "#1f77b4", "8x5xNBD": "#2ca02c"}  # fmt: skip
STATUS_COLOURS = {"on_time": "#2ca02c", "late": "#ff7f0e", "unassigned": "#d62728"}
DPI = 110
matplotlib.use("Agg")  # files only, never a window


@dataclass(frozen=True, slots=True)
class Study:
    """A scenario and its replications."""

    params: SimulationParams
    runs: tuple[RunResult, ...]

    def __post_init__(self) -> None:
        if not self.runs:
            raise ValueError("a study needs at least one replication")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report, by CSV name."""
        runs = self.runs
        return {
            "summary": metrics.summarise(runs),
            "by_tier": metrics.grouped_summary(runs, "tier"),
            "by_voivodeship": metrics.grouped_summary(runs, "voivodeship"),
            "cost_breakdown": metrics.cost_breakdown(runs),
            "stockouts_daily": metrics.stockouts(runs),
            "engineers": metrics.utilisation(runs),
            "tickets_replication_0": runs[0].tickets,
        }


def write_report(study: Study, out: Path) -> Path:
    """Write ``index.html``, figures and CSVs for one scenario into ``out``; return the page."""
    out.mkdir(parents=True, exist_ok=True)
    tables = study.tables()
    _write_csvs(tables, out)
    by_region = tables["by_voivodeship"]
    figures = [
        (
            "map.png",
            "Depots and customer sites by tier (ringed: some tickets missed the SLA)",
            _map(study),
        ),
        ("sla_by_tier.png", "On time by tier (95 % interval)", _sla_by_tier(tables["by_tier"])),
        ("sla_by_voivodeship.png", "Share on time by voivodeship", _sla_by_region(by_region)),
        ("lateness.png", "Lateness of late tickets by tier", _lateness(study.runs)),
        ("costs.png", "Yearly cost by tier and mode", _costs(tables["cost_breakdown"])),
        ("stockouts.png", "Stock-outs over the period", _stockouts(tables["stockouts_daily"])),
        ("utilisation.png", "Engineer utilisation", _utilisation(tables["engineers"])),
    ]
    body = [
        f"<h1>Simulation: {html.escape(study.params.name)}</h1>",
        f"<p>{html.escape(study.params.description)}</p>",
        _facts(study),
        "<h2>Headline (mean and 95 % interval over replications)</h2>",
        headline_html(tables["summary"]),
        "<h2>By tier</h2>",
        _table(tables["by_tier"]),
    ]
    for name, title, fig in figures:
        save_figure(fig, out / name)
        body.append(f'<h2>{html.escape(title)}</h2><img src="{name}" alt="{html.escape(title)}">')
    body += ["<h2>By voivodeship</h2>", _table(tables["by_voivodeship"]), _csv_links(tables)]
    return page(out, f"Simulation {study.params.name}", body)


def write_comparison(a: Study, b: Study, out: Path) -> Path:
    """Write both scenarios' reports (``a/``, ``b/``) and the page comparing them (paired
    differences, network cost) into ``out``; return the comparison page."""
    out.mkdir(parents=True, exist_ok=True)
    write_report(a, out / "a")
    write_report(b, out / "b")
    names = (a.params.name, b.params.name)
    if names[0] == names[1]:
        names = (f"{names[0]} (A)", f"{names[1]} (B)")
    summary = metrics.paired_differences(a.runs, b.runs)
    costs = pd.DataFrame(
        {
            "line": [*LINES, "network"],
            "a": [cost_line(a.runs, k) for k in (*LINES, "network")],
            "b": [cost_line(b.runs, k) for k in (*LINES, "network")],
        }
    )
    costs["difference"] = costs.b - costs.a
    tiers = pd.merge(
        metrics.grouped_summary(a.runs, "tier"),
        metrics.grouped_summary(b.runs, "tier"),
        on="tier",
        how="outer",
        suffixes=("_a", "_b"),
    )
    tables = {"compare_summary": summary, "compare_costs": costs, "compare_by_tier": tiers}
    _write_csvs(tables, out)
    save_figure(_compare_tiers(tiers, names), out / "compare_sla_by_tier.png")
    save_figure(_compare_costs(tiers, names), out / "compare_cost_by_tier.png")
    body = [
        f"<h1>{html.escape(names[0])} (A) vs {html.escape(names[1])} (B)</h1>",
        f'<p>Full reports: <a href="a/index.html">A: {html.escape(names[0])}</a> · '
        f'<a href="b/index.html">B: {html.escape(names[1])}</a>. Replication i of both runs '
        "on the same seed, so each difference's interval is over paired replications.</p>",
        "<h2>Headline (difference = B - A, 95 % interval of the paired differences)</h2>",
        paired_html(summary),
        "<h2>Network cost a year, zł (mean over replications)</h2>",
        _costs_html(costs),
        '<h2>Share on time by tier</h2><img src="compare_sla_by_tier.png" alt="SLA by tier">',
        '<h2>Cost per ticket by tier</h2><img src="compare_cost_by_tier.png" alt="cost by tier">',
        "<h2>By tier</h2>",
        _table(tiers),
        _csv_links(tables),
    ]
    return page(out, "Scenario comparison", body)


_COST_LABELS = {
    "depots": "depots' fixed costs",
    "stock_holding": "holding the spares",
    "tickets": "tickets (transport, engineers' time on jobs)",
    "engineers_idle": "engineers' shift hours without a job",
    "transfers": "lateral transfers between depots",
    "network": "network",
}


def cost_line(runs: Sequence[RunResult], line: str) -> float:
    """One cost line's mean over replications (PLN a year; see depots.network_cost)."""
    return sum(r.costs.get(line, 0.0) for r in runs) / len(runs)


def _costs_html(costs: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(_COST_LABELS[str(r['line'])])}</th><td>{float(r['a']):,.0f}</td>"
        f"<td>{float(r['b']):,.0f}</td><td>{float(r['difference']):+,.0f}</td></tr>"
        for r in costs.to_dict("records")
    )
    return f"<table><tr><th></th><th>A</th><th>B</th><th>B - A</th></tr>{rows}</table>"


def paired_html(summary: pd.DataFrame) -> str:
    """The paired comparison with labels: A, B, the difference and its interval."""
    rows = []
    for r in summary.to_dict("records"):
        name = str(r["metric"])
        a, b, d, low, high, unpaired = (
            float(r[k])
            for k in ("a", "b", "difference", "ci_low", "ci_high", "unpaired_half_width")
        )
        rows.append(
            f"<tr><th>{html.escape(LABELS.get(name, (name, ''))[0])}</th><td>{shown(name, a)}</td>"
            f"<td>{shown(name, b)}</td><td>{_signed(name, d)}</td>"
            f"<td>{_signed(name, low)} to {_signed(name, high)}</td>"
            f"<td>± {shown(name, unpaired)}</td></tr>"
        )
    head = (
        "<tr><th></th><th>A</th><th>B</th><th>B - A</th><th>95 % interval (paired)</th>"
        "<th>unpaired would be</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def _signed(metric: str, value: float) -> str:
    text = shown(metric, value)
    return text if value != value or value < 0 else f"+{text}"


# What a planner reads instead of column names, and how each figure is shown.
LABELS = {
    "tickets": ("tickets", "{:,.0f}"),
    "share_on_time": ("on time", "{:.1%}"),
    "share_late": ("late", "{:.1%}"),
    "share_unassigned": ("not served", "{:.1%}"),
    "cost_per_ticket_pln": ("cost per ticket, zł", "{:,.0f}"),
    "utilisation": ("engineer utilisation", "{:.1%}"),
    "stockout_depot_days": ("depot-days with a stocked SKU at zero", "{:,.0f}"),
    "network_cost_pln": ("network cost a year, zł", "{:,.0f}"),
    "central_resupplies": ("units sent from the central warehouse", "{:,.0f}"),
    "lateral_transfers": ("units moved between depots", "{:,.0f}"),
}


def shown(metric: str, value: float) -> str:
    """``value`` as the planner reads ``metric`` (a share in %, money rounded); '–' for none."""
    if value != value:  # NaN: no interval with one replication
        return "–"
    return LABELS.get(metric, (metric, "{:,.3f}"))[1].format(value)


def headline_html(summary: pd.DataFrame) -> str:
    """The headline table with labels, percentages and the 95 % interval in one column."""
    rows = []
    for r in summary.to_dict("records"):
        name = str(r["metric"])
        mean, low, high = (float(r[k]) for k in ("mean", "ci_low", "ci_high"))
        rows.append(
            f"<tr><th>{html.escape(LABELS.get(name, (name, ''))[0])}</th>"
            f"<td>{shown(name, mean)}</td><td>{shown(name, low)} – {shown(name, high)}</td></tr>"
        )
    head = "<tr><th></th><th>mean</th><th>95 % interval</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _facts(study: Study) -> str:
    p = study.params
    runtime = sum(r.runtime_s for r in study.runs) / len(study.runs)
    planner = (
        "the engine's joint allocation and routing"
        if p.planner == "routing"
        else ("each ticket at acceptance (fast mode)")
    )
    return (
        f"<p>{p.days} days from {p.start}, {len(study.runs)} replication(s) (seed {p.seed}), "
        f"failure rates x{p.demand.rate_scale:g}, failed units back within "
        f"{p.returns.max_days:g} days, exchange {p.returns.repair_days:g} and transfer "
        f"{p.returns.transfer_days:g} days; planned by {planner}.</p>"
        f"<p class='small'>Mean run time {runtime:.1f} s a replication.</p>"
    )


def _write_csvs(tables: dict[str, pd.DataFrame], out: Path) -> None:
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False)


def _csv_links(tables: dict[str, pd.DataFrame]) -> str:
    links = " · ".join(f'<a href="{n}.csv">{n}.csv</a>' for n in tables)
    return f"<h2>Data</h2><p>{links}</p>"


# Words for the column names of the grouped tables (the CSVs keep the names).
_COLUMN_WORDS = {
    "tickets_mean": "tickets",
    "share_on_time": "on time",
    "share_late": "late",
    "share_unassigned": "not served",
    "late_p90_h": "late p90, h",
    "cost_per_ticket_pln": "zł a ticket",
    "_ci_low": " (95 % low)",
    "_ci_high": " (95 % high)",
    "_a": " A",
    "_b": " B",
}


def _column(name: str) -> str:
    for suffix in ("_ci_low", "_ci_high", "_a", "_b"):
        if name.endswith(suffix) and name[: -len(suffix)] in _COLUMN_WORDS:
            return _column(name[: -len(suffix)]) + _COLUMN_WORDS[suffix]
    return _COLUMN_WORDS.get(name, name.replace("_", " "))


def _cell(name: str, value: object) -> str:
    if not isinstance(value, float):
        return html.escape(str(value))
    if value != value:
        return "–"
    if name.startswith("share_"):
        return f"{value:.1%}"
    return f"{value:,.1f}" if name.startswith("late_") else f"{value:,.0f}"


def _table(table: pd.DataFrame) -> str:
    """A table a planner reads: worded columns, shares in %, money in whole złoty, and a
    scrolling box instead of a cut-off edge when it is wide."""
    head = "".join(f"<th>{html.escape(_column(str(c)))}</th>" for c in table.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(str(c), r[c])}</td>" for c in table.columns) + "</tr>"
        for r in table.to_dict("records")
    )
    return f"<div class='wide'><table><tr>{head}</tr>{rows}</table></div>"


REPORT_CSS = (
    "body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;text-align:right;"
    "border-bottom:1px solid #ddd}img{max-width:100%}.wide{overflow-x:auto}.small{color:#666}"
)


def document(title: str, body: Sequence[str], css: str = "") -> str:
    """One self-contained HTML page in the reports' style (``css`` added to it): every report
    of the project, a simulated year's or a replayed day's, is one of these."""
    return (
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{REPORT_CSS}{css}</style><body>{''.join(body)}</body></html>"
    )


def page(out: Path, title: str, body: Sequence[str]) -> Path:
    """Write ``out/index.html`` (:func:`document`); return its path."""
    path = out / "index.html"
    path.write_text(document(title, body), encoding="utf-8")
    return path


def save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG and free it."""
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def inline_svg(fig: Figure, tips: Sequence[tuple[Artist, str]], svg_id: str) -> str:
    """``fig`` as an ``<svg id=svg_id>`` element of a self-contained page, each artist of
    ``tips`` showing its text on hover (an SVG ``<title>``); frees the figure."""
    for n, (artist, _) in enumerate(tips):
        artist.set_gid(f"{svg_id}-{n}")
    buffer = io.StringIO()
    no_metadata = dict.fromkeys(("Creator", "Date", "Format", "Type"))  # no date, no link
    with plt.rc_context({"svg.hashsalt": svg_id, "svg.fonttype": "none"}):  # same bytes each run
        fig.tight_layout()
        fig.savefig(buffer, format="svg", metadata=no_metadata)
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :].replace("<svg ", f'<svg id="{svg_id}" ', 1)
    for n, (_, tip) in enumerate(tips):
        group = f'<g id="{svg_id}-{n}">'
        svg = svg.replace(group, f"{group}<title>{html.escape(tip)}</title>", 1)
    return svg


def poland_map() -> tuple[Figure, Axes]:
    """A figure with the voivodeships' outlines: the base of every map of the reports."""
    fig, ax = plt.subplots(figsize=(7, 6.5))
    for ring in outline_rings():
        lon, lat = zip(*ring, strict=True)
        ax.plot(lon, lat, color="#999999", linewidth=0.6)
    ax.set_aspect(1.6)
    ax.set_axis_off()
    return fig, ax


def _map(study: Study) -> Figure:
    net = prepare(study.params)
    fig, ax = poland_map()
    tickets = pd.concat([r.tickets for r in study.runs])
    share = tickets.groupby("site").status.apply(lambda s: float((s == "on_time").mean()))
    points = [net.places[location] for location in net.site_location]
    ax.scatter(
        [p.lon for p in points],
        [p.lat for p in points],
        s=24,
        c=[TIER_COLOURS.get(str(tier), "#555555") for tier in net.site_tier],
        alpha=0.55,
        linewidths=0,
    )
    missed = [k for k, site in enumerate(net.base.sites) if float(share.get(site, 1.0)) < 1.0]
    ax.scatter(
        [points[k].lon for k in missed],
        [points[k].lat for k in missed],
        s=[24 + 120 * (1 - float(share[net.base.sites[k]])) for k in missed],
        facecolors="none",
        edgecolors="black",
        linewidths=0.8,
    )
    for depot in net.depots:
        place = net.places[depot.location]
        ax.scatter(place.lon, place.lat, marker="s", s=70, color="black", zorder=3)
        ax.annotate(depot.id, (place.lon, place.lat), xytext=(4, 4), textcoords="offset points")
    for tier, colour in TIER_COLOURS.items():
        ax.scatter([], [], color=colour, label=tier)
    ax.scatter([], [], marker="s", color="black", label="depot")
    ax.scatter([], [], facecolors="none", edgecolors="black", label="site with missed SLA")
    ax.legend(loc="lower left", fontsize=8)
    return fig


def _sla_by_tier(by_tier: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    low = (by_tier.share_on_time - by_tier.share_on_time_ci_low).fillna(0)
    high = (by_tier.share_on_time_ci_high - by_tier.share_on_time).fillna(0)
    colours = [TIER_COLOURS.get(t, "#555") for t in by_tier.tier]
    ax.bar(by_tier.tier, by_tier.share_on_time, yerr=[low, high], color=colours, capsize=4)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share on time")
    return fig


def _sla_by_region(by_region: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ordered = by_region.sort_values("share_on_time")
    ax.barh(ordered.voivodeship, ordered.share_on_time, color="#1f77b4")
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("share on time")
    return fig


def _lateness(runs: Sequence[RunResult]) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    tickets = pd.concat([r.tickets for r in runs])
    late = tickets[tickets.status == "late"]
    for tier, group in late.groupby("tier"):
        ax.hist(
            group.lateness_h,
            bins=30,
            alpha=0.6,
            label=str(tier),
            color=TIER_COLOURS.get(str(tier), "#555"),
        )
    if len(late):
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no late tickets", ha="center", transform=ax.transAxes)
    ax.set_xlabel("hours past the deadline")
    ax.set_ylabel("tickets (all replications)")
    return fig


def _costs(breakdown: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    if len(breakdown):
        pivot = breakdown.pivot_table(index="tier", columns="mode", values="cost_pln", fill_value=0)
        (pivot / 1000).plot.bar(stacked=True, ax=ax)
    ax.set_ylabel("thousand PLN per period")
    return fig


def _stockouts(daily: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(pd.to_datetime(daily["day"]), daily.empty_skus, color="#d62728")
    ax.set_ylabel("stocked SKU x depot at zero")
    return fig


def _utilisation(engineers: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.hist(engineers.utilisation * 100, bins=20, color="#9467bd")
    ax.set_xlabel("utilisation of available time, %")
    ax.set_ylabel("engineers")
    return fig


def _compare_tiers(tiers: pd.DataFrame, names: tuple[str, str]) -> Figure:
    return _paired(tiers, "share_on_time", names, "share on time")


def _compare_costs(tiers: pd.DataFrame, names: tuple[str, str]) -> Figure:
    return _paired(tiers, "cost_per_ticket_pln", names, "PLN per planned ticket")


def _paired(tiers: pd.DataFrame, column: str, names: tuple[str, str], label: str) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    x = range(len(tiers))
    ax.bar([i - 0.2 for i in x], tiers[f"{column}_a"].fillna(0), width=0.4, label=names[0])
    ax.bar([i + 0.2 for i in x], tiers[f"{column}_b"].fillna(0), width=0.4, label=names[1])
    ax.set_xticks(list(x), list(tiers.tier))
    ax.set_ylabel(label)
    ax.legend(fontsize=8)
    return fig


def _pareto_chart(
    curve: pd.DataFrame, count: str, share: str, labels: tuple[str, str], path: Path
) -> None:
    """``share`` against cost per tier, each point labelled with its ``count`` column, the
    Pareto front filled: the chart of every trade-off curve (``labels``: x and y axes)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for tier, rows in curve.groupby("tier", sort=False):
        colour = TIER_COLOURS.get(str(tier), "#555555")
        ax.plot(rows.total_pln / 1e6, rows[share] * 100, color=colour, label=str(tier))
        front = rows[rows.pareto]
        ax.scatter(front.total_pln / 1e6, front[share] * 100, color=colour, zorder=3)
        for r in rows.to_dict("records"):
            at = (float(r["total_pln"]) / 1e6, float(r[share]) * 100)
            ax.annotate(str(r[count]), at, fontsize=7)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.legend(fontsize=8)
    save_figure(fig, path)


def write_curve(curve: pd.DataFrame, out: Path) -> Path:
    """The depot-count trade-off (``depots.tradeoff.depot_curve``): a Pareto chart per tier, the
    table and its CSV, in ``out``; return the page."""
    out.mkdir(parents=True, exist_ok=True)
    curve.to_csv(out / "curve.csv", index=False)
    _pareto_chart(
        curve,
        "depots",
        "covered_share",
        (
            "depots' fixed costs + dedicated trips, million zł a year",
            "devices within the tier's target, %",
        ),
        out / "curve.png",
    )
    shown_rows = "".join(
        f"<tr><td>{html.escape(str(r['tier']))}</td><td>{r['depots']}</td>"
        f"<td>{float(r['covered_share']):.1%}</td><td>{float(r['total_pln']):,.0f}</td>"
        f"<td>{float(r['mean_travel_min']):.0f}</td><td>{'yes' if r['pareto'] else ''}</td>"
        f"<td style='text-align:left'>{html.escape(str(r['towns']))}</td></tr>"
        for r in curve.to_dict("records")
    )
    body = [
        "<h1>How many depots: service level against cost</h1>",
        "<p>Each point: the layout of that many depots covering the most devices of the tier "
        "within its target (ties to the least road time); cost: the depots' fixed costs and a "
        "dedicated round trip per expected ticket from its nearest depot. Filled points are on "
        "the Pareto front.</p>",
        '<img src="curve.png" alt="Pareto chart">',
        "<table><tr><th>tier</th><th>depots</th><th>within target</th><th>zł a year</th>"
        f"<th>mean road min</th><th>Pareto</th><th>towns</th></tr>{shown_rows}</table>",
        _csv_links({"curve": curve}),
    ]
    return page(out, "Depot trade-off curve", body)


def write_headcount(curve: pd.DataFrame, out: Path) -> Path:
    """The headcount trade-off (``depots.headcount.headcount_curve``): a Pareto chart per tier,
    the table with intervals and its CSV, in ``out``; return the page."""
    out.mkdir(parents=True, exist_ok=True)
    curve.to_csv(out / "headcount.csv", index=False)
    _pareto_chart(
        curve,
        "engineers",
        "share_on_time",
        (
            "network cost (depots, stock, tickets, idle engineers), million zł a year",
            "tickets on time, %",
        ),
        out / "headcount.png",
    )
    shown_rows = "".join(
        f"<tr><td>{html.escape(str(r['tier']))}</td><td>{r['engineers']}</td>"
        f"<td>{shown('share_on_time', float(r['share_on_time']))} "
        f"[{shown('share_on_time', float(r['share_on_time_ci_low']))}, "
        f"{shown('share_on_time', float(r['share_on_time_ci_high']))}]</td>"
        f"<td>{float(r['total_pln']):,.0f}</td><td>{float(r['utilisation']):.1%}</td>"
        f"<td>{'yes' if r['pareto'] else ''}</td></tr>"
        for r in curve.to_dict("records")
    )
    body = [
        "<h1>How many engineers: service level against cost</h1>",
        "<p>Each point: the same scenario simulated with that many of today's engineers, kept "
        "in an order that leaves them as evenly spread as possible; on-time share with its 95 % "
        "interval over replications, and the network's yearly cost. Filled points are on the "
        "Pareto front.</p>",
        '<img src="headcount.png" alt="Pareto chart">',
        "<table><tr><th>tier</th><th>engineers</th><th>on time [95 %]</th><th>zł a year</th>"
        f"<th>utilisation</th><th>Pareto</th></tr>{shown_rows}</table>",
        _csv_links({"headcount": curve}),
    ]
    return page(out, "Headcount trade-off curve", body)
