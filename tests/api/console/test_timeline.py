"""Engineer day timelines drawn from booked legs: drives, waits, work, idle time, pinning."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from api.console.timeline import clip, day_segments, overtime_s
from dispatch.store.tables import RouteLeg
from dispatch.timeparse import WARSAW

DAY = datetime(2026, 12, 22, tzinfo=WARSAW)
SHIFT = (DAY.replace(hour=8), DAY.replace(hour=18))


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def leg(kind: str, ticket: int | None, depart: float, arrive: float, start: float, finish: float):
    """A booked leg of engineer E-1 (hours after midnight of DAY)."""
    return RouteLeg(
        vehicle="E-1", route_key="E-1@day", kind=kind, ticket_id=ticket, plan_id=None,
        ref=str(ticket), origin_lat=52.0, origin_lon=21.0, origin_name="A",
        dest_lat=52.1, dest_lon=21.1, dest_name="WAW" if kind == "pickup" else "site",
        depart_at=at(depart), arrive_at=at(arrive), start_at=at(start), finish_at=at(finish),
        drive_s=int((arrive - depart) * 3600), distance_m=0, active=True,
    )  # fmt: skip


def test_each_leg_is_a_drive_a_wait_and_the_work_at_its_stored_times() -> None:
    """Pickup, visit (with a wait for the site), drive home; idle before and after."""
    legs = [
        leg("pickup", 1, 9, 9.5, 9.5, 9.75),
        leg("visit", 1, 9.75, 10.5, 11, 12.5),
        leg("return", None, 12.5, 13, 13, 13),
    ]
    segments = day_segments([SHIFT], legs, now=DAY.replace(hour=7))
    kinds = [(s.kind, s.ticket_id, s.start.hour + s.start.minute / 60) for s in segments]
    assert kinds == [
        ("idle", None, 8),
        ("travel", 1, 9),
        ("pickup", 1, 9.5),
        ("travel", 1, 9.75),
        ("idle", 1, 10.5),
        ("visit", 1, 11),
        ("travel", None, 12.5),
        ("idle", None, 13),
    ]
    assert segments[5].end == at(12.5) and segments[2].place == "WAW"
    assert not any(s.pinned for s in segments)


def test_work_past_the_shift_end_is_cut_off_and_flagged_overtime() -> None:
    """A visit from 17:00 to 19:00 on an 8-18 shift: one hour in the shift, one overtime, and
    the drive home after it overtime too."""
    legs = [leg("visit", 1, 16.5, 17, 17, 19), leg("return", None, 19, 19.5, 19.5, 19.5)]
    segments = day_segments([SHIFT], legs, now=at(7))
    visit = [(s.start, s.end, s.overtime) for s in segments if s.kind == "visit"]
    assert visit == [(at(17), at(18), False), (at(18), at(19), True)]
    assert overtime_s(segments) == int(1.5 * 3600)
    assert not any(s.overtime for s in segments if s.end <= at(18))


def test_phase_is_done_under_way_or_planned_at_now() -> None:
    legs = [leg("visit", 1, 9, 10, 10, 11), leg("visit", 2, 11, 12, 12, 13)]
    segments = day_segments([SHIFT], legs, now=at(10.5))
    phases = {(s.kind, s.ticket_id): s.phase(at(10.5)) for s in segments if s.ticket_id}
    assert phases == {
        ("travel", 1): "done",
        ("visit", 1): "under_way",
        ("travel", 2): "planned",
        ("visit", 2): "planned",
    }


def test_a_leg_is_pinned_only_once_its_departure_is_past() -> None:
    legs = [leg("visit", 1, 9, 10, 10, 11), leg("visit", 2, 11, 12, 12, 13)]
    segments = day_segments([SHIFT], legs, now=at(9.5))
    assert all(s.pinned for s in segments if s.ticket_id == 1)
    assert not any(s.pinned for s in segments if s.ticket_id == 2)


def test_clip_keeps_only_the_part_inside_the_window() -> None:
    overnight = [leg("visit", 1, 20, 32, 32, 33)]  # leaves tonight, works tomorrow 08:00
    segments = day_segments([], overnight, now=DAY)
    tomorrow = DAY + timedelta(days=1)
    assert clip(segments, DAY, DAY + timedelta(hours=20)) == []
    kept = clip(segments, tomorrow, tomorrow + timedelta(days=1))
    assert kept and all(s.start >= tomorrow for s in kept)


@st.composite
def days(draw: st.DrawFn) -> list[RouteLeg]:
    """Visit legs inside 08:00-18:00, each leaving when the previous one finished."""
    cuts = sorted(draw(st.lists(st.integers(0, 600), min_size=0, max_size=12, unique=True)))
    cuts = cuts[: len(cuts) // 4 * 4]
    out = []
    for i in range(0, len(cuts), 4):
        depart, arrive, start, finish = (8 + m / 60 for m in cuts[i : i + 4])
        out.append(leg("visit", i, depart, arrive, start, finish))
    return out


@given(days())
def test_segments_never_overlap_and_cover_the_shift_exactly(legs: list[RouteLeg]) -> None:
    """Whatever the legs, the timeline is a partition of the shift."""
    segments = day_segments([SHIFT], legs, now=DAY)
    for before, after in itertools.pairwise(segments):
        assert before.end <= after.start
    covered = sum((s.end - s.start for s in segments), timedelta())
    assert covered == SHIFT[1] - SHIFT[0]
