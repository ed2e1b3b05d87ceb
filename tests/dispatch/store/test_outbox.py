"""Outbox back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.store.outbox import MAX_RETRY, retry_delay


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [
        (1, 5),  # first failure: retry after 5 s
        (2, 10),  # doubling
        (5, 80),
        (9, 900),  # 5 * 2**8 = 1280 s, capped at 15 min
        (1000, 900),  # no overflow for a receiver that is down for days
    ],
)
def test_retry_delay_doubles_up_to_fifteen_minutes(attempts: int, seconds: int) -> None:
    """Capped exponential back-off, so a long outage neither hammers nor stalls delivery."""
    assert retry_delay(attempts) == timedelta(seconds=seconds)
    assert retry_delay(attempts) <= MAX_RETRY
