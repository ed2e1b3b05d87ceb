"""``dispatch console load-demo``: fill a running server with the demo world for the console;
``dispatch console export-demo``: the same master data as import files, for curl."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from dispatch.cli import add_topic
from dispatch.errors import InvalidInput


def register(topics: Any) -> None:
    """Add ``console load-demo``."""
    console = add_topic(topics, "console")
    commands = console.add_subparsers(dest="console_command", required=True)
    demo = commands.add_parser(
        "load-demo", help="import data/demo through the API and open demo tickets"
    )
    demo.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    demo.add_argument("--key", required=True, help="an admin key (dispatch keys create)")
    demo.add_argument("--tickets", type=int, default=30, help="tickets to open (default 30)")
    demo.add_argument("--seed", type=int, default=1, help="which devices fail (default 1)")
    demo.add_argument(
        "--wait",
        type=float,
        default=30.0,
        help="seconds to wait for a server that is still starting (default 30)",
    )
    demo.set_defaults(handler=_load_demo)
    export = commands.add_parser(
        "export-demo", help="write data/demo as the API's master-data import files (CSV)"
    )
    export.add_argument("out", type=Path, help="directory for KIND.csv, one file per kind")
    export.add_argument(
        "--today",
        default=None,
        help="contracts valid a year either side, shifts from this day for 3 days "
        "(YYYY-MM-DD; default today in Warsaw)",
    )
    export.set_defaults(handler=_export_demo)


def _load_demo(args: argparse.Namespace) -> int:
    from api.console.demo_data import load_demo  # the API package only when asked

    if args.tickets < 0:
        raise InvalidInput("--tickets", f"must be >= 0, got {args.tickets}")
    if args.wait < 0:
        raise InvalidInput("--wait", f"must be >= 0, got {args.wait}")
    headers = {"X-API-Key": args.key}
    with httpx.Client(base_url=args.url, headers=headers, timeout=120) as client:
        try:
            _wait_for(client, args.wait)
            ids = load_demo(client, datetime.now(UTC), tickets=args.tickets, seed=args.seed)
        except httpx.HTTPError as exc:
            raise InvalidInput("--url", f"cannot reach {args.url}: {exc}") from None
        except RuntimeError as exc:
            raise InvalidInput("server", str(exc)) from None
    print(f"demo world imported, {len(ids)} tickets opened; open {args.url}/console")
    return 0


def _export_demo(args: argparse.Namespace) -> int:
    from api.console.demo_data import write_import_files
    from depots.demo_world import load
    from dispatch.timeparse import WARSAW

    try:
        today = date.fromisoformat(args.today) if args.today else datetime.now(WARSAW).date()
    except ValueError:
        raise InvalidInput("--today", f"expected YYYY-MM-DD, got {args.today!r}") from None
    if args.out.exists() and not args.out.is_dir():
        raise InvalidInput("out", f"{args.out} exists and is not a directory")
    try:
        paths = write_import_files(load(), today, args.out)
    except OSError as exc:
        raise InvalidInput("out", f"cannot write {args.out}: {exc.strerror}") from None
    print(f"{len(paths)} import files in {args.out}: {' '.join(p.stem for p in paths)}")
    return 0


def _wait_for(client: httpx.Client, seconds: float) -> None:
    """Return once the server answers its health check; the last connection error after
    ``seconds`` (a server started in the background a moment ago is still importing)."""
    give_up = time.monotonic() + seconds
    while True:
        try:
            client.get("/v1/health", timeout=5).raise_for_status()
            return
        except httpx.TransportError:
            if time.monotonic() >= give_up:
                raise
            time.sleep(0.5)
