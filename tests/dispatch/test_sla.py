"""SLA clocks exactly as docs/rules.md §3: reaction, clock start, deadlines, cutoff, time left."""

from datetime import datetime, time, timedelta

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dispatch.calendar import ServiceCalendar, from_epoch, is_business_day
from dispatch.errors import InvalidInput
from dispatch.sla import at_risk, deadline_s, deadlines_array_s, sla_times, time_left
from dispatch.tiers import NAMED_TIERS, Tier
from dispatch.timeparse import WARSAW, parse_instant


def deadline_of(tier: str, accepted: str, cutoff: time | None = None) -> str:
    """The deadline as ISO text for a tier and a Warsaw (or offset) acceptance time."""
    times = sla_times(
        Tier.parse(tier), parse_instant(accepted, field="accepted_at"), nbd_cutoff=cutoff
    )
    return times.deadline.isoformat()


@pytest.mark.parametrize(
    ("tier", "accepted", "deadline"),
    [
        # the worked examples of docs/rules.md
        ("8x5xNBD", "2026-12-23T16:30", "2026-12-28T17:00:00+01:00"),
        ("8x5x8", "2026-12-23T15:00", "2026-12-28T15:00:00+01:00"),
        ("24x7x8", "2026-03-28T22:00", "2026-03-29T07:00:00+02:00"),
        # 8x5 acceptance after hours on Friday starts Monday 09:00
        ("8x5x8", "2026-11-27T18:30", "2026-11-30T17:00:00+01:00"),
        ("8x5xNBD", "2026-11-27T18:30", "2026-12-01T17:00:00+01:00"),
        # 24x7 NBD accepted on Saturday: next business day is Monday
        ("24x7xNBD", "2026-11-28T03:00", "2026-11-30T17:00:00+01:00"),
        # 24x7x4 in the autumn change: four real hours, the wall clock shows three
        ("24x7x4", "2026-10-25T01:00", "2026-10-25T04:00:00+01:00"),
        # custom tier, Saturday service
        ("7-19x6x8", "2026-11-27T18:30", "2026-11-28T14:30:00+01:00"),
        # 8x5 before opening on a business day starts at 09:00 the same day
        ("8x5x4", "2026-11-25T06:00", "2026-11-25T13:00:00+01:00"),
    ],
)
def test_deadlines_follow_the_spec(tier: str, accepted: str, deadline: str) -> None:
    """Deadlines for the spec's examples and the rules' corner cases."""
    assert deadline_of(tier, accepted) == deadline


def test_8x5_saturday_ticket_must_be_answered_by_monday_10() -> None:
    """Rule 1: reaction within 1 service hour of submission."""
    times = sla_times(
        Tier.parse("8x5xNBD"),
        parse_instant("2026-11-28T11:00", field="a"),
        submitted_at=parse_instant("2026-11-28T10:00", field="s"),
    )
    assert times.reaction_due == parse_instant("2026-11-30T10:00", field="r")
    assert times.clock_start == parse_instant("2026-11-30T09:00", field="c")


def test_nbd_cutoff_moves_late_acceptances_a_day() -> None:
    """With a 15:00 cutoff, acceptance at 15:30 counts from the next business day."""
    assert deadline_of("8x5xNBD", "2026-11-25T14:59", time(15)) == "2026-11-26T17:00:00+01:00"
    assert deadline_of("8x5xNBD", "2026-11-25T15:30", time(15)) == "2026-11-27T17:00:00+01:00"
    # without a cutoff (the default) the same acceptance is due the next day
    assert deadline_of("8x5xNBD", "2026-11-25T15:30") == "2026-11-26T17:00:00+01:00"


def test_nbd_cutoff_before_opening_moves_only_acceptances_after_it() -> None:
    """Rule 5 moves acceptances made after the cutoff, not early ones whose clock starts later."""
    assert deadline_of("8x5xNBD", "2026-11-25T07:30", time(8)) == "2026-11-26T17:00:00+01:00"
    late = sla_times(
        Tier.parse("8x5xNBD"), parse_instant("2026-11-25T08:30", field="a"), nbd_cutoff=time(8)
    )
    assert late.clock_start == parse_instant("2026-11-26T09:00", field="c")
    assert late.deadline == parse_instant("2026-11-27T17:00", field="d")


def test_nbd_cutoff_compares_wall_clock_time_to_the_second() -> None:
    """Seconds count, and on the spring-forward day 03:15 is after a 02:30 cutoff."""
    assert deadline_of("8x5xNBD", "2026-12-22T15:00:10", time(15, 0, 30)) == (
        "2026-12-23T17:00:00+01:00"
    )
    assert deadline_of("8x5xNBD", "2026-12-22T15:00:30", time(15, 0, 30)) == (
        "2026-12-28T17:00:00+01:00"
    )
    assert deadline_of("24x7xNBD", "2026-03-29T03:15", time(2, 30)) == "2026-03-31T17:00:00+02:00"


def test_submission_after_acceptance_is_refused() -> None:
    """A ticket cannot be accepted before it was submitted."""
    with pytest.raises(InvalidInput, match="submitted_at"):
        sla_times(
            Tier.parse("8x5x8"),
            parse_instant("2026-11-25T10:00", field="a"),
            submitted_at=parse_instant("2026-11-25T11:00", field="s"),
        )


def test_acceptance_outside_the_calendar_years_is_refused() -> None:
    """The calendar tables cover 2000-2099; other years are refused by name."""
    with pytest.raises(InvalidInput, match="accepted_at: outside the supported years"):
        sla_times(Tier.parse("8x5x8"), datetime(2100, 6, 1, 10, tzinfo=WARSAW))


