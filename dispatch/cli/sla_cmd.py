"""``dispatch sla``: deadlines for one ticket or a stream of JSON lines (a stable contract)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import time
from typing import Any

from dispatch.cli import add_topic
from dispatch.errors import DispatchError, InvalidInput
from dispatch.sla import sla_times
from dispatch.tiers import Tier
from dispatch.timeparse import format_instant, parse_instant

EXIT_SOME_LINES_FAILED = 2


def register(topics: Any) -> None:
    """Add ``sla deadline`` and ``sla deadlines``."""
    sla = add_topic(topics, "sla")
    commands = sla.add_subparsers(dest="sla_command", required=True)

    one = commands.add_parser("deadline", help="deadline of one ticket, as one JSON object")
    one.add_argument("--tier", required=True, help="e.g. 8x5xNBD, 24x7x4, 7-19x6x8")
    one.add_argument("--accepted", required=True, help="ISO time; naive = Europe/Warsaw")
    one.add_argument("--submitted", help="ISO time of submission; adds reaction_due")
    one.add_argument("--cutoff", help="optional NBD cutoff, HH:MM local time")
    one.set_defaults(handler=_deadline)

    many = commands.add_parser(
        "deadlines", help="JSON lines on stdin -> one JSON line each on stdout"
    )
    many.set_defaults(handler=_deadlines)


def _parse_cutoff(text: object, field: str) -> time | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidInput(field, f"expected HH:MM, got {text!r}")
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"expected HH:MM, got {text!r}") from None


def _answer(
    tier_text: object,
    accepted: object,
    submitted: object,
    cutoff: object,
    *,
    names: dict[str, str],
    where: str = "",
) -> dict[str, str]:
    """The deadline JSON of one ticket; errors name the user's ``names``, after ``where``."""
    field = {key: f"{where}{name}" for key, name in names.items()}
    try:
        tier = Tier.parse(tier_text, field=field["tier"])
    except InvalidInput as exc:  # the tier's own check, e.g. of the target, names its part
        if exc.field == field["tier"]:
            raise
        part = exc.field.rpartition(".")[2].replace("_", " ")
        raise InvalidInput(field["tier"], f"{part} {exc.reason}") from None
    accepted_at = parse_instant(accepted, field=field["accepted"])
    submitted_at = None if submitted is None else parse_instant(submitted, field=field["sub"])
    if submitted_at is not None and submitted_at > accepted_at:
        raise InvalidInput(field["sub"], f"must not be after {names['accepted']}")
    nbd_cutoff = _parse_cutoff(cutoff, field["cutoff"])
    try:
        times = sla_times(tier, accepted_at, submitted_at=submitted_at, nbd_cutoff=nbd_cutoff)
    except InvalidInput as exc:  # outside the calendar: the submission's, else the acceptance's
        key = "sub" if exc.field == "submitted_at" else "accepted"
        raise InvalidInput(field[key], exc.reason) from None
    answer = {
        "tier": str(tier),
        "clock_start": format_instant(times.clock_start),
        "deadline": format_instant(times.deadline),
    }
    if times.reaction_due is not None:
        answer["reaction_due"] = format_instant(times.reaction_due)
    return answer


_FLAG_NAMES = {
    "tier": "--tier",
    "accepted": "--accepted",
    "sub": "--submitted",
    "cutoff": "--cutoff",
}
_JSON_NAMES = {
    "tier": "tier",
    "accepted": "accepted_at",
    "sub": "submitted_at",
    "cutoff": "nbd_cutoff",
}


def _deadline(args: argparse.Namespace) -> int:
    answer = _answer(args.tier, args.accepted, args.submitted, args.cutoff, names=_FLAG_NAMES)
    print(json.dumps(answer))
    return 0


def _deadlines(_args: argparse.Namespace) -> int:
    failed = False
    out = sys.stdout
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise InvalidInput(f"line {number}", "expected a JSON object")
            answer: dict[str, str] = _answer(
                record.get("tier"),
                record.get("accepted_at"),
                record.get("submitted_at"),
                record.get("nbd_cutoff"),
                names=_JSON_NAMES,
                where=f"line {number}: ",
            )
        except json.JSONDecodeError as exc:
            failed = True
            answer = {"error": f"line {number}: not JSON ({exc.msg})"}
        except DispatchError as exc:
            failed = True
            answer = {"error": str(exc)}
        out.write(json.dumps(answer) + "\n")
    return EXIT_SOME_LINES_FAILED if failed else 0
