"""Reports re-time a vehicle's day: delays carry on, gains do not, promises are kept."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dispatch.errors import InvalidInput
from dispatch.progress import OVERRUN_STEP, Actual, Reported, Timing, check_order, retime
from dispatch.timeparse import WARSAW

T0 = datetime(2026, 12, 22, 8, 0, tzinfo=WARSAW)


def m(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


DAY = [  # leave 8:00, on site 8:30-9:30; leave 9:30, on site 10:00 (booked 10:15)-11:00; home
    Timing(m(0), m(30), m(30), m(90)),
    Timing(m(90), m(120), m(135), m(180)),
    Timing(m(180), m(210), m(210), m(210)),
]


def test_a_late_finish_pushes_every_later_leg_by_what_the_slack_does_not_absorb() -> None:
    out = retime(DAY, {0: Actual(arrived=m(30), ended=m(120))})
    assert out[0] == Timing(m(0), m(30), m(30), m(120))
    assert out[1] == Timing(m(120), m(150), m(150), m(195))  # 15 min wait absorbed 15 of 30
    assert out[2].depart == m(195)


def test_an_early_finish_changes_nothing_later() -> None:
    out = retime(DAY, {0: Actual(arrived=m(30), ended=m(60))})
    assert out[1:] == DAY[1:]


def test_unreported_work_past_its_end_is_taken_to_run_on() -> None:
    now = m(100)
    out = retime(DAY, {0: Actual(departed=m(0), arrived=m(30))}, now)
    assert out[0].finish == now + OVERRUN_STEP
    assert out[1].depart == now + OVERRUN_STEP


def test_a_report_of_the_end_alone_keeps_the_leg_in_order() -> None:
    (first, *_rest) = retime(DAY, {0: Actual(ended=m(20))})
    assert first.depart <= first.arrive <= first.start <= first.finish == m(20)


@pytest.mark.parametrize(
    ("known", "new"),
    [
        ([Reported("arrived", m(30))], Reported("finished", m(29))),
        ([Reported("finished", m(90))], Reported("departed", m(91))),
        ([Reported("failed", m(90))], Reported("finished", m(95))),
        ([Reported("departed", m(0))], Reported("departed", m(1))),
    ],
)
def test_reports_that_cannot_have_happened_are_refused(
    known: list[Reported], new: Reported
) -> None:
    with pytest.raises(InvalidInput):
        check_order(known, new)


def test_a_late_report_that_fits_is_accepted() -> None:
    check_order(
        [Reported("finished", m(90)), Reported("arrived", m(30))], Reported("departed", m(0))
    )
    assert Actual.of([Reported("failed", m(90))]).state == "failed"
