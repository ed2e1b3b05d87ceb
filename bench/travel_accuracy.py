"""Road-model accuracy against published real driving times (issue 4's accuracy benchmark).

Reads ``bench/data/travel_reference.csv`` (each pair with its source and publication date),
resolves both ends with the gazetteer, prices each pair with ``RoadTravel.default()`` at free
flow, and prints one JSON object: per-pair figures and the median and 90th-percentile absolute
percentage errors of time and distance (overall, and for figures published 2019 or later).
Run: ``.venv/bin/python bench/travel_accuracy.py [--pairs] [--calibrate]``.

``--calibrate`` grid-searches the class speeds and the access-leg speed (whole classes, the same
values for every pair) and prints the setting with the least ``median + p90 / 2`` absolute time
error over the pairs published 2019 or later (older figures predate many of today's expressways);
the defaults in ``RoadSpeeds`` come from such a run.

The model is never fitted pair by pair: only road-class speeds and access-leg parameters
(``solver.travel.speeds.RoadSpeeds``) are calibrated, as whole classes.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from dispatch.places import Place, resolve
from dispatch.travel import travel_matrix
from solver.travel.network import RoadNetwork, file_digest
from solver.travel.road import DEFAULT_NETWORK, RoadTravel
from solver.travel.speeds import RoadSpeeds

REFERENCE = Path(__file__).resolve().parent / "data" / "travel_reference.csv"
RECENT_FROM = 2019


def _year(published: str) -> int | None:
    digits = "".join(c for c in published if c.isdigit())
    return int(digits[:4]) if len(digits) >= 4 else None


def _stats(errors: list[float]) -> dict[str, float | int]:
    if not errors:
        return {"n": 0}
    arr = np.abs(np.asarray(errors))
    return {
        "n": len(errors),
        "median_abs_pct": round(float(np.median(arr)), 1),
        "p90_abs_pct": round(float(np.percentile(arr, 90)), 1),
    }


GRID = {
    "motorway_kmh": (110.0, 115.0, 120.0, 125.0),
    "expressway_kmh": (100.0, 105.0, 110.0, 115.0),
    "national_kmh": (60.0, 65.0, 70.0, 75.0),
    "urban_kmh": (28.0, 32.0, 36.0),
    "access_kmh": (40.0, 50.0, 60.0),
}


def _time_errors(
    rows: list[dict[str, str]], origins: list[Place], destinations: list[Place], road: RoadTravel
) -> np.ndarray:
    seconds, _ = travel_matrix(origins, destinations, model=road)
    timed = [i for i, r in enumerate(rows) if r["minutes"]]
    model = np.array([seconds[i, i] / 60.0 for i in timed])
    ref = np.array([float(rows[i]["minutes"]) for i in timed])
    return np.abs(100.0 * (model - ref) / ref)


def calibrate(rows: list[dict[str, str]], origins: list[Place], destinations: list[Place]) -> None:
    """Grid-search whole-class speeds; print the best setting and its time errors as JSON.

    Only pairs published in ``RECENT_FROM`` or later take part: older figures predate many of
    the expressways the 2025 network has, so they would pull every speed down.
    """
    keep = [i for i, r in enumerate(rows) if (_year(r["published"]) or 0) >= RECENT_FROM]
    rows = [rows[i] for i in keep]
    origins = [origins[i] for i in keep]
    destinations = [destinations[i] for i in keep]
    network = RoadNetwork.load(DEFAULT_NETWORK)
    digest = file_digest(DEFAULT_NETWORK)
    best: tuple[float, dict[str, float], float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for values in itertools.product(*GRID.values()):
            speeds = replace(RoadSpeeds(), **dict(zip(GRID, values, strict=True)))
            errors = _time_errors(
                rows, origins, destinations, RoadTravel(network, digest, speeds, Path(tmp))
            )
            median, p90 = float(np.median(errors)), float(np.percentile(errors, 90))
            score = median + p90 / 2
            if best is None or score < best[0]:
                best = (score, asdict(speeds), median, p90)
    assert best is not None
    print(
        json.dumps(
            {
                "best_speeds": best[1],
                "time_median_abs_pct": round(best[2], 1),
                "time_p90_abs_pct": round(best[3], 1),
            },
            indent=1,
        )
    )


def main() -> None:
    """Print the accuracy figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", action="store_true", help="include every pair's figures")
    parser.add_argument("--calibrate", action="store_true", help="grid-search class speeds")
    args = parser.parse_args()
    with REFERENCE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    origins = [resolve(r["origin"], field="origin") for r in rows]
    destinations = [resolve(r["destination"], field="destination") for r in rows]
    if args.calibrate:
        calibrate(rows, origins, destinations)
        return
    seconds, metres = travel_matrix(origins, destinations)
    pairs = []
    time_err: dict[str, list[float]] = {"all": [], "recent": []}
    dist_err: dict[str, list[float]] = {"all": [], "recent": []}
    for i, row in enumerate(rows):
        model_min = float(seconds[i, i]) / 60.0
        model_km = float(metres[i, i]) / 1000.0
        year = _year(row["published"])
        groups = ["all", "recent"] if year is not None and year >= RECENT_FROM else ["all"]
        pair: dict[str, object] = {
            "from": row["origin"],
            "to": row["destination"],
            "model_min": round(model_min, 1),
            "model_km": round(model_km, 1),
        }
        if row["minutes"]:
            ref = float(row["minutes"])
            err = 100.0 * (model_min - ref) / ref
            pair |= {"ref_min": ref, "time_err_pct": round(err, 1)}
            for g in groups:
                time_err[g].append(err)
        if row["km"]:
            ref = float(row["km"])
            err = 100.0 * (model_km - ref) / ref
            pair |= {"ref_km": ref, "km_err_pct": round(err, 1)}
            for g in groups:
                dist_err[g].append(err)
        pairs.append(pair)
    report: dict[str, object] = {
        "benchmark": "travel_accuracy",
        "reference_pairs": len(rows),
        "time": {g: _stats(e) for g, e in time_err.items()},
        "distance": {g: _stats(e) for g, e in dist_err.items()},
        "time_bias_median_pct": round(float(np.median(time_err["all"])), 1),
        "distance_bias_median_pct": round(float(np.median(dist_err["all"])), 1),
        "targets": {"median_abs_pct": 10, "p90_abs_pct": 20},
    }
    if args.pairs:
        report["pairs"] = pairs
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
