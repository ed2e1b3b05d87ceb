"""Demand: which installed devices fail when, when their tickets are accepted, and how long
the failed unit takes to come back: the one demand model placement, stock and simulation read.

Failure rates (:class:`FailureRates`) come from one place, the world's SKU catalogue
(``afr_permille``, failures per 1,000 installed units a year), times the scenario's
``rate_scale`` (to study heavier loads on the same network). Placement weighs each site's
dedicated-transport trips by its expected tickets, stocking sizes each depot's spares on the
same tickets, and the simulation draws them.

The installed base (sites with devices under a contract tier) fails as independent Poisson
processes: each SKU's failures over a horizon are Poisson with mean ``devices x rate x days /
365``, each spread uniformly over the devices of that SKU. A failure's day follows the weekday
profile, its hour the hour-of-day profile; the ticket is accepted after a verification delay (a
minimum plus an exponential extra, capped). Draws come from the ``numpy.random.Generator``
passed in, never global state. A demo day (:func:`draw_tickets`) is the same draw with the
day's count fixed: that many distinct devices, chosen in proportion to their model's rate.

The return loop (:class:`ReturnLoop`, docs/rules.md): the customer sends the failed unit back
within ``max_days`` of the replacement's delivery (7 under the terms; drawn uniformly
within them), it is exchanged or repaired at the central warehouse in ``repair_days``, and a good
unit reaches the depot the spare came from ``transfer_days`` later. Stocking sizes spares on the
loop's mean, the simulation draws each return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray

from depots.demo_world import DemoWorld, DeviceRow, SiteRow
from dispatch.errors import InvalidInput
from dispatch.sla import deadline_s
from dispatch.tiers import Tier
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
    # Sites whose failures draw from a stream of their own (a quote's new sites), so that the
    # other sites fail exactly as they would without them: common random numbers.
    own_stream_sites: tuple[str, ...] = ()

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
class FailureRates:
    """Failures a year per installed device, by SKU (already times any ``rate_scale``)."""

    per_device_year: Mapping[str, float]

    def __post_init__(self) -> None:
        for sku, rate in self.per_device_year.items():
            if not (math.isfinite(rate) and rate >= 0):
                raise InvalidInput(f"skus.{sku}.afr_permille", f"must be >= 0, got {rate}")

    @classmethod
    def from_world(cls, world: DemoWorld, rate_scale: float = 1.0) -> FailureRates:
        """The catalogue's rates (per mille a year) times ``rate_scale``."""
        return cls({s.sku: s.afr_permille / 1000.0 * rate_scale for s in world.skus})

    def of(self, sku: str) -> float:
        """One device's failures a year; a device of unknown model (``"?"``) fails at the
        catalogue's mean rate.

        Raises
        ------
        InvalidInput
            For a SKU the catalogue does not have.
        """
        if sku == "?" and self.per_device_year:
            return sum(self.per_device_year.values()) / len(self.per_device_year)
        rate = self.per_device_year.get(sku)
        if rate is None:
            raise InvalidInput(f"sku {sku}", "not in the SKU catalogue")
        return rate

    def tickets_per_year(self, devices: Mapping[str, float]) -> float:
        """Expected tickets a year from ``devices`` (SKU -> installed count)."""
        return sum(count * self.of(sku) for sku, count in devices.items())


