"""The quote's page: a map per tier, the sites' verdicts, the year, extra stock, the price floor.

One ``index.html`` (the reports' style, ``depots.report.page``) with, per tier, a map of Poland
(``depots.report.poland_map``): the tier's reach shaded (every point a dedicated car reaches
within the hour target from a depot, pick-and-pack included), the depots, and the sites green
when reachable, orange when a change makes them so, red when no change within the limits does;
the table of sites with the binding reason and the cheapest changes; the simulated year (new
sites, existing customers with and without them); the extra stock; the yearly cost to serve;
and the assumptions. Every table is also a CSV.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.path import Path as Outline

from depots.quote_job import Quote
from depots.report import page, poland_map, save_figure
from depots.simulation import prepare
from dispatch.outlines import outline_rings
from dispatch.tiers import Tier
from dispatch.travel import road_model

STATUS_COLOURS = {
    "reachable": "#2ca02c",
    "with a change": "#ff7f0e",
    "not within limits": "#d62728",
}
GRID_DEG = 0.1  # the reach shading's grid


def write_quote_report(quote: Quote, out: Path) -> Path:
    """Write the quote's page, figures and CSVs into ``out``; return the page."""
    answer = quote.to_dict()
    sites = _sites_table(quote)
    year = _year_table(answer)
    stock = pd.DataFrame(answer["extra_stock"]["units"])
    for name, table in (("sites", sites), ("year", year), ("extra_stock", stock)):
        table.to_csv(out / f"{name}.csv", index=False)
    body = [
        f"<h1>Quote: {len(quote.sites)} sites, {', '.join(quote.tiers)}</h1>",
        f"<p>Against <b>{html.escape(quote.params.name)}</b>: "
        f"{html.escape(quote.params.description)}</p>",
        "<h2>Cost to serve a year (price floor)</h2>",
        _html(_cost_table(answer)),
    ]
    for tier in quote.tiers:
        name = f"map_{tier.replace('x', '_')}.png"
        save_figure(quote_map(quote, tier), out / name)
        t = answer["tiers"][tier]
        body += [
            f"<h2>{html.escape(tier)}</h2>",
            f"<p>{t['reachable']} of {t['sites']} sites reachable, {t['with_a_change']} with a "
            f"change, {t['not_within_limits']} beyond the limits.</p>",
            f'<img src="{name}" alt="map of {html.escape(tier)}">',
            _html(sites[sites.tier == tier].drop(columns=["tier"])),
        ]
    a = answer["assumptions"]
    extra = answer["extra_stock"]
    body += [
        "<h2>The simulated year</h2>",
        f"<p>{a['days']} days from {a['start']}, {a['replications']} replication(s), seed "
        f"{a['seed']}, planner {a['planner']}, failure rates x{a['rate_scale']:g}: the new sites "
        "added to the installed base, replication i of each tier and of the network as it is "
        "drawing from one seed. Intervals are 95 %.</p>",
        _html(year),
        "<h2>Extra stock to keep the fill rate</h2>",
        f"<p>Fill rate now {extra['fill_rate_now']:.1%}; with the new sites and today's stock "
        f"{extra['fill_rate_with_sites']:.1%}; with the extra units {extra['fill_rate_after']:.1%}"
        f" ({extra['holding_pln_year']:,.0f} zł a year).</p>",
        _html(stock) if len(stock) else "<p>No extra units needed.</p>",
        "<h2>Assumptions</h2>",
        "<ul>"
        f"<li>A site is served from its nearest depot for stocking; a unit is held at "
        f"{a['holding_rate']:.0%} of its value a year.</li>"
        f"<li>An added engineer costs {a['engineer_pln_year']:,.0f} zł a year, a dedicated "
        f"driver {a['driver_pln_year']:,.0f} zł; engineers may be based in the "
        f"{a['candidate_towns']:,} most populous towns.</li>"
        "<li>A 24x7 hour tier needs an on-call engineer within reach (nights and weekends); an "
        "8x5 or NBD visit and the drive home fit in the engineer's shift.</li>"
        "<li>New depots are beyond the limits: a site only a new depot reaches is red.</li>"
        "</ul>",
        '<p><a href="sites.csv">sites.csv</a> · <a href="year.csv">year.csv</a> · '
        '<a href="extra_stock.csv">extra_stock.csv</a></p>',
    ]
    return page(out, "Quote", body)


