"""The study's page: where the depots went (with a coverage map), their stock, the year.

One ``index.html`` with the placement (model, proof status, share of the tier's devices within
target, the coverage map: each site joined to its depot, red where the road time misses the
tier's target), the stock plan per depot, the simulated year's headline and links to the
year's full report (``simulation/index.html``) and to each step's reusable output.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from depots import metrics
from depots.demo_world import load
from depots.placement import DemandPoint, DepotLayout
from depots.report import Study, headline_html, page, poland_map, save_figure
from depots.study import Network, depot_ids


def write_study_report(
    network: Network,
    points: Sequence[DemandPoint],
    year: Study,
    out: Path,
    files: Mapping[str, Path],
) -> Path:
    """Write the study page into ``out`` (the year's report is already in ``out/simulation``)."""
    layout = network.layout
    save_figure(coverage_map(layout, points), out / "coverage.png")
    ids = depot_ids(load(network.scenario.world_dir), layout)
    units: dict[str, int] = {}
    for depot, _, n in network.stock_rows:
        units[depot] = units.get(depot, 0) + n
    rows = "".join(
        f"<tr><td>{html.escape(i)}</td><td>{html.escape(t.name)}</td>"
        f"<td>{html.escape(t.voivodeship)}</td><td>{n:,}</td><td>{units.get(i, 0):,}</td></tr>"
        for i, t, n in zip(ids, layout.depots, layout.devices_served, strict=True)
    )
    links = " · ".join(
        f'<a href="{html.escape(p.name)}">{html.escape(p.name)}</a>' for p in files.values()
    )
    body = [
        f"<h1>Network study: {html.escape(network.scenario.name)}</h1>",
        f"<p>{html.escape(network.scenario.description)}</p>",
        "<h2>1. Depots</h2>",
        f"<p>{_placement_sentence(layout)}</p>",
        '<img src="coverage.png" alt="coverage map">',
        "<table><tr><th>depot</th><th>town</th><th>voivodeship</th><th>devices served</th>"
        f"<th>spare units</th></tr>{rows}</table>",
        "<h2>2. Stock</h2>",
        f"<p>{_stock_sentence(network)}</p>",
        "<h2>3. A simulated year</h2>",
        headline_html(metrics.summarise(year.runs)),
        '<p><a href="simulation/index.html">The year in full</a>: by tier and voivodeship, '
        "lateness, costs, stock-outs, engineers.</p>",
        f"<h2>Reusable outputs</h2><p>{links}</p>",
    ]
    return page(out, f"Study {network.scenario.name}", body)


def _placement_sentence(layout: DepotLayout) -> str:
    r = layout.result
    proof = "proven optimal" if r.gap == 0 else f"within {r.gap:.1%} of the optimum"
    text = f"{layout.model}: {len(layout.depots)} depots, {proof}"
    if layout.devices_covered is not None and layout.devices_in_tier:
        share = layout.devices_covered / layout.devices_in_tier
        text += f"; {share:.1%} of {layout.tier} devices within the tier's target by road"
    return html.escape(f"{text}; mean road time {layout.mean_travel_s / 60:.0f} min.")


def _stock_sentence(network: Network) -> str:
    plan = network.stock
    loop = network.scenario.returns
    if plan is None:
        return f"Reused: {sum(n for *_, n in network.stock_rows):,} units from a stock plan."
    met = "" if plan.target_met else " (target NOT met within the budget)"
    return html.escape(
        f"{sum(plan.levels):,} units, fill rate {plan.fill_rate:.1%} (target "
        f"{plan.target:.0%}){met}; holding {plan.holding_gr_year / 100:,.0f} zł a year (no plan "
        f"reaching the target costs under {plan.cost_lower_bound_gr / 100:,.0f}); a spare is "
        f"away {loop.mean_days:g} days on average."
    )


def coverage_map(layout: DepotLayout, points: Sequence[DemandPoint]) -> Figure:
    """Sites joined to their depot; the tier's sites green within its target, red beyond."""
    fig, ax = poland_map()
    tier = layout.tier
    towns = [layout.depots[j] for j in layout.assignment]
    segments = [((p.lon, p.lat), (t.lon, t.lat)) for p, t in zip(points, towns, strict=True)]
    ax.add_collection(LineCollection(segments, colors="#cccccc", linewidths=0.3))
    in_tier = [tier is not None and p.tier == tier for p in points]
    reach = layout.radius_s
    colours = [
        ("#2ca02c" if reach is not None and s <= reach else "#d62728") if t else "#9ecae1"
        for t, s in zip(in_tier, layout.travel_s, strict=True)
    ]
    ax.scatter(
        [p.lon for p in points],
        [p.lat for p in points],
        s=[10 if t else 4 for t in in_tier],
        c=colours,
        linewidths=0,
    )
    for town in layout.depots:
        ax.scatter(town.lon, town.lat, marker="s", s=60, color="black", zorder=3)
        ax.annotate(town.name, (town.lon, town.lat), xytext=(4, 4), textcoords="offset points")
    ax.scatter([], [], color="#2ca02c", label=f"{tier} site within target")
    ax.scatter([], [], color="#d62728", label=f"{tier} site beyond target")
    ax.scatter([], [], color="#9ecae1", label="other sites")
    ax.scatter([], [], marker="s", color="black", label="depot")
    ax.legend(loc="lower left", fontsize=8)
    return fig
