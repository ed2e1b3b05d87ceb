"""Engineer day timelines: legs placed before the stored arrival, idle time, pinning, clipping."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from api.console.timeline import PICKUP, Visit, _travel, clip, day_segments
from dispatch.timeparse import WARSAW
from solver.travel.geodesic import GeodesicTravel

DAY = datetime(2026, 12, 22, tzinfo=WARSAW)
SHIFT = (DAY.replace(hour=8), DAY.replace(hour=18))
HOME = (52.2297, 21.0122)  # Warszawa
DEPOT = (52.17, 20.97)
SITE = (52.211, 20.982)
FAR_SITE = (50.0614, 19.9372)  # Kraków


def visit(
    ticket: int,
    depart_h: float,
    arrival_h: float,
    finish_h: float,
    site: tuple[float, float] = SITE,
) -> Visit:
    """A WAW-depot visit at hours after midnight of DAY."""

    def at(hours: float) -> datetime:
        return DAY + timedelta(hours=hours)

    return Visit(ticket, "WAW", DEPOT, site, at(depart_h), at(arrival_h), at(finish_h))


def test_legs_end_at_the_stored_arrival_and_the_rest_of_the_shift_is_idle() -> None:
    """home -> depot, pickup, depot -> site, then the visit; idle before and after."""
    one = visit(1, 9, 11, 12.5)
    segments = day_segments(HOME, [SHIFT], [one], now=DAY.replace(hour=7))
    kinds = [(s.kind, s.ticket_id) for s in segments]
    assert kinds == [
        ("idle", None),
        ("travel", 1),
        ("pickup", 1),
        ("travel", 1),
        ("visit", 1),
        ("idle", None),
    ]
    idle, to_depot, pickup, to_site, on_site, rest = segments
    model = GeodesicTravel()
    assert to_site.end == one.arrival_at and on_site.end == one.finish_at
    assert to_site.end - to_site.start == _travel(DEPOT, SITE, model)
    assert to_depot.end - to_depot.start == _travel(HOME, DEPOT, model)
    assert pickup.end - pickup.start == PICKUP and pickup.place == "WAW"
    assert (idle.start, idle.end, rest.start, rest.end) == (
        SHIFT[0],
        to_depot.start,
        one.finish_at,
        SHIFT[1],
    )
    assert not any(s.pinned for s in segments)


def test_legs_shrink_to_fit_a_short_window_and_the_stored_times_win() -> None:
    """Warszawa -> Kraków cannot be driven in 30 min; the legs are scaled into the window."""
    short = visit(1, 9, 9.5, 10, site=FAR_SITE)
    to_depot, pickup, to_site, _ = day_segments(HOME, [], [short], now=DAY)
    assert to_depot.start == short.depart_at and to_site.end == short.arrival_at
    assert pickup.end - pickup.start < PICKUP


def test_a_visit_whose_departure_has_passed_is_pinned() -> None:
    segments = day_segments(HOME, [SHIFT], [visit(1, 9, 11, 12)], now=DAY.replace(hour=9))
    assert all(s.pinned for s in segments if s.ticket_id == 1)


def test_the_second_visit_starts_from_the_first_site() -> None:
    first, second = visit(1, 8, 9, 10), visit(2, 10, 17, 17.5, site=FAR_SITE)
    segments = day_segments(HOME, [SHIFT], [second, first], now=DAY)
    leg = next(s for s in segments if s.ticket_id == 2 and s.kind == "travel")
    assert leg.end - leg.start == _travel(SITE, DEPOT, GeodesicTravel())


def test_clip_keeps_only_the_part_inside_the_window() -> None:
    overnight = visit(1, 20, 32, 33)  # departs tonight, arrives tomorrow 08:00
    segments = day_segments(HOME, [], [overnight], now=DAY)
    tomorrow = DAY + timedelta(days=1)
    assert clip(segments, DAY, tomorrow) == []
    kept = clip(segments, tomorrow, tomorrow + timedelta(days=1))
    assert kept and all(s.start >= tomorrow for s in kept)


@st.composite
def days(draw: st.DrawFn) -> list[Visit]:
    """Visits inside 08:00-18:00, each departing after the previous one finished."""
    cuts = sorted(draw(st.lists(st.integers(0, 600), min_size=0, max_size=9, unique=True)))
    cuts = cuts[: len(cuts) // 3 * 3]
    out = []
    for i in range(0, len(cuts), 3):
        depart, arrival, finish = (8 + m / 60 for m in cuts[i : i + 3])
        site = draw(st.sampled_from([SITE, FAR_SITE, HOME]))
        out.append(visit(i, depart, arrival, finish, site=site))
    return out


@given(days())
def test_segments_never_overlap_and_cover_the_shift_exactly(visits: list[Visit]) -> None:
    """Whatever the visits, the timeline is a partition of the shift."""
    segments = day_segments(HOME, [SHIFT], visits, now=DAY)
    for before, after in itertools.pairwise(segments):
        assert before.end <= after.start
    covered = sum((s.end - s.start for s in segments), timedelta())
    assert covered == SHIFT[1] - SHIFT[0]
