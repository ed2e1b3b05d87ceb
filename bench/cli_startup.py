"""CLI start-up: CPU seconds of whole ``dispatch`` commands, each in a fresh process (issue 15).

Prints one JSON object: per command the median and max CPU time (user + system, children
included) over ``--runs`` runs, after one unmeasured run that warms the disk caches (the
gazetteer's index, the road tables). CPU time, not wall time, so a busy 2-core machine changes
little. The command is the installed ``dispatch`` script, as a user runs it.
Run: ``.venv/bin/python bench/cli_startup.py [--runs 7]``. Target: each <= 0.4 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

COMMANDS = {
    "help": ["--help"],
    "sla_deadline": ["sla", "deadline", "--tier", "8x5xNBD", "--accepted", "2026-12-23T16:30"],
    "travel": ["travel", "Kraków", "Warszawa"],
}


def cpu_seconds(argv: list[str]) -> float:
    """CPU seconds (user + system) of one run of ``dispatch argv`` and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [str(Path(sys.executable).with_name("dispatch")), *argv],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[1],
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    out: dict[str, object] = {"runs": args.runs, "load_1min": round(os.getloadavg()[0], 2)}
    for name, argv in COMMANDS.items():
        cpu_seconds(argv)  # warm the caches
        runs = [cpu_seconds(argv) for _ in range(args.runs)]
        out[name] = {
            "cpu_s_median": round(statistics.median(runs), 3),
            "cpu_s_max": round(max(runs), 3),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
