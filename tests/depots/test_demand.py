"""Demand model: Poisson failures by SKU rate, hour and weekday profiles, verification delay."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depots.demand import DemandProfile, InstalledBase, draw_failures
from depots.demo_world import DeviceRow
from dispatch.errors import InvalidInput
from dispatch.timeparse import WARSAW
from tests.depots.simworld import tiny_world

START = date(2027, 3, 1)  # a Monday


@pytest.fixture(scope="module")
def base() -> InstalledBase:
    return InstalledBase.from_world(tiny_world())


def test_expected_failures_are_units_times_rate_over_the_period(base: InstalledBase) -> None:
    # 160 switches and 160 access points at 20 per mille a year: 3.2 each a year
    assert base.installed().tolist() == [160, 160]
    assert np.allclose(base.expected_failures(365), [3.2, 3.2])
    assert np.allclose(base.expected_failures(73, rate_scale=10.0), [6.4, 6.4])


def test_failure_counts_follow_the_poisson_mean(base: InstalledBase) -> None:
    profile = DemandProfile(rate_scale=50.0)  # mean 2 x 160 failures a year
    rng = np.random.default_rng(11)
    counts = [len(draw_failures(base, profile, START, 365, rng)) for _ in range(40)]
    assert abs(np.mean(counts) - 320) < 4 * np.sqrt(320 / 40)


def test_hour_and_weekday_profiles_shape_submissions(base: InstalledBase) -> None:
    hourly = tuple(1.0 if h == 9 else 0.0 for h in range(24))
    mondays = (1.0, 0, 0, 0, 0, 0, 0)
    profile = DemandProfile(hourly=hourly, weekday=mondays, rate_scale=50.0)
    drawn = draw_failures(base, profile, START, 28, np.random.default_rng(2))
    assert len(drawn) > 0
    local = [datetime.fromtimestamp(int(s), WARSAW) for s in drawn.submitted_s]
    assert {d.hour for d in local} == {9}
    assert {d.weekday() for d in local} == {0}


@settings(max_examples=25, deadline=None)
@given(
    low=st.floats(0, 60),
    extra=st.floats(0, 120),
    span=st.floats(0, 120),
    seed=st.integers(0, 2**32 - 1),
)
def test_acceptance_follows_verification_within_bounds(
    base: InstalledBase, low: float, extra: float, span: float, seed: int
) -> None:
    profile = DemandProfile(
        rate_scale=20.0,
        verify_min_minutes=low,
        verify_mean_extra_minutes=extra,
        verify_max_minutes=low + span,
    )
    drawn = draw_failures(base, profile, START, 30, np.random.default_rng(seed))
    delay = drawn.accepted_s - drawn.submitted_s
    assert (delay >= round(low * 60) - 1).all()
    assert (delay <= round((low + span) * 60) + 1).all()
    assert (np.diff(drawn.accepted_s) >= 0).all()


def test_same_generator_state_gives_the_same_failures(base: InstalledBase) -> None:
    profile = DemandProfile(rate_scale=30.0)
    a = draw_failures(base, profile, START, 60, np.random.default_rng(5))
    b = draw_failures(base, profile, START, 60, np.random.default_rng(5))
    assert np.array_equal(a.device, b.device) and np.array_equal(a.accepted_s, b.accepted_s)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hourly": (1.0,) * 23}, "demand.hourly"),
        ({"weekday": (0.0,) * 7}, "demand.weekday"),
        ({"rate_scale": 0.0}, "demand.rate_scale"),
        ({"verify_min_minutes": 30.0, "verify_max_minutes": 20.0}, "demand.verify_max_minutes"),
    ],
)
def test_invalid_profiles_are_refused_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        DemandProfile(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_device_of_an_unknown_sku_is_refused() -> None:
    world = tiny_world()
    broken = type(world)(
        **{
            **{f: getattr(world, f) for f in world.__dataclass_fields__},
            "devices": (DeviceRow("X1", "S1", "NOPE"),),
        }
    )
    with pytest.raises(InvalidInput, match="NOPE"):
        InstalledBase.from_world(broken)
