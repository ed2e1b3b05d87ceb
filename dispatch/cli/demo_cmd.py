"""``dispatch demo``: replay one busy working day on the demo world of Poland.

Tickets arrive from the installed base's failure process, are accepted and planned in real time
by the dispatch engine, then re-optimised once at the end: a one-day run of the simulation
(``depots.simulation.simulate_day``, ``"rolling"`` rules). Prints the
day's figures and writes a self-contained HTML report (``depots.day_report``).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

from depots.day_report import render_html, summarise
from depots.demand import draw_tickets
from depots.demo_world import DEMO_DIR, load
from depots.simulation import simulate_day
from depots.simulation_params import SimulationParams
from dispatch.cli import add_topic
from dispatch.cli.output import output_file, progress_bar
from dispatch.errors import InvalidInput
from dispatch.places import resolve
from dispatch.travel import road_model

DEFAULT_DAY = "2026-12-02"  # a Wednesday, a business day
DEFAULT_TICKETS = 80
DEFAULT_REPORT = Path("out/demo-report.html")


def register(topics: Any) -> None:
    """Add ``demo``."""
    cmd = add_topic(topics, "demo")
    cmd.add_argument("--date", default=DEFAULT_DAY, help=f"day to replay (default {DEFAULT_DAY})")
    cmd.add_argument("--seed", type=int, default=0, help="seed of the day's failures (default 0)")
    cmd.add_argument(
        "--tickets", type=int, default=DEFAULT_TICKETS, help=f"failures (default {DEFAULT_TICKETS})"
    )
    cmd.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="HTML report path")
    cmd.add_argument("--batch-minutes", type=int, default=15, help="planning interval (default 15)")
    cmd.add_argument(
        "--time-limit", type=float, default=0.4, help="engine seconds per call (default 0.4)"
    )
    cmd.add_argument(
        "--final-time-limit",
        type=float,
        default=3.0,
        help="engine seconds for the final re-optimisation (default 3)",
    )
    cmd.add_argument("--world", type=Path, default=DEMO_DIR, help="demo world directory")
    cmd.add_argument(
        "--serve",
        action="store_true",
        help="then serve the API and the console on the demo world until Ctrl-C",
    )
    cmd.add_argument("--port", type=int, default=8000, help="port for --serve (default 8000)")
    cmd.set_defaults(handler=_demo)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("--date", f"expected YYYY-MM-DD, got {text!r}") from None


def _params(args: argparse.Namespace, day: date) -> SimulationParams:
    if args.batch_minutes <= 0:
        raise InvalidInput("--batch-minutes", f"must be > 0, got {args.batch_minutes}")
    for name in ("time_limit", "final_time_limit"):
        if getattr(args, name) <= 0:
            flag = "--" + name.replace("_", "-")
            raise InvalidInput(flag, f"must be > 0, got {getattr(args, name)}")
    return SimulationParams.demo_day(
        day,
        seed=args.seed,
        batch_minutes=args.batch_minutes,
        time_limit_s=args.time_limit,
        final_time_limit_s=args.final_time_limit,
    )


def _demo(args: argparse.Namespace) -> int:
    day = _day(args.date)
    params = _params(args, day)
    world = load(args.world)
    if not 1 <= args.tickets <= len(world.devices):
        raise InvalidInput("--tickets", f"must be within [1, {len(world.devices)}]")
    output_file(args.report, "--report")
    console = Console(stderr=True)
    with console.status("loading the road network and the gazetteer"):
        travel = road_model()
        resolve(world.depots[0].location)
    tickets = draw_tickets(world, day, args.tickets, np.random.default_rng(args.seed))
    print(
        f"demo world: {len(world.depots)} depots, {len(world.engineers)} engineers, "
        f"{len(world.sites)} sites, {len(world.devices)} devices; "
        f"replaying {len(tickets)} tickets on {day:%A %Y-%m-%d}"
    )
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[note]}"))
    with progress_bar(*columns, TimeElapsedColumn()) as bar:
        task = bar.add_task("planning the day", total=None, note="")

        def progress(done: int, total: int, note: str) -> None:
            bar.update(task, completed=done, total=total, note=note)

        result = simulate_day(world, tickets, travel, params, progress)
    summary = summarise(result)
    for line in summary.lines():
        print(line)
    note = (
        f"{len(tickets)} failures (seed {args.seed}) on the demo world; "
        f"planned every {params.batch_minutes} min with {params.time_limit_s} s per engine call, "
        f"then re-optimised with {params.final_time_limit_s} s."
    )
    args.report.write_text(render_html(world, day, result, summary, note), encoding="utf-8")
    print(f"report: {args.report}")
    if not args.serve:
        print("to open the dispatcher console on this world: dispatch demo --serve")
        return 0
    return _serve(args, console)


def _serve(args: argparse.Namespace, console: Console) -> int:
    """Serve the API and console with the demo world loaded, until Ctrl-C."""
    from api.demo_server import start  # the server stack only when asked

    if not 0 < args.port < 65536:
        raise InvalidInput("--port", f"must be 1..65535, got {args.port}")
    with console.status("starting the server and importing the demo world (about a minute)"):
        server = start(Path("out/demo-console.sqlite3"), port=args.port, seed=args.seed)
    print(f"console: {server.url}/console  (API key for the page: {server.dispatcher_key})")
    print(f"{len(server.tickets)} open tickets; Ctrl-C stops the server")
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()
    return 0
