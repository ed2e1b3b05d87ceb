"""Queue versions: a poll answers only the rows that changed since the version the page holds.

A version is a digest of what the page would show (each row's content but its countdown,
which the page runs itself, in queue order, with the filters): the same queue always has the
same version, so a version names its content in any process. The row digests of the last few
versions are kept here to tell which rows changed; an unknown version gets every row.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from api.console.schemas import QueueRow

KEEP = 256  # versions remembered: a few polls back for every dispatcher and filter

_lock = threading.Lock()
_seen: OrderedDict[str, dict[int, str]] = OrderedDict()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def row_digest(row: QueueRow) -> str:
    """What the page shows of ``row``; the countdown is left out (the page runs it)."""
    return _digest(row.model_dump_json(exclude={"time_left_s"}))


@dataclass(frozen=True)
class Delta:
    version: str
    changed: bool
    rows: list[QueueRow]  # new or changed since the caller's version (all when it is unknown)


def since(rows: Sequence[QueueRow], scope: str, known: str | None) -> Delta:
    """The rows of ``rows`` the holder of version ``known`` lacks; ``scope`` (the filters)
    is part of the version."""
    digests = {row.id: row_digest(row) for row in rows}
    version = _digest(scope + "|" + ",".join(f"{r.id}:{digests[r.id]}" for r in rows))
    with _lock:
        before = _seen.get(known) if known else None
        _seen[version] = digests
        _seen.move_to_end(version)
        while len(_seen) > KEEP:
            _seen.popitem(last=False)
    if known == version:
        return Delta(version, False, [])
    if before is None:
        return Delta(version, True, list(rows))
    return Delta(version, True, [r for r in rows if before.get(r.id) != digests[r.id]])
