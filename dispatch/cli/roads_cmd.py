"""``dispatch roads import FILE.osm.pbf [--out PATH]``: an OpenStreetMap road graph for travel."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from dispatch.cli import add_topic
from dispatch.cli.output import output_file
from dispatch.osm_roads import import_osm
from solver.cache import cache_dir


def register(topics: Any) -> None:
    """Add ``roads import``."""
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
