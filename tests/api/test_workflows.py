"""Workflow rules that need no server: reported instants follow the ticket's recorded ones."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.workflows import check_not_before
from dispatch.errors import InvalidInput
from dispatch.store.tables import Ticket
from dispatch.timeparse import WARSAW

SUBMITTED = datetime(2026, 11, 25, 21, 0, tzinfo=WARSAW)
MINUTES = st.integers(min_value=0, max_value=60 * 24 * 30)


@given(
    accepted=st.none() | MINUTES,
    delivered=st.none() | MINUTES,
    reported=st.integers(min_value=-60 * 24 * 60, max_value=60 * 24 * 60),
)
def test_a_report_is_refused_exactly_when_it_precedes_a_recorded_instant(
    accepted: int | None, delivered: int | None, reported: int
) -> None:
    """Refused iff earlier than the latest of submission, acceptance and delivery."""

    def at(minutes: int | None) -> datetime | None:
        return None if minutes is None else SUBMITTED + timedelta(minutes=minutes)

    ticket = Ticket(submitted_at=SUBMITTED, accepted_at=at(accepted), delivered_at=at(delivered))
    latest = max(m for m in (0, accepted, delivered) if m is not None)
    if reported < latest:
        with pytest.raises(InvalidInput) as refused:
            check_not_before(ticket, "at", SUBMITTED + timedelta(minutes=reported))
        assert refused.value.field == "at"
        assert "must not be before the ticket's" in refused.value.reason
    else:
        check_not_before(ticket, "at", SUBMITTED + timedelta(minutes=reported))


def test_the_refusal_names_the_latest_milestone_in_warsaw_time() -> None:
    ticket = Ticket(
        submitted_at=SUBMITTED,
        accepted_at=SUBMITTED + timedelta(minutes=32),
        delivered_at=None,
    )
    with pytest.raises(InvalidInput, match=r"accepted_at \(2026-11-25T21:32:00\+01:00\)"):
        check_not_before(ticket, "received_at", datetime(2026, 11, 1, 10, tzinfo=WARSAW))
