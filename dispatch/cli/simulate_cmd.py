"""``dispatch simulate`` and ``dispatch compare``: a period of tickets through the real engine.

``simulate SCENARIO`` runs replications of one scenario (``depots.simulation``) and writes the
HTML report with figures and CSVs (``depots.report``); ``compare A B`` runs two scenarios (all
replications of both on one executor) and writes both reports and a side-by-side one;
``simulate SCENARIO --headcount N1-N2[:STEP]`` runs it once per headcount (``depots.headcount``)
and writes the cost-vs-SLA curve. SCENARIO is a TOML file or the name of one in
``data/scenarios/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from depots import metrics
from depots.demo_world import load
from depots.headcount import headcount_curve, headcount_scenarios, spread_order
from depots.replications import check_executor, run_replications
from depots.report import (
    LABELS,
    Study,
    shown,
    write_comparison,
    write_headcount,
    write_report,
)
from depots.simulation import RunResult
from depots.simulation_params import PLANNERS, SCENARIO_DIR, SimulationParams
from dispatch.cli import add_topic
from dispatch.cli.output import output_dir, progress_bar
from dispatch.errors import InvalidInput

DEFAULT_OUT = Path("out")
MAX_REPLICATIONS = 1000


def register(topics: Any) -> None:
    """Add ``simulate`` and ``compare``."""
    sim = add_topic(topics, "simulate")
    sim.add_argument("scenario", help="scenario TOML file, or a name in data/scenarios/")
    _common(sim)
    sim.add_argument(
        "--headcount",
        help="N1-N2[:STEP]: simulate with that many of the engineers (kept evenly spread) and "
        "write the cost-vs-SLA curve (report in --out/headcount-SCENARIO)",
    )
    sim.set_defaults(handler=_simulate)
    cmp = add_topic(topics, "compare")
    cmp.add_argument("a", help="first scenario (TOML file or name)")
    cmp.add_argument("b", help="second scenario (TOML file or name)")
    _common(cmp)
    cmp.set_defaults(handler=_compare)


def _common(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--replications", type=int, default=3, help="replications (default 3)")
    cmd.add_argument(
        "--executor",
        default="local",
        help="serial, local (process pool), local:N or dask://HOST:PORT (default local)",
    )
    cmd.add_argument("--days", type=int, help="override the scenario's number of days")
    cmd.add_argument("--seed", type=int, help="override the scenario's seed")
    cmd.add_argument(
        "--planner",
        choices=PLANNERS,
        help="routing (the service's engine every 15 min: joint stock allocation and routes; "
        "the default) or phase1 (each ticket alone at acceptance, faster); overrides the scenario",
    )
    cmd.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report directory root")
    cmd.add_argument("--json", action="store_true", help="print the summary as JSON")


def load_scenario(text: str) -> SimulationParams:
    """A scenario from a path, or from ``data/scenarios/<text>.toml``.

    Raises
    ------
    InvalidInput
        When neither exists or the file is invalid.
    """
    path = Path(text)
    if not path.exists() and (SCENARIO_DIR / f"{text}.toml").exists():
        path = SCENARIO_DIR / f"{text}.toml"
    if not path.exists():
        names = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.toml")))
        known = f"no scenario of that name in data/scenarios/ ({names})"
        raise InvalidInput("scenario", f"no file {text!r} and {known}")
    return SimulationParams.from_toml(path)


def _prepared(text: str, args: argparse.Namespace) -> SimulationParams:
    params = load_scenario(text)
    changes: dict[str, Any] = {}
    if args.days is not None:
        changes["days"] = args.days
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.planner is not None:
        changes["planner"] = args.planner
    return dataclasses.replace(params, **changes) if changes else params


def check_runs(args: argparse.Namespace) -> None:
    """Refuse a bad --replications or --executor before any work."""
    if not 1 <= args.replications <= MAX_REPLICATIONS:
        raise InvalidInput("--replications", f"must be within [1, {MAX_REPLICATIONS}]")
    check_executor(args.executor)


def run_studies(studies: Sequence[SimulationParams], args: argparse.Namespace) -> list[Study]:
    """All replications of ``studies`` on ``args.executor``, with a progress bar."""
    jobs = [(p, i) for p in studies for i in range(args.replications)]
    columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with progress_bar(*columns) as bar:
        task = bar.add_task("replications", total=len(jobs))

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        results = run_replications(jobs, args.executor, progress)
    out: list[Study] = []
    for k, params in enumerate(studies):
        runs = results[k * args.replications : (k + 1) * args.replications]
        out.append(Study(params, tuple(runs)))
    return out


def summary(runs: Sequence[RunResult]) -> dict[str, Any]:
    """Headline and tier figures as JSON values: an interval not defined (one replication) is
    null, never NaN, which is not JSON."""
    head = metrics.summarise(runs)
    tiers = metrics.grouped_summary(runs, "tier")
    return {
        "headline": {
            r.metric: [_finite(r.mean), _finite(r.ci_low), _finite(r.ci_high)]
            for r in head.itertuples()
        },
        "by_tier": json.loads(tiers.to_json(orient="records")),
        "runtime_s": round(sum(r.runtime_s for r in runs) / len(runs), 2),
    }


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]  # pandas cells: numbers here
    return number if math.isfinite(number) else None


def _hours(value: float) -> str:
    """``2.5 h``, or ``–`` when no ticket was late."""
    return "–" if math.isnan(value) else f"{value:.1f} h"


def _print(study: Study) -> None:
    head = metrics.summarise(study.runs).set_index("metric")
    tiers = metrics.grouped_summary(study.runs, "tier")
    p = study.params
    print(f"{p.name}: {p.days} days from {p.start}, {len(study.runs)} replication(s)")
    for r in head.reset_index().to_dict("records"):
        name = str(r["metric"])
        mean, low, high = (float(r[k]) for k in ("mean", "ci_low", "ci_high"))
        label = LABELS.get(name, (name, ""))[0]
        print(f"  {label:<38} {shown(name, mean):>12}   [{shown(name, low)}, {shown(name, high)}]")
    for row in tiers.to_dict("records"):
        late = _hours(float(row["late_p90_h"]))
        print(
            f"  {row['tier']:<10} {row['tickets_mean']:8.0f} tickets  on time "
            f"{row['share_on_time']:6.1%}  late p90 {late:>7}  "
            f"{row['cost_per_ticket_pln']:8.2f} zł/ticket"
        )


def _simulate(args: argparse.Namespace) -> int:
    check_runs(args)
    params = _prepared(args.scenario, args)
    if args.headcount is not None:
        return _headcount(args, params)
    out = output_dir(args.out / f"simulate-{params.name}", "--out")
    (study,) = run_studies([params], args)
    page = write_report(study, out)
    if args.json:
        result = {"scenario": params.name, **summary(study.runs), "report": str(page)}
        print(json.dumps(result, allow_nan=False))
    else:
        _print(study)
        print(f"report: {page}")
    return 0


def headcounts(text: str) -> list[int]:
    """``N1-N2[:STEP]`` (or one ``N``) as the headcounts it names, the top one always in.

    Raises
    ------
    InvalidInput
        Naming ``--headcount`` when the text is not such a range.
    """
    span, _, step_text = text.partition(":")
    low, _, high = span.partition("-")
    try:
        first, last, step = int(low), int(high or low), int(step_text or 1)
    except ValueError:
        expected = "expected N1-N2[:STEP] such as 10-45:5"
        raise InvalidInput("--headcount", f"{expected}, got {text!r}") from None
    if not 1 <= first <= last or step < 1:
        raise InvalidInput("--headcount", f"expected 1 <= N1 <= N2 and STEP >= 1, got {text!r}")
    return sorted({*range(first, last + 1, step), last})


def _headcount(args: argparse.Namespace, params: SimulationParams) -> int:
    counts = headcounts(args.headcount)
    order = spread_order(load(params.world_dir))
    scenarios = headcount_scenarios(params, order, counts)
    out = output_dir(args.out / f"headcount-{params.name}", "--out")
    curve = headcount_curve(run_studies(scenarios, args))
    page = write_headcount(curve, out)
    if args.json:
        rows = json.loads(curve.to_json(orient="records"))
        print(json.dumps({"scenario": params.name, "curve": rows, "report": str(page)}))
        return 0
    print(f"{params.name}: {params.days} days, {args.replications} replication(s) per headcount")
    for r in curve.to_dict("records"):
        share = float(r["share_on_time"])
        low, high = float(r["share_on_time_ci_low"]), float(r["share_on_time_ci_high"])
        print(
            f"  {r['tier']:<10} {r['engineers']:>3} engineers  on time "
            f"{shown('share_on_time', share):>7} [{shown('share_on_time', low)}, "
            f"{shown('share_on_time', high)}]  {float(r['total_pln']):>12,.0f} zł a year  "
            f"utilisation {float(r['utilisation']):.1%}{'  Pareto' if r['pareto'] else ''}"
        )
    print(f"report: {page}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    check_runs(args)
    a, b = _prepared(args.a, args), _prepared(args.b, args)
    root = output_dir(args.out / f"compare-{a.name}-{b.name}", "--out")
    study_a, study_b = run_studies([a, b], args)
    page = write_comparison(study_a, study_b, root)
    paired = metrics.paired_differences(study_a.runs, study_b.runs).to_dict("records")
    if args.json:
        differences = {
            str(r["metric"]): [
                _finite(r["difference"]),
                _finite(r["ci_low"]),
                _finite(r["ci_high"]),
            ]
            for r in paired
        }
        result = {"a": summary(study_a.runs), "b": summary(study_b.runs)}
        print(
            json.dumps({**result, "b_minus_a": differences, "report": str(page)}, allow_nan=False)
        )
    else:
        _print(study_a)
        _print(study_b)
        print(f"{b.name} - {a.name} (95 % interval over paired replications):")
        for r in paired:
            name = str(r["metric"])
            d, low, high = (float(r[k]) for k in ("difference", "ci_low", "ci_high"))
            label = LABELS.get(name, (name, ""))[0]
            print(f"  {label:<38} {shown(name, d):>12}   [{shown(name, low)}, {shown(name, high)}]")
        print(f"report: {page}")
    return 0
