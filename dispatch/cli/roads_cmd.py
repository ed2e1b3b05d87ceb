"""``dispatch roads import|build``: road data from OpenStreetMap for travel.

``import`` keeps the main roads as a network file for the project's own router; ``build`` makes
an OSRM dataset of the whole extract (every street) for the OSRM engine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from dispatch.cli import add_topic
from dispatch.cli.output import output_file
from dispatch.osm_roads import import_osm
from solver.cache import cache_dir


def register(topics: Any) -> None:
    """Add ``roads import`` and ``roads build``."""
    roads = add_topic(topics, "roads")
    commands = roads.add_subparsers(dest="roads_command", required=True)
    imp = commands.add_parser(
        "import", help="build a network file from an OpenStreetMap extract (.osm or .osm.pbf)"
    )
    imp.add_argument("file", metavar="FILE", help="e.g. poland-latest.osm.pbf from Geofabrik")
    imp.add_argument(
        "--out", help="network file to write (default: roads-osm.json in the cache directory)"
    )
    imp.add_argument(
        "--include-secondary", action="store_true", help="also keep secondary (regional) roads"
    )
    imp.set_defaults(handler=_import)
    build = commands.add_parser(
        "build", help="build an OSRM dataset from an OpenStreetMap extract (needs Python >= 3.12)"
    )
    build.add_argument("file", metavar="EXTRACT", help="e.g. poland-latest.osm.pbf from Geofabrik")
    build.add_argument("--out", required=True, help="directory for the dataset (created)")
    build.add_argument(
        "--profile", default="car", help="car (default), bicycle, foot, or a .lua profile"
    )
    build.add_argument(
        "--algorithm", default="ch", choices=("ch", "mld"), help="ch: fastest tables (default)"
    )
    build.add_argument("--threads", type=int, default=None, help="default: every core")
    build.set_defaults(handler=_build)


def _import(args: argparse.Namespace) -> int:
    out = output_file(Path(args.out) if args.out else cache_dir() / "roads-osm.json", "--out")
    network = import_osm(Path(args.file), include_secondary=args.include_secondary)
    network.save(out)
    summary = {
        "out": str(out),
        "nodes": network.n_nodes,
        "edges": len(network.edge_ref),
        "km": round(float(network.edge_length_m.sum()) / 1000.0, 1),
        "use": f"export DISPATCH_ROADS={out}",
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _build(args: argparse.Namespace) -> int:
    from dispatch.roads_build import build

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    began = time.perf_counter()
    dataset = build(
        Path(args.file),
        Path(args.out),
        profile=args.profile,
        algorithm=args.algorithm,
        threads=args.threads,
        progress=progress,
    )
    summary = {
        "dataset": str(dataset),
        "algorithm": args.algorithm,
        "seconds": round(time.perf_counter() - began, 1),
        "use": f"export DISPATCH_ROADS={dataset}",
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0
