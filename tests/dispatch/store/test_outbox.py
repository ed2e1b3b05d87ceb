"""Outbox back-off and dead-letter horizon."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.store.outbox import DEFAULT_MAX_ATTEMPTS, MAX_RETRY, retry_delay


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [
        (1, 1),  # first failure: retry after 1 s (a blip costs the queue one second)
        (2, 2),  # doubling
        (5, 16),
        (10, 512),
        (11, 900),  # 2**10 = 1024 s, capped at 15 min
        (1000, 900),  # no overflow for a receiver that is down for days
    ],
)
def test_retry_delay_doubles_up_to_fifteen_minutes(attempts: int, seconds: int) -> None:
    """Capped exponential back-off, so a long outage neither hammers nor stalls delivery."""
    assert retry_delay(attempts) == timedelta(seconds=seconds)
    assert retry_delay(attempts) <= MAX_RETRY


def test_default_dead_letter_horizon_spans_hours() -> None:
    """25 attempts with this back-off wait about 3.5 h: an outage of an afternoon loses nothing."""
    waited = sum((retry_delay(n) for n in range(1, DEFAULT_MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=3) < waited < timedelta(hours=4)