@dataclass(frozen=True, slots=True)
class ReturnLoop:
    """How long a spare sent out is missing from its shelf (see the module docstring)."""

    max_days: float = 7.0
    repair_days: float = 0.0
    transfer_days: float = 1.0

    def __post_init__(self) -> None:
        for name in ("max_days", "repair_days", "transfer_days"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput(f"returns.{name}", f"must be >= 0 days, got {value}")

    @property
    def mean_days(self) -> float:
        """Mean days from the replacement's delivery until a good unit is back on the shelf."""
        return self.max_days / 2 + self.repair_days + self.transfer_days

    def back_after_s(self, rng: np.random.Generator) -> int:
        """One drawn loop, in seconds."""
        days = rng.uniform(0, self.max_days) + self.repair_days + self.transfer_days
        return round(float(days) * DAY_S)


@dataclass(frozen=True, slots=True)
class InstalledBase:
    """Devices as parallel arrays over sites and SKUs (indices into ``sites`` and ``skus``)."""

    skus: tuple[str, ...]
    sites: tuple[str, ...]  # site ids
    device_serial: tuple[str, ...]
    device_site: NDArray[np.int64]  # (N,)
    device_sku: NDArray[np.int64]  # (N,)

    def __post_init__(self) -> None:
        n = len(self.device_serial)
        if len(self.device_site) != n or len(self.device_sku) != n:
            raise ValueError("device_serial, device_site and device_sku must have one length")

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
            sites=tuple(site_index),
            device_serial=tuple(d.serial for d in world.devices),
            device_site=np.array([site_index[d.site] for d in world.devices], dtype=np.int64),
            device_sku=np.array([sku_index[d.sku] for d in world.devices], dtype=np.int64),
        )

    def installed(self) -> NDArray[np.int64]:
        """Installed units per SKU."""
        counts: NDArray[np.int64] = np.bincount(self.device_sku, minlength=len(self.skus))
        return counts

    def expected_failures(self, days: int, rates: FailureRates) -> NDArray[np.float64]:
        """Mean failures per SKU over ``days`` days."""
        rate = np.array([rates.of(sku) for sku in self.skus], dtype=np.float64)
        expected: NDArray[np.float64] = self.installed() * rate * days / 365.0
        return expected


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


def own_stream(base: InstalledBase, profile: DemandProfile) -> NDArray[np.bool_]:
    """Per device: whether it is at one of ``profile.own_stream_sites``."""
    own = np.isin(np.array(base.sites), np.array(profile.own_stream_sites, dtype=str))
    mask: NDArray[np.bool_] = own[base.device_site] if len(base.sites) else own
    return mask


def own_generator(rng: np.random.Generator) -> np.random.Generator:
    """The own-stream sites' generator, a child of ``rng``'s seed (``rng``'s draws unchanged)."""
    seed_seq = rng.bit_generator.seed_seq
    assert isinstance(seed_seq, np.random.SeedSequence)
    return np.random.default_rng(seed_seq.spawn(1)[0])


def draw_failures(
    base: InstalledBase,
    rates: FailureRates,
    profile: DemandProfile,
    start: date,
    days: int,
    rng: np.random.Generator,
    own_rng: np.random.Generator | None = None,
) -> Failures:
    """Failures of ``base`` at ``rates`` over ``days`` days from ``start`` (see the module
    docstring; ``profile.rate_scale`` is already in ``rates``).

    The devices of ``profile.own_stream_sites`` fail on ``own_rng`` (default: a child of
    ``rng``'s seed) and the others on ``rng`` exactly as they would without those sites.
    """
    own = own_stream(base, profile)
    if not own.any():
        return _draw(base, rates, profile, start, days, rng)
    parts = []
    for mask, generator in ((~own, rng), (own, own_rng or own_generator(rng))):
        index = np.flatnonzero(mask)
        sub = InstalledBase(
            base.skus,
            base.sites,
            tuple(base.device_serial[i] for i in index),
            base.device_site[index],
            base.device_sku[index],
        )
        drawn = _draw(sub, rates, profile, start, days, generator)
        parts.append(Failures(index[drawn.device], drawn.submitted_s, drawn.accepted_s))
    device = np.concatenate([p.device for p in parts])
    submitted = np.concatenate([p.submitted_s for p in parts])
    accepted = np.concatenate([p.accepted_s for p in parts])
    order = np.lexsort((device, accepted))
    return Failures(device[order], submitted[order], accepted[order])


