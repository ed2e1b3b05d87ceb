"""SLA clocks (docs/rules.md §3): reaction due, clock start, deadline, time left, at risk.

The ``*_s`` functions work on epoch seconds for the solver and simulations; :func:`sla_times`
is the datetime front door used by the CLI and the API.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray

from dispatch.calendar import (
    ServiceCalendar,
    check_supported,
    day_count,
    day_index_of,
    day_indices_of,
    from_epoch,
    local_epoch_at,
    local_epochs_at,
    next_business_table,
)
from dispatch.errors import InvalidInput
from dispatch.tiers import NBD_DUE, Tier

REACTION_S = 3600
DEFAULT_RISK_THRESHOLD = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SlaTimes:
    """The clocks of one ticket, as aware Europe/Warsaw datetimes."""

    tier: Tier
    clock_start: datetime
    deadline: datetime
    reaction_due: datetime | None = None


def calendar_of(tier: Tier) -> ServiceCalendar:
    """The service calendar of the tier's intake window."""
    return ServiceCalendar.of(tier.window)


def reaction_due_s(tier: Tier, submitted_s: int) -> int:
    """One hour of the tier's service time after submission."""
    return calendar_of(tier).add_service_s(submitted_s, REACTION_S)


def deadline_s(tier: Tier, accepted_s: int, nbd_cutoff: time | None = None) -> int:
    """The delivery (AHB) or on-site (SOS) deadline for an acceptance at ``accepted_s``.

    Hour targets count real time for 24x7 intake and service time otherwise. NBD is 17:00 on
    the first business day after the clock start's calendar day (see :func:`clock_start_s`
    for the cutoff).
    """
    return _deadline_from_start_s(tier, clock_start_s(tier, accepted_s, nbd_cutoff))


def clock_start_s(tier: Tier, accepted_s: int, nbd_cutoff: time | None = None) -> int:
    """Acceptance inside service hours starts the clock; otherwise the next opening does.

    An NBD acceptance at or after the contract's cutoff (Warsaw wall-clock time, to the second,
    on its own calendar day) counts as made at midnight of the next day, as rule 5 says, so a
    cutoff before the service window opens moves only acceptances made after it, not the
    early-morning ones.
    """
    if tier.is_nbd and nbd_cutoff is not None and from_epoch(accepted_s).time() >= nbd_cutoff:
        accepted_s = local_epoch_at(day_index_of(accepted_s) + 1, time(0, 0))
    return calendar_of(tier).next_opening_s(accepted_s)


def _deadline_from_start_s(tier: Tier, start: int) -> int:
    if not tier.is_nbd:
        return calendar_of(tier).add_service_s(start, tier.target_s)
    due = _nbd_due_table()[day_index_of(start)]
    if due < 0:
        raise InvalidInput("accepted_at", "no next business day inside the service calendar")
    return due


@functools.cache
def _nbd_due_table() -> list[int]:
    """For each day index, 17:00 on the first business day after it (epoch seconds), or -1."""
    following = np.asarray(next_business_table(), dtype=np.int64)
    known = following < day_count()
    due = np.full(len(following), -1, dtype=np.int64)
    due[known] = local_epochs_at(following[known], NBD_DUE)
    return [int(d) for d in due]


def deadlines_array_s(tier: Tier, accepted_s: NDArray[np.int64]) -> NDArray[np.int64]:
    """Vectorised :func:`deadline_s` (no cutoff) for many acceptances of one tier."""
    calendar = calendar_of(tier)
    if not tier.is_nbd:
        return calendar.add_service_array_s(accepted_s, tier.target_s)
    starts = calendar.add_service_array_s(accepted_s, 0)
    return np.asarray(_nbd_due_table(), dtype=np.int64)[day_indices_of(starts)]


def sla_times(
    tier: Tier,
    accepted_at: datetime,
    *,
    submitted_at: datetime | None = None,
    nbd_cutoff: time | None = None,
) -> SlaTimes:
    """Clock start, deadline and (with ``submitted_at``) reaction due of one ticket.

    Raises
    ------
    InvalidInput
        When an instant is naive or outside the calendar's years, or submission follows
        acceptance.
    """
    accepted_s = _checked_epoch(accepted_at, "accepted_at")
    reaction = None
    if submitted_at is not None:
        submitted_s = _checked_epoch(submitted_at, "submitted_at")
        if submitted_s > accepted_s:
            raise InvalidInput("submitted_at", "must not be after accepted_at")
        with _named("submitted_at"):
            reaction = from_epoch(reaction_due_s(tier, submitted_s))
    with _named("accepted_at"):
        start = clock_start_s(tier, accepted_s, nbd_cutoff)
        deadline = _deadline_from_start_s(tier, start)
    return SlaTimes(
        tier=tier,
        clock_start=from_epoch(start),
        deadline=from_epoch(deadline),
        reaction_due=reaction,
    )


@contextmanager
def _named(field: str) -> Iterator[None]:
    """Re-raise the calendar's errors (which name "time" or "date") under the caller's instant."""
    try:
        yield
    except InvalidInput as exc:
        if exc.field == field:
            raise
        raise InvalidInput(field, exc.reason) from None


def _checked_epoch(moment: datetime, field: str) -> int:
    if moment.tzinfo is None:
        raise InvalidInput(field, "needs a time zone (naive times are parsed as Warsaw time)")
    epoch = int(moment.timestamp())
    check_supported(epoch, field=field)
    return epoch


def time_left(deadline: datetime, now: datetime) -> timedelta:
    """Real time until the deadline; negative once it has passed.

    Computed on timestamps: Python subtracts two datetimes of the same zone by wall clock, which
    is an hour off across a daylight-saving change.
    """
    return timedelta(seconds=deadline.timestamp() - now.timestamp())


def at_risk(
    deadline: datetime, now: datetime, *, threshold: timedelta = DEFAULT_RISK_THRESHOLD
) -> bool:
    """Whether less than ``threshold`` is left (or the deadline has passed): escalate (rule 9)."""
    return time_left(deadline, now) < threshold
