"""Demand model: Poisson failures by SKU rate, hour and weekday profiles, verification delay."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depots.demand import (
    DemandProfile,
    FailureRates,
    Failures,
    InstalledBase,
    ReturnLoop,
    draw_failures,
    draw_tickets,
)
from depots.demo_world import DemoWorld, DeviceRow, load, write
from depots.placement import candidate_towns, load_demo_installed_base, place_depots
from depots.simulation import prepare
from depots.simulation_params import SimulationParams
from depots.stocking import failure_rates, load_skus, stock_items
from dispatch.errors import InvalidInput
from dispatch.timeparse import WARSAW
from solver.travel.geodesic import GeodesicTravel
from tests.depots.simworld import tiny_world, write_scenario

START = date(2027, 3, 1)  # a Monday


@pytest.fixture(scope="module")
def base() -> InstalledBase:
    return InstalledBase.from_world(tiny_world())


def test_expected_failures_are_units_times_rate_over_the_period(base: InstalledBase) -> None:
    # 160 switches and 160 access points at 20 per mille a year: 3.2 each a year
    assert base.installed().tolist() == [160, 160]
    assert np.allclose(base.expected_failures(365, _rates()), [3.2, 3.2])
    assert np.allclose(base.expected_failures(73, _rates(10.0)), [6.4, 6.4])


def _rates(scale: float = 1.0) -> FailureRates:
    return FailureRates.from_world(tiny_world(), scale)


def _draw(
    base: InstalledBase, profile: DemandProfile, days: int, rng: np.random.Generator
) -> Failures:
    return draw_failures(base, _rates(profile.rate_scale), profile, START, days, rng)


def test_the_return_loop_follows_the_terms() -> None:
    """Back within 7 days (uniform: 3.5 on average), exchanged at once, a day to the depot."""
    loop = ReturnLoop()
    assert loop.mean_days == 4.5
    draws = [loop.back_after_s(np.random.default_rng(s)) / 86_400 for s in range(400)]
    assert min(draws) >= 1 and max(draws) <= 8 and abs(np.mean(draws) - 4.5) < 0.3
    with pytest.raises(InvalidInput, match=r"returns\.repair_days"):
        ReturnLoop(repair_days=-1)


def test_failure_counts_follow_the_poisson_mean(base: InstalledBase) -> None:
    profile = DemandProfile(rate_scale=50.0)  # mean 2 x 160 failures a year
    rng = np.random.default_rng(11)
    counts = [len(_draw(base, profile, 365, rng)) for _ in range(40)]
    assert abs(np.mean(counts) - 320) < 4 * np.sqrt(320 / 40)


def test_hour_and_weekday_profiles_shape_submissions(base: InstalledBase) -> None:
    hourly = tuple(1.0 if h == 9 else 0.0 for h in range(24))
    mondays = (1.0, 0, 0, 0, 0, 0, 0)
    profile = DemandProfile(hourly=hourly, weekday=mondays, rate_scale=50.0)
    drawn = _draw(base, profile, 28, np.random.default_rng(2))
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
    drawn = _draw(base, profile, 30, np.random.default_rng(seed))
    delay = drawn.accepted_s - drawn.submitted_s
    assert (delay >= round(low * 60) - 1).all()
    assert (delay <= round((low + span) * 60) + 1).all()
    assert (np.diff(drawn.accepted_s) >= 0).all()


def test_same_generator_state_gives_the_same_failures(base: InstalledBase) -> None:
    profile = DemandProfile(rate_scale=30.0)
    a = _draw(base, profile, 60, np.random.default_rng(5))
    b = _draw(base, profile, 60, np.random.default_rng(5))
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


def test_placement_stock_and_simulation_read_the_same_failure_rates(tmp_path: Path) -> None:
    """One demand model: the tickets a year placement weighs, stock sizes and the simulation
    draws are the same figure, from the world's SKU catalogue times the scenario's scale."""
    write(tiny_world(), tmp_path / "world")
    path = write_scenario(tmp_path, rate_scale=20.0)
    params = SimulationParams.from_toml(path)
    net = prepare(params)
    sites = load_demo_installed_base(tmp_path / "world")
    skus = load_skus(tmp_path / "world" / "skus.csv")
    rates = failure_rates(skus, params.demand.rate_scale)
    assert rates == net.rates
    simulated = float(net.base.expected_failures(365, net.rates).sum())
    placed = sum(sites.tickets_per_year(rates))
    layout = place_depots("pmedian", candidate_towns(30), sites.points, GeodesicTravel(), k=2)
    stocked = sum(i.annual_demand for i in stock_items(layout, sites, skus, rates))
    assert simulated == pytest.approx(placed) == pytest.approx(stocked) == pytest.approx(128.0)


DAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    """The committed demo world."""
    return load()


def test_arrivals_are_seeded_ordered_and_verified_within_an_hour(world: DemoWorld) -> None:
    """Same seed, same tickets; acceptance 10-60 minutes after submission, in order."""
    a = draw_tickets(world, DAY, 40, np.random.default_rng(1))
    assert a == draw_tickets(world, DAY, 40, np.random.default_rng(1))
    assert a != draw_tickets(world, DAY, 40, np.random.default_rng(2))
    assert len({t.device.serial for t in a}) == 40
    assert [t.accepted_at for t in a] == sorted(t.accepted_at for t in a)
    for t in a:
        assert t.submitted_at.date() == DAY
        assert timedelta(minutes=10) <= t.accepted_at - t.submitted_at <= timedelta(minutes=60)


def test_too_many_failures_are_refused(world: DemoWorld) -> None:
    """More failures than installed devices is a caller error."""
    with pytest.raises(ValueError, match="count must be within"):
        draw_tickets(world, DAY, len(world.devices) + 1, np.random.default_rng(0))


def test_a_day_is_drawn_on_the_years_profile(world: DemoWorld) -> None:
    """One generator: a day's submissions and verification follow the same DemandProfile."""
    only_nine = tuple(1.0 if h == 9 else 0.0 for h in range(24))
    profile = DemandProfile(hourly=only_nine, verify_min_minutes=20, verify_max_minutes=20)
    drawn = draw_tickets(world, DAY, 30, np.random.default_rng(4), profile)
    assert {t.submitted_at.hour for t in drawn} == {9}
    assert {t.accepted_at - t.submitted_at for t in drawn} == {timedelta(minutes=20)}