def _draw(
    base: InstalledBase,
    rates: FailureRates,
    profile: DemandProfile,
    start: date,
    days: int,
    rng: np.random.Generator,
) -> Failures:
    """:func:`draw_failures` on one stream."""
    if days <= 0:
        raise InvalidInput("days", f"must be > 0, got {days}")
    counts = rng.poisson(base.expected_failures(days, rates))
    devices_of = [np.flatnonzero(base.device_sku == k) for k in range(len(base.skus))]
    device = np.concatenate(
        [rng.choice(devices_of[k], size=int(n)) for k, n in enumerate(counts) if n > 0]
        or [np.zeros(0, dtype=np.int64)]
    ).astype(np.int64)
    total = len(device)
    day_list = [start + timedelta(days=d) for d in range(days)]
    weekday = np.array([profile.weekday[d.weekday()] for d in day_list], dtype=np.float64)
    day_of = rng.choice(days, size=total, p=weekday / weekday.sum())
    second, verify_min = _report_times(profile, total, rng)
    midnight = np.array([day_start_s(d) for d in day_list], dtype=np.int64)
    submitted = midnight[day_of] + second
    accepted = submitted + np.round(verify_min * 60).astype(np.int64)
    order = np.lexsort((device, accepted))
    return Failures(device[order], submitted[order].astype(np.int64), accepted[order])


def _report_times(
    profile: DemandProfile, count: int, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """When in its day each of ``count`` failures is reported (seconds after midnight, by the
    hour-of-day profile) and how long its verification takes (minutes)."""
    hourly = np.array(profile.hourly, dtype=np.float64)
    hour = rng.choice(24, size=count, p=hourly / hourly.sum())
    second = hour * 3600 + rng.integers(0, 3600, size=count)
    extra = rng.exponential(profile.verify_mean_extra_minutes, size=count)
    return second, np.minimum(profile.verify_min_minutes + extra, profile.verify_max_minutes)


@dataclass(frozen=True, slots=True)
class DayTicket:
    """A failure report of one device, with when it was submitted and accepted."""

    id: str
    device: DeviceRow
    site: SiteRow
    submitted_at: datetime
    accepted_at: datetime

    @property
    def tier(self) -> str:
        """The site's contract tier."""
        return self.site.tier

    @property
    def service(self) -> str:
        """AHB or SOS, from the site's contract."""
        return self.site.service

    def deadline(self) -> datetime:
        """The SLA deadline from acceptance (docs/rules.md §3)."""
        due = deadline_s(Tier.parse(self.tier), int(self.accepted_at.timestamp()))
        return datetime.fromtimestamp(due, WARSAW)


def draw_tickets(
    world: DemoWorld,
    day: date,
    count: int,
    rng: np.random.Generator,
    profile: DemandProfile = DemandProfile(),
) -> tuple[DayTicket, ...]:
    """``count`` failures of distinct devices on ``day``, ordered by acceptance (verification
    rounded to the minute).

    Raises
    ------
    ValueError
        When ``count`` is negative or exceeds the installed base.
    """
    if not 0 <= count <= len(world.devices):
        raise ValueError(f"count must be within [0, {len(world.devices)}], got {count}")
    afr = {s.sku: s.afr_permille for s in world.skus}
    weight = np.array([afr[d.sku] for d in world.devices], dtype=np.float64)
    chosen = rng.choice(len(world.devices), size=count, replace=False, p=weight / weight.sum())
    second, verify = _report_times(profile, count, rng)
    sites = {s.id: s for s in world.sites}
    midnight = datetime.combine(day, time(0, 0), WARSAW)
    drawn = []
    for k, device_index in enumerate(chosen):
        device = world.devices[int(device_index)]
        submitted = midnight + timedelta(seconds=int(second[k]))
        accepted = submitted + timedelta(minutes=round(float(verify[k])))
        drawn.append((accepted, submitted, device))
    drawn.sort(key=lambda x: (x[0], x[2].serial))
    return tuple(
        DayTicket(f"T{i + 1:03d}", device, sites[device.site], submitted, accepted)
        for i, (accepted, submitted, device) in enumerate(drawn)
    )
