"""The event kernel every simulation runs on: a day's replay and a simulated year alike.

Events are ordered by ``(time, priority, sequence)``: time first, then a kind's priority (lower
first: arrivals before the planning moment at the same instant), then the order in which they
were scheduled, so a run is a pure function of what was pushed (SimPy's kernel, without
processes). A handler may push further events; :func:`run` stops when none are left.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")  # the clock: epoch seconds in the year's simulation, instants in a day's replay


class EventQueue(Generic[T]):
    """Events of ``kind`` with an integer ``payload`` (an index into the run's own tables)."""

    def __init__(self) -> None:
        self._heap: list[tuple[T, int, int, str, int]] = []
        self._seq = 0

    def push(self, at: T, kind: str, payload: int = 0, priority: int = 0) -> None:
        """Schedule ``kind`` at ``at``; equal times go by ``priority``, then by push order."""
        heapq.heappush(self._heap, (at, priority, self._seq, kind, payload))
        self._seq += 1

    def pop(self) -> tuple[T, str, int]:
        """The next event: its time, kind and payload."""
        at, _, _, kind, payload = heapq.heappop(self._heap)
        return at, kind, payload

    def __len__(self) -> int:
        return len(self._heap)


def run(queue: EventQueue[T], handlers: Mapping[str, Callable[[T, int], None]]) -> None:
    """Pop events in order and hand each to its kind's handler until none are left.

    Raises
    ------
    KeyError
        When an event's kind has no handler (a bug of the run that pushed it).
    """
    while queue:
        at, kind, payload = queue.pop()
        handlers[kind](at, payload)