@pytest.mark.parametrize("tier", ["8x5xNBD", "24x7x4", "8x5x8"])
def test_a_deadline_beyond_the_calendar_names_the_acceptance(tier: str) -> None:
    """Accepted in the calendar's last hour, the clock runs past its end: named accepted_at."""
    with pytest.raises(InvalidInput) as info:
        sla_times(Tier.parse(tier), datetime(2099, 12, 31, 23, 30, tzinfo=WARSAW))
    assert info.value.field == "accepted_at"


def test_time_left_is_real_time_across_dst() -> None:
    """22:00 CET to 07:00 CEST is eight real hours, not nine wall-clock hours."""
    now = parse_instant("2026-03-28T22:00", field="n")
    deadline = parse_instant("2026-03-29T07:00", field="d")
    assert time_left(deadline, now) == timedelta(hours=8)
    assert not at_risk(deadline, now)
    assert at_risk(deadline, parse_instant("2026-03-29T06:30", field="n"))


tiers = st.sampled_from([*NAMED_TIERS, "8x5x4", "24x7x24", "7-19x6x8", "8x5x2.5"]).map(Tier.parse)
instants = st.integers(
    min_value=int(datetime(2024, 1, 1, tzinfo=WARSAW).timestamp()),
    max_value=int(datetime(2028, 12, 1, tzinfo=WARSAW).timestamp()),
)
RULES_EXAMPLE_S = int(parse_instant("2026-12-23T16:30", field="x").timestamp())
DST_EXAMPLE_S = int(parse_instant("2026-03-28T22:00", field="x").timestamp())


@given(tier=tiers, accepted=instants)
@example(tier=Tier.parse("8x5xNBD"), accepted=RULES_EXAMPLE_S)
@example(tier=Tier.parse("24x7x8"), accepted=DST_EXAMPLE_S)
def test_deadline_never_precedes_clock_start(tier: Tier, accepted: int) -> None:
    """accepted <= clock start <= deadline."""
    times = sla_times(tier, from_epoch(accepted))
    assert accepted <= times.clock_start.timestamp() <= times.deadline.timestamp()


nbd_tiers = st.sampled_from(["8x5xNBD", "24x7xNBD"]).map(Tier.parse)
cutoffs = st.times(min_value=time(0, 0, 1)).map(lambda t: t.replace(microsecond=0))


@given(tier=nbd_tiers, accepted=instants, cutoff=cutoffs)
def test_nbd_cutoff_moves_exactly_the_acceptances_at_or_after_it(
    tier: Tier, accepted: int, cutoff: time
) -> None:
    """Before its cutoff an acceptance keeps the plain NBD deadline; from it on, the next day's."""
    local = from_epoch(accepted)
    midnight_after = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=WARSAW)
    moved = local.time() >= cutoff
    expected = deadline_s(tier, int(midnight_after.timestamp()) if moved else accepted)
    assert deadline_s(tier, accepted, cutoff) == expected
    assert deadline_s(tier, accepted) <= deadline_s(tier, accepted, cutoff)


@given(tier=tiers, a=instants, b=instants)
def test_deadlines_never_decrease_as_acceptance_moves_later(tier: Tier, a: int, b: int) -> None:
    """Monotone in acceptance time."""
    early, late = sorted((a, b))
    assert deadline_s(tier, early) <= deadline_s(tier, late)


@given(accepted=instants, hours=st.sampled_from([1, 4, 8, 13]))
def test_8x5_hour_deadlines_fall_inside_service_hours(accepted: int, hours: int) -> None:
    """An 8x5 deadline is in (09:00, 17:00] of a business day."""
    deadline = from_epoch(deadline_s(Tier.parse(f"8x5x{hours}"), accepted))
    assert is_business_day(deadline.date())
    assert time(9) < deadline.time() <= time(17)


@given(accepted=instants, hours=st.sampled_from([4, 8, 24]))
@example(accepted=DST_EXAMPLE_S, hours=8)
def test_24x7_deadline_is_exactly_n_elapsed_hours(accepted: int, hours: int) -> None:
    """24x7xN: N real hours from acceptance, whatever the wall clock does."""
    assert deadline_s(Tier.parse(f"24x7x{hours}"), accepted) == accepted + hours * 3600


@given(tier=tiers.filter(lambda t: t.is_nbd), accepted=instants)
def test_nbd_deadline_is_17h_on_the_next_business_day(tier: Tier, accepted: int) -> None:
    """NBD: 17:00 on the first business day after the clock start's day."""
    start = ServiceCalendar.of(tier.window).next_opening_s(accepted)
    deadline = from_epoch(deadline_s(tier, accepted))
    assert deadline.time() == time(17)
    assert is_business_day(deadline.date())
    assert deadline.date() > from_epoch(start).date()
    day = from_epoch(start).date() + timedelta(days=1)
    while day < deadline.date():
        assert not is_business_day(day)
        day += timedelta(days=1)


@given(tier=tiers, accepted=st.lists(instants, min_size=1, max_size=50))
def test_vectorised_deadlines_match_the_scalar_ones(tier: Tier, accepted: list[int]) -> None:
    """The numpy path used by simulations gives the same answers."""
    expected = [deadline_s(tier, a) for a in accepted]
    got = deadlines_array_s(tier, np.asarray(accepted, dtype=np.int64))
    assert got.tolist() == expected
