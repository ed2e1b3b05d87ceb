"""Demand: which installed devices fail when, and when their tickets are accepted.

The installed base (sites with devices under a contract tier, from the demo world or any
directory of the same CSVs) fails as independent Poisson processes: each SKU's failures over a
horizon are Poisson with mean ``devices x annual failure rate x days / 365`` (times
``rate_scale``, to study heavier loads on the same network), each spread uniformly over the
devices of that SKU. A failure's day follows the weekday profile, its hour the hour-of-day
profile; the ticket is accepted after a verification delay (a minimum plus an exponential
extra, capped). Draws come from the ``numpy.random.Generator`` passed in, never global state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray

from depots.demo_world import DemoWorld
from dispatch.errors import InvalidInput
from dispatch.timeparse import WARSAW

# Relative submissions per hour of the day (busy mornings, quiet nights) and per weekday
# (Monday first: a Monday backlog, quiet weekends). Plausible demo figures, not measured data.
HOURLY_PROFILE = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.8, 2.2, 2.2, 2.0,
                  1.6, 1.8, 1.8, 1.5, 1.2, 0.8, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2)  # fmt: skip
WEEKDAY_PROFILE = (1.3, 1.1, 1.0, 1.0, 1.0, 0.5, 0.4)
DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class DemandProfile:
    """When failures are reported and how long verification takes."""

    hourly: tuple[float, ...] = HOURLY_PROFILE
    weekday: tuple[float, ...] = WEEKDAY_PROFILE
    rate_scale: float = 1.0
    verify_min_minutes: float = 10.0
    verify_mean_extra_minutes: float = 15.0
    verify_max_minutes: float = 60.0

    def __post_init__(self) -> None:
        for name, values, size in (("hourly", self.hourly, 24), ("weekday", self.weekday, 7)):
            if len(values) != size:
                raise InvalidInput(f"demand.{name}", f"expected {size} weights, got {len(values)}")
            if min(values) < 0 or sum(values) <= 0:
                raise InvalidInput(f"demand.{name}", "weights must be >= 0 and not all zero")
        if self.rate_scale <= 0:
            raise InvalidInput("demand.rate_scale", f"must be > 0, got {self.rate_scale}")
        if not 0 <= self.verify_min_minutes <= self.verify_max_minutes:
            raise InvalidInput("demand.verify_max_minutes", "must be >= verify_min_minutes >= 0")
        if self.verify_mean_extra_minutes < 0:
            raise InvalidInput("demand.verify_mean_extra_minutes", "must be >= 0")


@dataclass(frozen=True, slots=True)
class InstalledBase:
    """Devices as parallel arrays over sites and SKUs (indices into ``sites`` and ``skus``)."""

    skus: tuple[str, ...]
    afr_permille: NDArray[np.float64]  # (K,) annual failures per 1,000 installed units
    sites: tuple[str, ...]  # site ids
    device_serial: tuple[str, ...]
    device_site: NDArray[np.int64]  # (N,)
    device_sku: NDArray[np.int64]  # (N,)

    def __post_init__(self) -> None:
        n = len(self.device_serial)
        if len(self.device_site) != n or len(self.device_sku) != n:
            raise ValueError("device_serial, device_site and device_sku must have one length")
        if len(self.afr_permille) != len(self.skus):
            raise ValueError("afr_permille must have one entry per SKU")

    @classmethod
    def from_world(cls, world: DemoWorld) -> InstalledBase:
        """The devices of a demo-world-shaped directory (``depots.demo_world.load``).

        Raises
        ------
        InvalidInput
            When a device names an unknown site or SKU.
        """
        sku_index = {s.sku: k for k, s in enumerate(world.skus)}
        site_index = {s.id: k for k, s in enumerate(world.sites)}
        for device in world.devices:
            if device.sku not in sku_index:
                raise InvalidInput(f"devices.{device.serial}.sku", f"unknown SKU {device.sku!r}")
            if device.site not in site_index:
                raise InvalidInput(f"devices.{device.serial}.site", f"unknown site {device.site!r}")
        return cls(
            skus=tuple(sku_index),
            afr_permille=np.array([s.afr_permille for s in world.skus], dtype=np.float64),
            sites=tuple(site_index),
            device_serial=tuple(d.serial for d in world.devices),
            device_site=np.array([site_index[d.site] for d in world.devices], dtype=np.int64),
            device_sku=np.array([sku_index[d.sku] for d in world.devices], dtype=np.int64),
        )

    def installed(self) -> NDArray[np.int64]:
        """Installed units per SKU."""
        counts: NDArray[np.int64] = np.bincount(self.device_sku, minlength=len(self.skus))
        return counts

    def expected_failures(self, days: int, rate_scale: float = 1.0) -> NDArray[np.float64]:
        """Mean failures per SKU over ``days`` days."""
        rate: NDArray[np.float64] = self.installed() * self.afr_permille / 1000.0
        return rate * rate_scale * days / 365.0


@dataclass(frozen=True, slots=True)
class Failures:
    """Drawn failures sorted by acceptance: device index, submission and acceptance (epoch s)."""

    device: NDArray[np.int64]
    submitted_s: NDArray[np.int64]
    accepted_s: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.device)


def day_start_s(day: date) -> int:
    """Epoch seconds of local (Warsaw) midnight starting ``day``."""
    return int(datetime.combine(day, time(0, 0), WARSAW).timestamp())


def draw_failures(
    base: InstalledBase,
    profile: DemandProfile,
    start: date,
    days: int,
    rng: np.random.Generator,
) -> Failures:
    """Failures of ``base`` over ``days`` days from ``start`` (see the module docstring)."""
    if days <= 0:
        raise InvalidInput("days", f"must be > 0, got {days}")
    counts = rng.poisson(base.expected_failures(days, profile.rate_scale))
    devices_of = [np.flatnonzero(base.device_sku == k) for k in range(len(base.skus))]
    device = np.concatenate(
        [rng.choice(devices_of[k], size=int(n)) for k, n in enumerate(counts) if n > 0]
        or [np.zeros(0, dtype=np.int64)]
    ).astype(np.int64)
    total = len(device)
    day_list = [start + timedelta(days=d) for d in range(days)]
    weekday = np.array([profile.weekday[d.weekday()] for d in day_list], dtype=np.float64)
    hourly = np.array(profile.hourly, dtype=np.float64)
    day_of = rng.choice(days, size=total, p=weekday / weekday.sum())
    hour_of = rng.choice(24, size=total, p=hourly / hourly.sum())
    midnight = np.array([day_start_s(d) for d in day_list], dtype=np.int64)
    submitted = midnight[day_of] + hour_of * 3600 + rng.integers(0, 3600, size=total)
    extra = rng.exponential(profile.verify_mean_extra_minutes, size=total)
    verify_min = np.minimum(profile.verify_min_minutes + extra, profile.verify_max_minutes)
    accepted = submitted + np.round(verify_min * 60).astype(np.int64)
    order = np.lexsort((device, accepted))
    return Failures(device[order], submitted[order].astype(np.int64), accepted[order])
