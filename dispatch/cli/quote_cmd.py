"""``dispatch quote SITES.csv --tier T [--tier T2 ...]``: can the network serve a new contract?

Per site and tier: reachable or not, the binding reason and the changes that would make it
reachable with their cost (``depots.quote``); for the whole quote a simulated year with the new
sites added to the scenario's installed base (the same simulation as ``dispatch simulate``),
the effect on existing customers, the extra stock that keeps the fill rate and the yearly cost
to serve (``depots.quote_year``). ``--report DIR`` writes the HTML report with the map,
``--json`` prints the answer as JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from depots.quote_job import Quote, make_quote, parse_tiers
from depots.quote_sites import read_sites_csv
from depots.simulation import prepare
from depots.simulation_params import PLANNERS
from dispatch.cli import add_topic
from dispatch.cli.output import output_dir, progress_bar
from dispatch.cli.simulate_cmd import check_runs, load_scenario
from dispatch.travel import road_model

DEFAULT_PLANNER = "phase1"


def register(topics: Any) -> None:
    """Add ``quote``."""
    cmd = add_topic(topics, "quote")
    cmd.add_argument("sites", type=Path, help="sites CSV: address or lat,lon; sku; devices")
    cmd.add_argument("--tier", action="append", default=[], help="a tier to quote (repeatable)")
    cmd.add_argument(
        "--scenario", default="baseline", help="the network and its load (default baseline)"
    )
    cmd.add_argument("--replications", type=int, default=3, help="replications (default 3)")
    cmd.add_argument("--executor", default="local", help="serial, local, local:N, dask://H:P")
    cmd.add_argument("--days", type=int, help="override the scenario's days (default a year)")
    cmd.add_argument("--seed", type=int, help="override the scenario's seed")
    cmd.add_argument(
        "--planner",
        choices=PLANNERS,
        default=DEFAULT_PLANNER,
        help="phase1 (default: each ticket at acceptance, the engine's decision) or routing",
    )
    cmd.add_argument("--report", type=Path, help="write the HTML report into this directory")
    cmd.add_argument("--json", action="store_true", help="print the answer as JSON")
    cmd.set_defaults(handler=_quote)


def _quote(args: argparse.Namespace) -> int:
    check_runs(args)
    tiers = parse_tiers(args.tier, "--tier")
    params = load_scenario(args.scenario)
    changes: dict[str, Any] = {"planner": args.planner}
    if args.days is not None:
        changes["days"] = args.days
    if args.seed is not None:
        changes["seed"] = args.seed
    params = dataclasses.replace(params, **changes)
    net = prepare(params)
    sites = read_sites_csv(args.sites, net.skus, net.base.sites)
    report = output_dir(args.report, "--report") if args.report is not None else None
    columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with tempfile.TemporaryDirectory(prefix="quote-") as scratch:
        workdir = report if report is not None else Path(scratch)
        with progress_bar(*columns) as bar:
            task = bar.add_task("replications", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            quote = make_quote(
                params,
                sites,
                tiers,
                road_model(),
                workdir,
                replications=args.replications,
                executor=args.executor,
                progress=progress,
            )
        page = None
        if report is not None:
            from depots.quote_report import write_quote_report

            page = write_quote_report(quote, report)
    if args.json:
        answer = quote.to_dict()
        if page is not None:
            answer["report"] = str(page)
        print(json.dumps(answer, ensure_ascii=False, allow_nan=False))
    else:
        _print(quote)
        if page is not None:
            print(f"report: {page}")
    return 0


def _print(quote: Quote) -> None:
    answer = quote.to_dict()
    p = quote.params
    print(
        f"quote: {len(quote.sites)} sites against {p.name} ({p.days} days, "
        f"{answer['assumptions']['replications']} replication(s), planner {p.planner})"
    )
    for tier in quote.tiers:
        t = answer["tiers"][tier]
        new = t["year"]["new_sites"]
        old = t["year"]["existing_sites"]
        cost = t["cost_to_serve"]
        print(
            f"  {tier:<9} reachable {t['reachable']}/{t['sites']}, with a change "
            f"{t['with_a_change']}, beyond the limits {t['not_within_limits']}"
        )
        print(
            f"            new sites on time {_pct(new['share_on_time'])}, "
            f"{new['tickets_year'][0]:,.0f} tickets a year; existing on time "
            f"{_pct(old['share_on_time'])} (change {_signed(old['change_share_on_time'])})"
        )
        print(
            f"            cost to serve {cost['total_pln_year']:,.0f} zł a year (dispatch "
            f"{cost['dispatch_pln_year']:,.0f}, extra stock {cost['extra_stock_pln_year']:,.0f}); "
            f"changes {cost['changes_pln_year']:,.0f} zł a year"
        )
        for k, site in enumerate(quote.sites):
            verdict = quote.verdicts[tier][k]
            if not verdict.reachable:
                changes = "; ".join(
                    f"{c.text} ({c.cost_pln_year:,.0f} zł/yr)" for c in verdict.changes
                )
                print(f"    {site.id}: {verdict.reason} -> {changes or 'no change within limits'}")


def _pct(figure: list[float | None]) -> str:
    mean, low, high = figure
    text = f"{mean:.1%}" if mean is not None else "–"
    if low is not None and high is not None:
        text += f" [{low:.1%}, {high:.1%}]"
    return text


def _signed(figure: list[float | None]) -> str:
    mean, low, high = figure
    text = f"{(mean or 0) * 100:+.1f} pp"
    if low is not None and high is not None:
        text += f" [{low * 100:+.1f}, {high * 100:+.1f}]"
    return text
