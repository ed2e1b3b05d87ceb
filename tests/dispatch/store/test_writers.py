"""The SQLite writer queue: one writer at a time across threads and across processes."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

from dispatch.store.writers import WriterQueue


def _write_marker(database: str, marker: str) -> None:
    queue = WriterQueue(database)
    queue.acquire()
    Path(marker).write_text("written")
    queue.release()


def test_a_second_process_waits_until_the_first_releases(tmp_path: Path) -> None:
    database = str(tmp_path / "db.sqlite3")
    marker = tmp_path / "marker"
    holder = WriterQueue(database)
    holder.acquire()
    child = multiprocessing.get_context("spawn").Process(
        target=_write_marker, args=(database, str(marker))
    )
    child.start()
    try:
        time.sleep(1.0)  # ample for the child to start and reach acquire()
        assert not marker.exists(), "the second process wrote while the first held the lock"
    finally:
        holder.release()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert marker.read_text() == "written"


def test_threads_of_one_process_never_overlap(tmp_path: Path) -> None:
    queue = WriterQueue(str(tmp_path / "db.sqlite3"))
    inside = 0
    overlaps = 0

    def work() -> None:
        nonlocal inside, overlaps
        for _ in range(200):
            queue.acquire()
            inside += 1
            overlaps += inside > 1
            time.sleep(0)
            inside -= 1
            queue.release()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == 0