def _sites_table(quote: Quote) -> pd.DataFrame:
    rows = []
    for tier in quote.tiers:
        for site, verdict in zip(quote.sites, quote.verdicts[tier], strict=True):
            arrival = verdict.arrival_min
            rows.append(
                {
                    "tier": tier,
                    "site": site.id,
                    "location": site.location,
                    "service": site.service.value,
                    "devices": site.device_count,
                    "status": verdict.status,
                    "arrival_min": round(arrival) if arrival is not None else None,
                    "reason": verdict.reason,
                    "changes": "; ".join(c.text for c in verdict.changes),
                    "change_pln_year": sum(c.cost_pln_year for c in verdict.changes),
                }
            )
    return pd.DataFrame(rows)


def _year_table(answer: dict[str, object]) -> pd.DataFrame:
    rows = []
    tiers = answer["tiers"]
    assert isinstance(tiers, dict)
    for tier, t in tiers.items():
        new, old = t["year"]["new_sites"], t["year"]["existing_sites"]
        rows.append(
            {
                "tier": tier,
                "new tickets a year": _fig(new["tickets_year"], "{:,.0f}"),
                "new sites on time": _fig(new["share_on_time"], "{:.1%}"),
                "zł a ticket": _fig(new["cost_per_ticket_pln"], "{:,.0f}"),
                "dispatch zł a year": _fig(new["dispatch_cost_year_pln"], "{:,.0f}"),
                "existing on time": _fig(old["share_on_time"], "{:.1%}"),
                "existing change, pp": _fig(
                    [None if v is None else v * 100 for v in old["change_share_on_time"]],
                    "{:+.2f}",
                ),
            }
        )
    return pd.DataFrame(rows)


def _cost_table(answer: dict[str, object]) -> pd.DataFrame:
    tiers = answer["tiers"]
    assert isinstance(tiers, dict)
    return pd.DataFrame(
        [
            {
                "tier": tier,
                "dispatch zł a year": f"{t['cost_to_serve']['dispatch_pln_year']:,.0f}",
                "extra stock zł a year": f"{t['cost_to_serve']['extra_stock_pln_year']:,.0f}",
                "cost to serve zł a year": f"{t['cost_to_serve']['total_pln_year']:,.0f}",
                "changes zł a year": f"{t['cost_to_serve']['changes_pln_year']:,.0f}",
            }
            for tier, t in tiers.items()
        ]
    )


def _fig(figure: list[float | None], fmt: str) -> str:
    mean, low, high = figure
    if mean is None:
        return "–"
    if low is None or high is None:
        return fmt.format(mean)
    return f"{fmt.format(mean)} [{fmt.format(low)}, {fmt.format(high)}]"


def _html(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r.values())
        + "</tr>"
        for r in table.to_dict("records")
    )
    return f"<div class='wide'><table><tr>{head}</tr>{rows}</table></div>"


def quote_map(quote: Quote, tier: str) -> Figure:
    """Sites coloured by feasibility, the depots and the tier's reach from them."""
    fig, ax = poland_map()
    net = prepare(quote.params)
    depots = [net.places[d.location] for d in net.depots]
    target = Tier.parse(tier)
    if not target.is_nbd:
        grid = _poland_grid()
        seconds, _ = road_model().matrix(np.array([[p.lat, p.lon] for p in depots]), grid)
        pick = np.array([d.pick_minutes * 60 for d in net.depots])[:, None]
        inside = ((seconds + pick) <= target.target_s).any(axis=0)
        ax.scatter(
            grid[inside, 1], grid[inside, 0], s=16, marker="s", color="#deebf7", linewidths=0
        )
        ax.scatter([], [], marker="s", color="#deebf7", label=f"within {tier} of a depot")
    for verdict in quote.verdicts[tier]:
        ax.scatter(
            verdict.site.lon,
            verdict.site.lat,
            s=40,
            color=STATUS_COLOURS[verdict.status],
            edgecolors="black",
            linewidths=0.4,
            zorder=4,
        )
    for depot, place in zip(net.depots, depots, strict=True):
        ax.scatter(place.lon, place.lat, marker="s", s=60, color="black", zorder=3)
        ax.annotate(depot.id, (place.lon, place.lat), xytext=(4, 4), textcoords="offset points")
    for status, colour in STATUS_COLOURS.items():
        ax.scatter([], [], color=colour, label=f"site {status}")
    ax.scatter([], [], marker="s", color="black", label="depot")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(tier)
    return fig


def _poland_grid() -> np.ndarray:
    """``[lat, lon]`` points of a grid inside Poland's voivodeships."""
    lat, lon = np.meshgrid(np.arange(49.0, 55.0, GRID_DEG), np.arange(14.1, 24.2, GRID_DEG))
    points = np.column_stack([lat.ravel(), lon.ravel()])
    inside = np.zeros(len(points), dtype=bool)
    for ring in outline_rings():
        inside |= Outline(np.array(ring)).contains_points(points[:, ::-1])
    return points[inside]
