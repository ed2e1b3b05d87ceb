"""Road-model accuracy against published real driving times (issue 4's accuracy benchmark).

Reads ``bench/data/travel_reference.csv`` (each pair with its source, publication year and the
kind of figure), resolves both ends with the gazetteer, prices each pair with
``RoadTravel.default()`` at free flow, and prints one JSON object: the median and
90th-percentile absolute percentage errors of time and distance over three sets:
``primary`` (door-to-door figures published ``RECENT_FROM`` or later: older ones predate many
of the expressways the 2025 network has), ``recent`` (adds the road-stretch figures) and
``all``; and ``planner_grade``: recent (``RECENT_FROM`` or later) figures that a route planner
produced or a timed drive measured, the only kinds that are driving times rather than someone's
rounded impression of one. ``planner_grade`` is also split by the ends' straight-line distance:
``planner_grade_intercity`` (``INTERCITY_MIN_KM`` or more: trips between towns, what the issue's
target is about and what the dispatch decisions turn on) and ``planner_grade_urban`` (shorter
trips inside one town or conurbation, where the straight-line access legs of a trunk-road model
dominate: a few minutes off, but many per cent).
Run: ``.venv/bin/python bench/travel_accuracy.py [--pairs] [--residuals] [--calibrate]``.

Kinds of figure (column ``kind``): ``planner`` (a route planner's h/min), ``measured`` (a timed
drive), ``estimate`` (a stated round figure: "about 2 hours"), ``range`` (a stated range; the
row holds its midpoint), ``live`` (a traffic report's current time, in traffic not described
as jammed), ``forecast`` (a door-to-door time announced for a road about to open), ``segment``
(a time for a named motorway or expressway stretch at the speed limit, not door to door: kept
out of the primary set). Rounding is part of the reference error: "about 2 hours" stands for
1:45-2:15.

``--residuals`` groups the signed time errors by trip length and by the road class the model's
route spends most of its time on (never pair by pair), and fits how much slower or faster
each class would have to be for the recent references (non-negative least squares on the
model's time per class); see ``time_by_class``.

``--calibrate`` grid-searches whole-class speeds and the access-leg parameters (the same values
for every pair) and prints the settings with the least ``median + p90 / 2 + |bias| / 2`` time
error over the primary pairs; the defaults in ``RoadSpeeds`` come from such a run. The model
is never fitted pair by pair.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import nnls

from dispatch.places import Place, resolve
from dispatch.travel import travel_matrix
from solver.travel.geo import haversine_m
from solver.travel.network import RoadNetwork, file_digest
from solver.travel.road import DEFAULT_NETWORK, RoadTravel
from solver.travel.speeds import RoadSpeeds

REFERENCE = Path(__file__).resolve().parent / "data" / "travel_reference.csv"
RECENT_FROM = 2019
PLANNER_GRADE = ("planner", "measured")
INTERCITY_MIN_KM = 20.0  # straight line between the ends; shorter trips stay inside a town
KINDS = ("planner", "measured", "estimate", "range", "live", "forecast", "segment")
# Trip length bands (km, by the reference distance, else the model's).
BANDS = (
    ("short <80 km", 0.0, 80.0),
    ("medium 80-300 km", 80.0, 300.0),
    ("long >300 km", 300.0, 1e9),
)
# Parts of a trip's model time, each found by slowing that part alone (see time_by_class).
PARTS: dict[str, Callable[[RoadSpeeds, float], RoadSpeeds]] = {
    "motorway": lambda s, f: replace(s, motorway_kmh=s.motorway_kmh / f),
    "expressway": lambda s, f: replace(s, expressway_kmh=s.expressway_kmh / f),
    "national": lambda s, f: replace(
        s, national_kmh=s.national_kmh / f, regional_kmh=s.regional_kmh / f, link_kmh=s.link_kmh / f
    ),
    "city_arterial": lambda s, f: replace(s, urban_kmh=s.urban_kmh / f),
    "access_leg": lambda s, f: replace(
        s, access_kmh=s.access_kmh / f, urban_access_kmh=s.urban_access_kmh / f
    ),
    "town_delay": lambda s, f: replace(s, town_delay_s=s.town_delay_s * f),
}
GRID = {
    "motorway_kmh": (115.0, 120.0, 125.0),
    "expressway_kmh": (100.0, 105.0, 110.0),
    "national_kmh": (55.0, 60.0, 65.0),
    "access_kmh": (40.0, 50.0, 60.0),
    "urban_access_kmh": (25.0, 30.0, 35.0),
    "town_delay_s": (180.0, 240.0, 300.0),
}

FloatArray = NDArray[np.float64]


def _year(row: dict[str, str]) -> int | None:
    return int(row["year"]) if row["year"] else None


def _recent(row: dict[str, str]) -> bool:
    return (_year(row) or 0) >= RECENT_FROM


def _primary(row: dict[str, str]) -> bool:
    return _recent(row) and row["kind"] != "segment"


def _planner_grade(row: dict[str, str]) -> bool:
    return _recent(row) and row["kind"] in PLANNER_GRADE


def _intercity(row: dict[str, str]) -> bool:
    return float(row["straight_km"]) >= INTERCITY_MIN_KM


SCOPES: tuple[tuple[str, Callable[[dict[str, str]], bool]], ...] = (
    ("planner_grade", _planner_grade),
    ("planner_grade_intercity", lambda r: _planner_grade(r) and _intercity(r)),
    ("planner_grade_urban", lambda r: _planner_grade(r) and not _intercity(r)),
    ("primary", _primary),
    ("recent", _recent),
    ("all", lambda _: True),
)


def _stats(errors: Sequence[float]) -> dict[str, float | int]:
    if not errors:
        return {"n": 0}
    arr = np.abs(np.asarray(errors))
    return {
        "n": len(errors),
        "median_abs_pct": round(float(np.median(arr)), 1),
        "p90_abs_pct": round(float(np.percentile(arr, 90)), 1),
    }


def _bias(errors: Sequence[float]) -> float | None:
    return round(float(np.median(errors)), 1) if errors else None


def _signed(errors: Sequence[float]) -> dict[str, float | int]:
    if not errors:
        return {"n": 0}
    arr = np.asarray(errors)
    return {
        "n": len(errors),
        "median_pct": round(float(np.median(arr)), 1),
        "median_abs_pct": round(float(np.median(np.abs(arr))), 1),
    }


def _road(speeds: RoadSpeeds, cache: Path) -> RoadTravel:
    return RoadTravel(
        RoadNetwork.load(DEFAULT_NETWORK), file_digest(DEFAULT_NETWORK), speeds, cache
    )


def _model_minutes(
    origins: Sequence[Place], destinations: Sequence[Place], road: RoadTravel
) -> tuple[FloatArray, FloatArray]:
    seconds, metres = travel_matrix(list(origins), list(destinations), model=road)
    idx = np.arange(len(origins))
    return seconds[idx, idx] / 60.0, metres[idx, idx] / 1000.0


def time_by_class(
    origins: Sequence[Place], destinations: Sequence[Place], cache: Path
) -> dict[str, FloatArray]:
    """Minutes of each pair's model time spent in each part of ``PARTS``.

    Slowing one part by 10 % lengthens a trip by 10 % of the time it spends there (when the
    route does not change), so each part's minutes are (slowed - base) / 0.1.
    """
    base = RoadSpeeds()
    t0, _ = _model_minutes(origins, destinations, _road(base, cache))
    parts = {}
    for name, slow in PARTS.items():
        t1, _ = _model_minutes(origins, destinations, _road(slow(base, 1.1), cache))
        parts[name] = np.maximum(0.0, (t1 - t0) / 0.1)
    return parts


def residuals(rows: list[dict[str, str]], origins: list[Place], destinations: list[Place]) -> None:
    """Print the signed time errors grouped by trip length, dominant part and kind, as JSON."""
    timed = [i for i, r in enumerate(rows) if r["minutes"]]
    rows = [rows[i] for i in timed]
    origins = [origins[i] for i in timed]
    destinations = [destinations[i] for i in timed]
    with tempfile.TemporaryDirectory() as tmp:
        model_min, model_km = _model_minutes(origins, destinations, _road(RoadSpeeds(), Path(tmp)))
        parts = time_by_class(origins, destinations, Path(tmp))
    ref = np.array([float(r["minutes"]) for r in rows])
    err = 100.0 * (model_min - ref) / ref
    km = np.array([float(r["km"]) if r["km"] else k for r, k in zip(rows, model_km, strict=True)])
    names = list(parts)
    share = np.stack([parts[n] for n in names], axis=1)
    dominant = [names[j] for j in share.argmax(axis=1)]
    report: dict[str, object] = {}
    for scope, test in SCOPES:
        keep = [test(r) for r in rows]
        mask = np.asarray(keep)
        by_band = {
            label: _signed(err[mask & (km >= lo) & (km < hi)].tolist()) for label, lo, hi in BANDS
        }
        by_part = {
            p: _signed([e for e, d, k in zip(err, dominant, mask, strict=True) if k and d == p])
            for p in names
        }
        by_kind = {
            kind: _signed(
                [e for e, r, k in zip(err, rows, mask, strict=True) if k and r["kind"] == kind]
            )
            for kind in KINDS
        }
        # Real minutes ~ sum over parts of (model minutes in part x ratio): ratio > 1 means
        # the part is slower in reality than the model prices it.
        ratio, _ = nnls(share[mask], ref[mask])
        report[scope] = {
            "by_length": by_band,
            "by_dominant_part": {p: s for p, s in by_part.items() if s["n"]},
            "by_kind": {k: s for k, s in by_kind.items() if s["n"]},
            "minutes_share_pct": {
                n: round(100.0 * float(share[mask, j].sum() / share[mask].sum()), 1)
                for j, n in enumerate(names)
            },
            "fitted_real_over_model": {
                n: round(float(r), 2) for n, r in zip(names, ratio, strict=True)
            },
        }
    print(json.dumps({"benchmark": "travel_accuracy_residuals", **report}, indent=1))


def _score(signed: FloatArray) -> float:
    """Calibration score of signed % time errors: ``median + p90 / 2 + |bias| / 2``."""
    err = np.abs(signed)
    return float(
        np.median(err, axis=-1)
        + np.percentile(err, 90, axis=-1) / 2
        + np.abs(np.median(signed, axis=-1)) / 2
    )


def calibrate(
    rows: list[dict[str, str]], origins: list[Place], destinations: list[Place], scope: str
) -> None:
    """Grid-search whole-class speeds and access legs; print the best settings as JSON.

    Only the timed pairs of ``scope`` take part (older figures predate many of the expressways
    the 2025 network has, so they would pull every speed down). A setting scores
    ``median + p90 / 2 + |bias| / 2`` (absolute and signed median percentage time errors): a
    model that is right on average is preferred among equally spread ones. The five best
    settings are printed with the parameters they change from ``RoadSpeeds()``, and a
    leave-one-out check: each pair priced by the setting that scores best on the others, so
    the errors are out of sample (how well a calibration on this many pairs generalises).
    """
    test = dict(SCOPES)[scope]
    keep = [i for i, r in enumerate(rows) if test(r) and r["minutes"]]
    ref = np.array([float(rows[i]["minutes"]) for i in keep])
    origins = [origins[i] for i in keep]
    destinations = [destinations[i] for i in keep]
    default = asdict(RoadSpeeds())
    settings = [
        replace(RoadSpeeds(), **dict(zip(GRID, values, strict=True)))
        for values in itertools.product(*GRID.values())
    ]
    with tempfile.TemporaryDirectory() as tmp:
        signed = np.array(
            [
                100.0 * (_model_minutes(origins, destinations, _road(s, Path(tmp)))[0] - ref) / ref
                for s in settings
            ]
        )
    scores = np.array([_score(row) for row in signed])
    best = []
    for k in np.argsort(scores, kind="stable")[:5]:
        err = signed[k]
        best.append(
            {
                "changes": {
                    name: v for name, v in asdict(settings[k]).items() if v != default[name]
                },
                "time_median_abs_pct": round(float(np.median(np.abs(err))), 1),
                "time_p90_abs_pct": round(float(np.percentile(np.abs(err), 90)), 1),
                "time_bias_median_pct": round(float(np.median(err)), 1),
            }
        )
    held_out = []
    for i in range(len(keep)):
        others = np.delete(signed, i, axis=1)
        chosen = int(np.argmin([_score(row) for row in others]))
        held_out.append(float(signed[chosen, i]))
    print(
        json.dumps(
            {
                "scope": scope,
                "pairs": len(keep),
                "settings": len(settings),
                "best": best,
                "leave_one_out": _stats(held_out),
            },
            indent=1,
        )
    )


def main() -> None:
    """Print the accuracy figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", action="store_true", help="include every pair's figures")
    parser.add_argument("--residuals", action="store_true", help="errors by length and road class")
    parser.add_argument("--calibrate", action="store_true", help="grid-search class speeds")
    parser.add_argument(
        "--scope",
        choices=[name for name, _ in SCOPES],
        default="planner_grade",
        help="the reference set --calibrate fits (default: planner_grade)",
    )
    args = parser.parse_args()
    with REFERENCE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    origins = [resolve(r["origin"], field="origin") for r in rows]
    destinations = [resolve(r["destination"], field="destination") for r in rows]
    for row, a, b in zip(rows, origins, destinations, strict=True):
        row["straight_km"] = f"{haversine_m(a.lat, a.lon, b.lat, b.lon) / 1000.0:.1f}"
    if args.calibrate:
        calibrate(rows, origins, destinations, args.scope)
        return
    if args.residuals:
        residuals(rows, origins, destinations)
        return
    seconds, metres = travel_matrix(origins, destinations)
    pairs = []
    time_err: dict[str, list[float]] = {scope: [] for scope, _ in SCOPES}
    dist_err: dict[str, list[float]] = {scope: [] for scope, _ in SCOPES}
    for i, row in enumerate(rows):
        model_min = float(seconds[i, i]) / 60.0
        model_km = float(metres[i, i]) / 1000.0
        groups = [g for g, test in SCOPES if test(row)]
        pair: dict[str, object] = {
            "from": row["origin"],
            "to": row["destination"],
            "year": _year(row),
            "kind": row["kind"],
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
        "recent_from": RECENT_FROM,
        "time": {g: _stats(e) for g, e in time_err.items()},
        "distance": {g: _stats(e) for g, e in dist_err.items()},
        "time_bias_median_pct": {g: _bias(e) for g, e in time_err.items()},
        "distance_bias_median_pct": {g: _bias(e) for g, e in dist_err.items()},
        "targets": {"median_abs_pct": 10, "p90_abs_pct": 20},
    }
    if args.pairs:
        report["pairs"] = pairs
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
