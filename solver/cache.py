"""Derived tables cached on disk: travel tables, the gazetteer's index, the holiday calendar.

Values are plain Python data (dicts, lists, tuples, strings, numbers) stored with ``marshal``,
which loads them an order of magnitude faster than they are computed; each file's name carries
a key of what it was derived from, so a changed source is never read from a stale file.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar, cast

T = TypeVar("T")


def cache_dir() -> Path:
    """``$DISPATCH_CACHE_DIR`` or ``~/.cache/dispatch-pl``."""
    env = os.environ.get("DISPATCH_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "dispatch-pl"


def files_key(paths: Iterable[Path]) -> str:
    """A key of files' paths, sizes and modification times (a missing file counts too)."""
    parts = []
    for path in paths:
        try:
            st = path.stat()
            parts.append((str(path), st.st_size, st.st_mtime_ns))
        except OSError:
            parts.append((str(path), -1, -1))
    return repr(parts)


def cached(kind: str, key: str, build: Callable[[], T]) -> T:
    """``build()`` from the cache file of ``kind`` and ``key``, or built and cached.

    ``build`` must return plain Python data. An unreadable file is rebuilt; an unwritable cache
    directory only means building again next time.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    path = cache_dir() / f"{kind}-{digest}.marshal"
    try:
        return cast(T, marshal.loads(path.read_bytes()))
    except (OSError, ValueError, EOFError, TypeError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(value))  # type: ignore[arg-type]
        tmp.replace(path)
    except (OSError, ValueError):
        pass
    return value
