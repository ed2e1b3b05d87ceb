"""The event kernel: order by time, then priority, then scheduling order; handlers may schedule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from depots import events
from depots.events import EventQueue


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2)), max_size=40))
def test_events_come_out_by_time_then_priority_then_push_order(
    pushed: list[tuple[int, int]],
) -> None:
    queue: EventQueue[int] = EventQueue()
    for k, (at, priority) in enumerate(pushed):
        queue.push(at, "e", k, priority)
    popped = []
    while queue:
        popped.append(queue.pop()[2])
    expected = sorted(range(len(pushed)), key=lambda k: (pushed[k][0], pushed[k][1], k))
    assert popped == expected


def test_a_handler_schedules_what_follows_and_the_run_ends_when_nothing_is_left() -> None:
    queue: EventQueue[int] = EventQueue()
    seen: list[tuple[int, str, int]] = []

    def fail(at: int, i: int) -> None:
        seen.append((at, "fail", i))
        queue.push(at + 10, "accept", i)

    def accept(at: int, i: int) -> None:
        seen.append((at, "accept", i))

    queue.push(5, "fail", 1)
    queue.push(0, "fail", 0)
    queue.push(15, "accept", 9, priority=-1)  # ties with ticket 1's acceptance, goes first
    events.run(queue, {"fail": fail, "accept": accept})
    assert seen == [(0, "fail", 0), (5, "fail", 1), (10, "accept", 0), (15, "accept", 9),
                    (15, "accept", 1)]  # fmt: skip
    assert len(queue) == 0


def test_an_event_without_a_handler_is_a_bug_that_stops_the_run() -> None:
    queue: EventQueue[int] = EventQueue()
    queue.push(0, "restock")
    with pytest.raises(KeyError, match="restock"):
        events.run(queue, {})
