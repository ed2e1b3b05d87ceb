"""Deadlines per second over 200,000 random tickets of mixed tiers (issue 3's benchmark).

Three paths: ``sla_times`` on aware datetimes (what the API and CLI call), ``deadline_s`` on
epoch seconds (what the simulator calls per ticket) and ``deadlines_array_s`` (numpy, per tier).
Prints one JSON object. Run: ``.venv/bin/python bench/sla.py [--tickets N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime

import numpy as np

from dispatch.calendar import from_epoch
from dispatch.sla import deadline_s, deadlines_array_s, sla_times
from dispatch.tiers import Tier
from dispatch.timeparse import WARSAW

TIER_MIX = {"8x5xNBD": 0.45, "24x7xNBD": 0.15, "8x5x8": 0.15, "24x7x8": 0.1, "24x7x4": 0.1}
TIER_MIX_CUSTOM = {"7-19x6x8": 0.05}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    mix = TIER_MIX | TIER_MIX_CUSTOM
    names = list(mix)
    tiers = [Tier.parse(n) for n in names]
    which = rng.choice(len(names), size=args.tickets, p=list(mix.values()))
    lo = int(datetime(2026, 1, 1, tzinfo=WARSAW).timestamp())
    hi = int(datetime(2028, 1, 1, tzinfo=WARSAW).timestamp())
    accepted = rng.integers(lo, hi, size=args.tickets, dtype=np.int64)

    started = time.perf_counter()
    warm = sla_times(tiers[0], from_epoch(lo))  # builds the calendar tables once
    setup_s = time.perf_counter() - started
    assert warm.deadline > warm.clock_start

    epochs = accepted.tolist()
    picks = [tiers[i] for i in which.tolist()]
    for tier in tiers:
        deadline_s(tier, lo)  # each window's tables built before timing

    started = time.perf_counter()
    scalar = [deadline_s(t, a) for t, a in zip(picks, epochs, strict=True)]
    epoch_s = time.perf_counter() - started

    moments = [from_epoch(a) for a in epochs]
    started = time.perf_counter()
    for tier, moment in zip(picks, moments, strict=True):
        sla_times(tier, moment)
    datetime_s = time.perf_counter() - started

    started = time.perf_counter()
    vector = np.empty(args.tickets, dtype=np.int64)
    for k, tier in enumerate(tiers):
        mask = which == k
        vector[mask] = deadlines_array_s(tier, accepted[mask])
    vector_s = time.perf_counter() - started
    assert vector.tolist() == scalar, "vectorised and scalar deadlines disagree"

    print(
        json.dumps(
            {
                "benchmark": "sla_deadlines",
                "tickets": args.tickets,
                "tiers": names,
                "table_build_s": round(setup_s, 3),
                "epoch_deadlines_per_s": round(args.tickets / epoch_s),
                "datetime_sla_times_per_s": round(args.tickets / datetime_s),
                "vectorised_deadlines_per_s": round(args.tickets / vector_s),
            }
        )
    )


if __name__ == "__main__":
    main()
