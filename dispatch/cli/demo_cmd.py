"""``dispatch demo``: the main job on the embedded default.

Until the demo world lands (issue 7) it shows the SLA engine on the spec's tiers: one table of
clock starts and deadlines for acceptances around the Christmas holidays and a DST change.
"""

from __future__ import annotations

import argparse
from typing import Any

from dispatch.sla import sla_times
from dispatch.tiers import NAMED_TIERS, Tier
from dispatch.timeparse import format_instant, parse_instant

SAMPLE_ACCEPTANCES = ("2026-12-23T16:30", "2026-12-24T10:00", "2026-03-28T22:00")


def register(topics: Any) -> None:
    """Add ``demo``."""
    demo = topics.add_parser("demo", help="run the main job on the embedded demo world")
    demo.set_defaults(handler=_demo)


def _demo(_args: argparse.Namespace) -> int:
    header = f"{'tier':<10} {'accepted':<17} {'clock start':<26} deadline"
    print(header)
    print("-" * len(header + " " * 25))
    for accepted in SAMPLE_ACCEPTANCES:
        for name in NAMED_TIERS:
            times = sla_times(Tier.parse(name), parse_instant(accepted, field="accepted"))
            print(
                f"{name:<10} {accepted:<17} {format_instant(times.clock_start):<26} "
                f"{format_instant(times.deadline)}"
            )
    return 0
