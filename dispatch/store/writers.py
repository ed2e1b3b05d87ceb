"""One SQLite writer at a time, across the threads and the processes of a server.

SQLite admits one writer; others wait in its busy handler, which polls with sleeps of up to
100 ms. Under many concurrent requests that polling, not the writes, sets the tail latency, and
it favours the lucky. Writers therefore queue here before ``BEGIN IMMEDIATE``: threads of one
process on a mutex, processes (``dispatch serve --workers N``) on an advisory ``flock`` of a lock
file beside the database, on which the kernel wakes a waiter the moment the holder lets go, and
which it releases when a holder dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path


class WriterQueue:
    """Mutual exclusion of writing transactions on one SQLite database."""

    def __init__(self, database: str | None) -> None:
        """``database`` is the file path; None or ``:memory:`` queues this process only."""
        self._mutex = threading.Lock()
        self._fd: int | None = None
        if database and database != ":memory:":
            lock_file = Path(f"{database}-writers.lock")
            self._fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)

    def acquire(self) -> None:
        """Wait for the turn of this thread (and process) to write."""
        self._mutex.acquire()
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._mutex.release()
                raise

    def release(self) -> None:
        """Let the next writer in."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._mutex.release()
