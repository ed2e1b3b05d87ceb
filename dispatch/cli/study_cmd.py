"""``dispatch study FILE.toml``: placement, then stock, then a simulated year, one report.

The study file is a simulation scenario with ``[placement]`` and ``[stock]`` tables
(``depots.study``). Writes ``placement.json``, ``stock.csv`` and ``scenario.toml`` (each reusable
on its own), the year's report in ``simulation/`` and the study's page ``index.html`` with the
coverage map, under ``--out/study-NAME``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from depots.placement import load_demo_installed_base
from depots.report import Study, write_report
from depots.simulation_params import PLANNERS
from depots.study import StudyFile, plan_network, write_outputs
from depots.study_report import write_study_report
from dispatch.cli import add_topic
from dispatch.cli.output import output_dir
from dispatch.cli.simulate_cmd import DEFAULT_OUT, check_runs, run_studies, summary
from dispatch.travel import road_model


def register(topics: Any) -> None:
    """Add ``study``."""
    cmd = add_topic(topics, "study")
    cmd.add_argument("file", type=Path, help="study TOML: a scenario with [placement], [stock]")
    cmd.add_argument("--replications", type=int, default=3, help="replications (default 3)")
    cmd.add_argument("--executor", default="local", help="serial, local, local:N, dask://H:P")
    cmd.add_argument(
        "--planner", choices=PLANNERS, help="override the file's [planner] mode for the year"
    )
    cmd.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report directory root")
    cmd.add_argument("--json", action="store_true", help="print the summary as JSON")
    cmd.set_defaults(handler=_study)


def _study(args: argparse.Namespace) -> int:
    check_runs(args)
    study = StudyFile.from_toml(args.file)
    if args.planner is not None:
        scenario = dataclasses.replace(study.scenario, planner=args.planner)
        study = dataclasses.replace(study, scenario=scenario)
    out = output_dir(args.out / f"study-{study.scenario.name}", "--out")
    network = plan_network(study, road_model())
    files = write_outputs(network, out)
    (year,) = run_studies([network.scenario], args)
    write_report(year, out / "simulation")
    points = load_demo_installed_base(study.scenario.world_dir).points
    report = write_study_report(network, points, Study(network.scenario, year.runs), out, files)
    head = summary(year.runs)
    if args.json:
        placement = network.layout.to_dict()
        result = {"study": study.scenario.name, "placement": placement, **head}
        print(json.dumps({**result, "report": str(report)}, ensure_ascii=False, allow_nan=False))
    else:
        on_time = head["headline"]["share_on_time"][0]
        depots = ", ".join(t.name for t in network.layout.depots)
        print(f"{study.scenario.name}: {len(network.layout.depots)} depots ({depots})")
        print(f"  {sum(n for *_, n in network.stock_rows):,} spare units; on time {on_time:.1%}")
        print(f"report: {report}")
    return 0
