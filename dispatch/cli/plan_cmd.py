"""``dispatch plan SCENARIO.json``: plan a scenario and print the plan (a stable contract)."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from dispatch.cli import add_topic
from dispatch.engine import plan
from dispatch.errors import InvalidInput
from dispatch.scenario import Scenario
from dispatch.scenario_snapshot import snapshot


def register(topics: Any) -> None:
    """Add ``plan``."""
    cmd = add_topic(topics, "plan")
    cmd.add_argument("scenario", help="scenario JSON file (see docs/dispatch.md)")
    cmd.add_argument("--time-limit", type=float, default=5.0, help="seconds (default 5)")
    cmd.add_argument("--seed", type=int, default=0)
    cmd.add_argument("--json", action="store_true", help="print the plan as JSON")
    cmd.set_defaults(handler=_plan)


def load_scenario(path: str) -> Scenario:
    """Read and validate a scenario file (UTF-8, with or without a byte-order mark); every
    problem is reported in one error."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise InvalidInput("scenario", f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput("scenario", f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            "scenario", f"{path} is not JSON: {exc.msg} at line {exc.lineno}"
        ) from None
    except ValueError:  # json refuses integers of over 4300 digits
        raise InvalidInput("scenario", f"{path} holds a number with too many digits") from None
    return Scenario.from_dict(data)


def _plan(args: argparse.Namespace) -> int:
    if not 0 < args.time_limit < math.inf:
        raise InvalidInput("--time-limit", f"must be a finite number > 0, got {args.time_limit}")
    world = snapshot(load_scenario(args.scenario))
    result = plan(world, time_limit_s=args.time_limit, seed=args.seed)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return 0
    summary = result.to_json()["summary"]
    print(
        f"{summary['tickets']} tickets: {summary['on_time']} on time, {summary['late']} late, "
        f"{summary['unassigned']} unassigned; cost {summary['cost']:.2f} PLN"
    )
    for a in result.assignments:
        who = a.engineer or a.depot
        margin = _duration(abs((a.deadline - a.eta).total_seconds()))
        state = f"{margin} spare" if a.on_time else f"LATE by {margin}"
        print(
            f"  {a.ticket}: {a.mode} ({a.source}) {who} eta {a.eta:%Y-%m-%d %H:%M}, "
            f"deadline {a.deadline:%Y-%m-%d %H:%M} ({state}), {a.cost:.2f} PLN"
        )
    for u in result.unassigned:
        print(f"  {u.ticket}: unassigned - {u.reason}")
    return 0


def _duration(seconds: float) -> str:
    """``3 h 05 min``, ``0 min``: how a dispatcher reads a margin."""
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
