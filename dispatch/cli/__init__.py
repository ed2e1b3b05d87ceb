"""The ``dispatch`` command: one entry point; each topic module registers its sub-commands.

Errors a user can fix end as one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from dispatch.errors import DispatchError

EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]
Topics = argparse._SubParsersAction  # the object ``add_subparsers`` returns

# Each module defines ``register(topics: Topics) -> None`` and sets ``handler`` defaults.
TOPIC_MODULES = (
    "dispatch.cli.sla_cmd",
    "dispatch.cli.demo_cmd",
    "dispatch.cli.plan_cmd",
    "dispatch.cli.bench_cmd",
    "dispatch.cli.travel_cmd",
    "dispatch.cli.roads_cmd",
    "dispatch.cli.serve_cmd",
    "dispatch.cli.placement_cmd",
    "dispatch.cli.simulate_cmd",
    "dispatch.cli.console_cmd",
)


class OneLineParser(argparse.ArgumentParser):
    """Argparse that reports a usage error as one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full command tree."""
    parser = OneLineParser(prog="dispatch", description="Field-logistics dispatch for Poland.")
    topics = parser.add_subparsers(dest="topic", required=True, parser_class=OneLineParser)
    for name in TOPIC_MODULES:
        importlib.import_module(name).register(topics)
    return parser


def fail(message: str) -> int:
    """Print one error line and return the usage exit code."""
    print(f"dispatch: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except DispatchError as exc:
        return fail(str(exc))
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
