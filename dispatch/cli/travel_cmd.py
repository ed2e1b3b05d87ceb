"""``dispatch travel``: road travel time and distance between two places (a stable contract).

- ``dispatch travel FROM TO [--depart ISO] [--json]``; ``--json`` prints
  ``{"minutes", "km", "from": {"name", "lat", "lon", ...}, "to": {...}}``.
- ``dispatch travel --batch`` reads JSON lines ``{"from", "to"[, "depart"]}`` and writes
  ``{"minutes", "km"}`` per line in order (``{"error"}`` for a bad line, exit 2 at the end).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from dispatch.calendar import check_supported
from dispatch.cli import add_topic
from dispatch.errors import DispatchError, InvalidInput
from dispatch.places import Place, resolve
from dispatch.timeparse import parse_instant
from dispatch.travel import travel

EXIT_SOME_LINES_FAILED = 2


def register(topics: Any) -> None:
    """Add ``travel``."""
    parser = add_topic(topics, "travel")
    parser.add_argument("origin", nargs="?", metavar="FROM", help="place, postal code or lat,lon")
    parser.add_argument("destination", nargs="?", metavar="TO", help="as FROM")
    parser.add_argument("--depart", help="ISO departure time (naive = Europe/Warsaw); rush hours")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--batch", action="store_true", help="JSON lines {from, to[, depart]} on stdin"
    )
    parser.set_defaults(handler=_handle)


def _place_json(place: Place) -> dict[str, object]:
    return {
        "name": place.name,
        "lat": place.lat,
        "lon": place.lon,
        "voivodeship": place.voivodeship,
        "postal_code": place.postal_code,
    }


def _query(
    origin: object, destination: object, depart: object, names: tuple[str, str, str]
) -> tuple[Place, Place, dict[str, float]]:
    for value, field in ((origin, names[0]), (destination, names[1])):
        if not isinstance(value, str):
            raise InvalidInput(
                field, f"expected a place name, postal code or 'lat,lon', got {value!r}"
            )
    a = resolve(str(origin), field=names[0])
    b = resolve(str(destination), field=names[1])
    when: datetime | None = None
    if depart is not None:
        when = parse_instant(depart, field=names[2])
        check_supported(int(when.timestamp()), field=names[2])  # the years the SLA commands take
    seconds, metres = travel(a, b, when)
    return a, b, {"minutes": round(seconds / 60.0, 1), "km": round(metres / 1000.0, 1)}


def _handle(args: argparse.Namespace) -> int:
    if args.batch:
        if args.origin is not None or args.destination is not None:
            raise InvalidInput("--batch", "reads pairs from stdin; do not give FROM and TO")
        return _batch()
    if args.origin is None or args.destination is None:
        raise InvalidInput("FROM/TO", "give both places, or --batch to read JSON lines")
    a, b, answer = _query(args.origin, args.destination, args.depart, ("FROM", "TO", "--depart"))
    if args.json:
        print(
            json.dumps({**answer, "from": _place_json(a), "to": _place_json(b)}, ensure_ascii=False)
        )
    else:
        total = round(answer["minutes"])
        print(
            f"{a.describe()} -> {b.describe()}: {total // 60} h {total % 60:02d} min, "
            f"{answer['km']:.0f} km"
        )
    return 0


def _batch() -> int:
    failed = False
    out = sys.stdout
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        answer: dict[str, object]
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise InvalidInput(f"line {number}", "expected a JSON object")
            names = (f"line {number}: from", f"line {number}: to", f"line {number}: depart")
            _, _, result = _query(record.get("from"), record.get("to"), record.get("depart"), names)
            answer = dict(result)
        except json.JSONDecodeError as exc:
            failed = True
            answer = {"error": f"line {number}: not JSON ({exc.msg})"}
        except DispatchError as exc:
            failed = True
            answer = {"error": str(exc)}
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
    return EXIT_SOME_LINES_FAILED if failed else 0
