"""Ticket lifecycle rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.errors import Conflict
from dispatch.store.lifecycle import TRANSITIONS, TicketStatus, check_transition

S = TicketStatus


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.SUBMITTED, S.PLANNED),  # planning needs acceptance first
        (S.ACCEPTED, S.DELIVERED),  # nothing is delivered before dispatch
        (S.DISPATCHED, S.CLOSED),  # closing skips delivery and resolution
        (S.CLOSED, S.ESCALATED),  # closed is final
        (S.REFUSED, S.ACCEPTED),  # refused is final
    ],
)
def test_illegal_moves_are_conflicts_naming_the_allowed_ones(
    current: TicketStatus, new: TicketStatus
) -> None:
    """Each refused move says what the ticket is and where it may go."""
    with pytest.raises(Conflict, match=f"ticket 7 is {current}; it cannot become {new}"):
        check_transition(7, current, new)


def test_every_state_reaches_a_final_state() -> None:
    """No state is a trap: following transitions always ends in closed or refused."""
    reachable = {S.CLOSED, S.REFUSED}
    changed = True
    while changed:
        before = len(reachable)
        reachable |= {s for s, nexts in TRANSITIONS.items() if nexts & reachable}
        changed = len(reachable) != before
    assert reachable == set(S)


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_walks_only_follow_the_table(path: list[TicketStatus]) -> None:
    """A random sequence of requested moves is accepted exactly when the table allows it."""
    current = S.SUBMITTED
    for new in path:
        if new in TRANSITIONS[current]:
            check_transition(1, current, new)
            current = new
        else:
            with pytest.raises(Conflict):
                check_transition(1, current, new)
