"""The ``dispatch`` command: one entry point; each topic module registers its sub-commands.

Errors a user can fix end as one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn, TypeAlias

from dispatch.errors import DispatchError

EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]
Topics: TypeAlias = "argparse._SubParsersAction[OneLineParser]"  # add_subparsers' object


@dataclass(frozen=True, slots=True)
class Topic:
    """A top-level sub-command and the module that registers it (imported only when used)."""

    module: str
    help: str


# Each module defines ``register(topics: Topics) -> None``, which adds its topics with
# ``add_topic`` and sets ``handler`` defaults. Only the module of the topic on the command line
# is imported, so ``dispatch --help`` or ``dispatch sla ...`` never loads the simulator's or the
# server's libraries.
TOPICS = {
    "sla": Topic("dispatch.cli.sla_cmd", "SLA clocks: clock start, deadline, reaction due"),
    "demo": Topic("dispatch.cli.demo_cmd", "replay a busy working day on the demo world of Poland"),
    "plan": Topic("dispatch.cli.plan_cmd", "plan the tickets of a scenario JSON file"),
    "bench": Topic("dispatch.cli.bench_cmd", "solve public routing benchmark instances"),
    "travel": Topic(
        "dispatch.cli.travel_cmd", "road travel time and distance between two Polish places"
    ),
    "roads": Topic("dispatch.cli.roads_cmd", "road networks for travel times"),
    "serve": Topic("dispatch.cli.serve_cmd", "run the REST API with uvicorn"),
    "keys": Topic("dispatch.cli.serve_cmd", "API keys"),
    "db": Topic("dispatch.cli.serve_cmd", "database maintenance"),
    "place-depots": Topic("dispatch.cli.placement_cmd", "choose depot towns (4 location models)"),
    "stock": Topic("dispatch.cli.placement_cmd", "base-stock levels per depot and SKU"),
    "simulate": Topic("dispatch.cli.simulate_cmd", "simulate a year of tickets through the engine"),
    "compare": Topic("dispatch.cli.simulate_cmd", "simulate two scenarios and compare them"),
    "study": Topic("dispatch.cli.study_cmd", "place depots, stock them and simulate a year"),
    "quote": Topic("dispatch.cli.quote_cmd", "quote a service contract: can the network serve it"),
    "console": Topic("dispatch.cli.console_cmd", "the dispatcher console (served at /console)"),
}


class OneLineParser(argparse.ArgumentParser):
    """Argparse that reports a usage error as one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def add_topic(topics: Topics, name: str) -> OneLineParser:
    """The parser of topic ``name``, with its help line from ``TOPICS``."""
    return topics.add_parser(name, help=TOPICS[name].help)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command tree, complete for the topic named in ``argv`` (the others by name only)."""
    parser = OneLineParser(prog="dispatch", description="Field-logistics dispatch for Poland.")
    topics = parser.add_subparsers(dest="topic", required=True, parser_class=OneLineParser)
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = TOPICS.get(next((w for w in words if not w.startswith("-")), ""))
    registered: set[str] = set()
    for name, topic in TOPICS.items():
        if chosen is not None and topic.module == chosen.module:
            if topic.module not in registered:
                importlib.import_module(topic.module).register(topics)
                registered.add(topic.module)
        else:
            add_topic(topics, name)
    return parser


def fail(message: str) -> int:
    """Print one error line and return the usage exit code."""
    print(f"dispatch: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    args = build_parser(argv).parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except DispatchError as exc:
        return fail(str(exc))
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
