"""Where to put depots: candidate towns and demand points in, named depots out.

The adapter around :mod:`solver.placement` (the core works on matrices only). It builds the
candidate list (Polish towns), the demand points (an installed-base CSV, or a seeded
population-weighted sample of localities), asks a travel model for the road times and distances
from every candidate to every point, turns them into the matrix each model needs, and maps the
chosen columns back to towns.

Rules chosen here (see ``docs/planning.md``):

* Candidates are the ``count`` most populous places of GeoNames ``cities500`` (city districts
  dropped), a proxy for Poland's ~1,000 towns, which the data does not flag.
* A depot *covers* a point for a tier when pick-and-pack (``handling_s``) plus the road time is
  within the tier's hour target: the dedicated car or the engineer leaves the depot after
  pick-and-pack and drives straight there. NBD tiers are met by parcel courier from any depot,
  so they do not constrain placement and are refused for the covering models.
* slacost is fixed-charge with every device of the tier within its target (a penalty above a
  depot's cost on serving such a site from beyond reach), the least-cost network meeting the SLA.
* p-median minimises device-weighted road time; fixed-charge minimises a year's depot costs plus
  a year's dedicated-transport trips (there and back, per km and per hour), one per expected
  ticket from the demand model's failure rates (:class:`depots.demand.FailureRates`).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from depots.demand import FailureRates
from dispatch.errors import DispatchError, Infeasible, InvalidInput, NotFound
from dispatch.inputs import CsvRow, read_csv
from dispatch.places import dwarfs
from dispatch.tiers import Tier
from solver.placement import (
    BoolArray,
    PlacementInfeasibleError,
    PlacementResult,
    PlacementStatus,
    fixed_charge,
    max_cover,
    p_median,
    set_cover,
)
from solver.travel.model import TravelModel

LOCALITIES_CSV = (
    Path(__file__).resolve().parent.parent / "data/geo/localities/pl_cities500_geonames.csv"
)
DEMO_DIR = Path(__file__).resolve().parent.parent / "data/demo"
DEPOT_COST_PLN_YEAR = 150_000  # assumed: rent, staff share and stock handling of one depot
MODELS = ("maxcover", "setcover", "pmedian", "fixedcost", "slacost")


@dataclass(frozen=True, slots=True)
class Town:
    """A candidate depot site."""

    name: str
    lat: float
    lon: float
    voivodeship: str
    population: int

    def __post_init__(self) -> None:
        _check_point("town", self.lat, self.lon)
        if self.population < 0:
            raise InvalidInput("town.population", f"must be >= 0, got {self.population}")


@dataclass(frozen=True, slots=True)
class DemandPoint:
    """A customer site; ``devices`` weighs it in every model."""

    site_id: str
    lat: float
    lon: float
    devices: int
    tier: str | None = None  # the site's service tier, when known

    def __post_init__(self) -> None:
        _check_point(f"demand {self.site_id}", self.lat, self.lon)
        if self.devices < 1:
            raise InvalidInput(
                f"demand {self.site_id}.devices", f"must be >= 1, got {self.devices}"
            )


@dataclass(frozen=True, slots=True)
class PlacementParams:
    """Costs and times that turn road matrices into model inputs (defaults are assumptions)."""

    handling_s: int = 1800  # pick-and-pack and hand-over before the car leaves
    depot_cost_pln_year: int = DEPOT_COST_PLN_YEAR
    car_gr_per_km: int = 120  # dedicated transport, per km driven
    driver_gr_per_hour: int = 6_000  # dedicated transport, per hour driven
    time_limit_s: float = 60.0

    def __post_init__(self) -> None:
        checks = {
            "handling_s": self.handling_s >= 0,
            "depot_cost_pln_year": self.depot_cost_pln_year >= 0,
            "car_gr_per_km": self.car_gr_per_km >= 0,
            "driver_gr_per_hour": self.driver_gr_per_hour >= 0,
            "time_limit_s": self.time_limit_s > 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise InvalidInput(f"params.{name}", f"out of range: {getattr(self, name)}")


@dataclass(frozen=True, slots=True)
class DepotLayout:
    """A placement with towns instead of indices, and the figures a planner reads."""

    model: str
    tier: str | None
    depots: tuple[Town, ...]
    devices_served: tuple[int, ...]  # per depot: devices whose nearest (or covering) depot it is
    result: PlacementResult
    devices_total: int
    devices_in_tier: int | None  # devices at sites of the tier (all when sites have no tier)
    devices_covered: int | None  # of those, within the tier's target from a chosen depot
    mean_travel_s: float  # device-weighted road time from the serving depot
    assignment: tuple[int, ...] = field(repr=False)  # per demand point: index into ``depots``
    travel_s: tuple[int, ...] = field(repr=False, default=())  # per point: from its depot
    radius_s: int | None = None  # road time within which a depot covers the tier
    note: str = ""  # what the planner should know about the answer (e.g. extra depots)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        r = self.result
        return {
            "model": self.model,
            "tier": self.tier,
            "status": str(r.status),
            "objective": r.objective,
            "bound": r.bound,
            "gap": r.gap,
            "runtime_s": round(r.runtime_s, 3),
            "engine": r.engine,
            "devices_total": self.devices_total,
            "devices_in_tier": self.devices_in_tier,
            "devices_covered": self.devices_covered,
            "mean_travel_min": round(self.mean_travel_s / 60, 1),
            "note": self.note,
            "depots": [
                {
                    "name": t.name,
                    "voivodeship": t.voivodeship,
                    "lat": t.lat,
                    "lon": t.lon,
                    "devices_served": n,
                }
                for t, n in zip(self.depots, self.devices_served, strict=True)
            ],
        }


def _check_point(what: str, lat: float, lon: float) -> None:
    # A generous box around Poland: catches swapped or garbled coordinates.
    if not (48.5 <= lat <= 55.5 and 13.5 <= lon <= 24.5):
        raise InvalidInput(f"{what}.lat/lon", f"({lat}, {lon}) is not in Poland")


def _localities(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["city_district_guess"] == "0"]
    rows.sort(key=lambda r: -int(r["population"]))
    return rows


def candidate_towns(
    count: int = 1000, *, path: Path = LOCALITIES_CSV, field: str = "candidates"
) -> tuple[Town, ...]:
    """The ``count`` most populous places (city districts dropped), largest first.

    Raises
    ------
    InvalidInput
        When ``count`` is not between 1 and the number of places.
    """
    rows = _localities(path)
    if not 1 <= count <= len(rows):
        raise InvalidInput(field, f"must be between 1 and {len(rows)}, got {count}")
    return tuple(
        Town(
            name=r["name_pl"],
            lat=float(r["latitude"]),
            lon=float(r["longitude"]),
            voivodeship=r["voivodeship"],
            population=int(r["population"]),
        )
        for r in rows[:count]
    )


@dataclass(frozen=True, slots=True)
class CustomerSites:
    """Customer sites and, per site, how many devices of each SKU it has (expected counts when
    the mix is only known as shares)."""

    points: tuple[DemandPoint, ...]
    sku_counts: Mapping[str, Mapping[str, float]]  # site_id -> sku -> devices
    source: str

    def __post_init__(self) -> None:
        if not self.points:
            raise InvalidInput("installed_base", f"{self.source} has no sites")
        ids = [p.site_id for p in self.points]
        if len(set(ids)) != len(ids):
            raise InvalidInput("installed_base", f"{self.source} repeats site ids")

    def tickets_per_year(self, rates: FailureRates) -> tuple[float, ...]:
        """Expected tickets a year at each point, from the demand model's failure rates."""
        return tuple(
            rates.tickets_per_year(self.sku_counts.get(p.site_id, {})) for p in self.points
        )


def sample_installed_base(
    count: int,
    rng: np.random.Generator,
    *,
    sku_shares: Mapping[str, float] | None = None,
    devices_per_site: int = 4,
    spread_km: float = 3.0,
    path: Path = LOCALITIES_CSV,
) -> CustomerSites:
    """``count`` customer sites drawn from localities with probability proportional to
    population, each moved by a normal offset of ``spread_km`` so that sites in one city differ.
    Each site's devices split over ``sku_shares`` in proportion (expected counts).

    Raises
    ------
    InvalidInput
        When ``count`` or ``devices_per_site`` is below 1.
    """
    if count < 1:
        raise InvalidInput("demand_points", f"must be >= 1, got {count}")
    if devices_per_site < 1:
        raise InvalidInput("devices_per_site", f"must be >= 1, got {devices_per_site}")
    rows = _localities(path)
    pop = np.array([float(r["population"]) for r in rows])
    lat = np.array([float(r["latitude"]) for r in rows])
    lon = np.array([float(r["longitude"]) for r in rows])
    pick = rng.choice(len(rows), size=count, p=pop / pop.sum())
    dlat = rng.normal(0.0, spread_km / 111.0, count)
    dlon = rng.normal(0.0, spread_km / (111.0 * np.cos(np.radians(lat[pick]))), count)
    points = tuple(
        DemandPoint(
            f"S{i:05d}",
            round(float(lat[p] + a), 5),
            round(float(lon[p] + b), 5),
            devices_per_site,
        )
        for i, (p, a, b) in enumerate(zip(pick, dlat, dlon, strict=True))
    )
    shares = dict(sku_shares or {})
    total = sum(shares.values())
    mix = {k: devices_per_site * v / total for k, v in shares.items()} if total else {}
    return CustomerSites(points, {p.site_id: mix for p in points}, f"{count} sampled sites")


class _BaseRow(CsvRow):
    """A row of an installed-base CSV: a site's place and how many devices of a SKU it has."""

    lat: float
    lon: float
    site_id: str | None = None
    devices: int = Field(default=1, ge=1)
    sku: str = "?"
    tier: str | None = None


class _DemoSite(CsvRow):
    id: str
    lat: float
    lon: float
    tier: str


class _DemoDevice(CsvRow):
    site: str
    sku: str


def load_installed_base(path: Path) -> CustomerSites:
    """Customer sites from one CSV with columns ``lat`` and ``lon`` and optional ``site_id``,
    ``devices`` (default 1 per row, so a one-row-per-device export works as it is), ``sku`` and
    ``tier``. Rows of the same site (same ``site_id``, else same coordinates) are summed.

    Raises
    ------
    InvalidInput
        Naming the file, line and column of each bad value.
    """
    rows = read_csv(_BaseRow, path, required=("lat", "lon"), field="installed_base")
    where: dict[str, tuple[float, float, str | None]] = {}
    counts: dict[str, dict[str, float]] = {}
    for row in rows:
        key = row.site_id or f"{row.lat:.5f},{row.lon:.5f}"
        where.setdefault(key, (row.lat, row.lon, row.tier))
        mix = counts.setdefault(key, {})
        mix[row.sku] = mix.get(row.sku, 0.0) + row.devices
    points = tuple(
        DemandPoint(k, lat, lon, round(sum(counts[k].values())), tier)
        for k, (lat, lon, tier) in where.items()
    )
    return CustomerSites(points, counts, str(path))


def load_demo_installed_base(directory: Path = DEMO_DIR) -> CustomerSites:
    """The demo world's sites (``sites.csv``: id, lat, lon, tier) and their devices
    (``devices.csv``: serial, site, sku); sites without devices are left out.

    Raises
    ------
    InvalidInput
        On a missing file or column, a bad coordinate, or a device at an unknown site.
    """
    sites = read_csv(
        _DemoSite, directory / "sites.csv", required=_DemoSite.model_fields, field="installed_base"
    )
    devices = read_csv(
        _DemoDevice,
        directory / "devices.csv",
        required=_DemoDevice.model_fields,
        field="installed_base",
    )
    counts: dict[str, dict[str, float]] = {s.id: {} for s in sites}
    for line, device in enumerate(devices, start=2):
        mix = counts.get(device.site)
        if mix is None:
            raise InvalidInput(f"devices.csv:{line}.site", f"unknown site {device.site!r}")
        mix[device.sku] = mix.get(device.sku, 0.0) + 1.0
    points = tuple(
        DemandPoint(s.id, s.lat, s.lon, round(sum(counts[s.id].values())), s.tier)
        for s in sites
        if counts[s.id]
    )
    return CustomerSites(points, counts, str(directory))


def _indices(names: Sequence[str], towns: Sequence[Town], what: str) -> list[int]:
    return [town_index(name, towns, what) for name in names]


def town_index(name: str, towns: Sequence[Town], what: str) -> int:
    """The index of the candidate ``name`` means: ``"Town"`` (among namesakes, one that dwarfs the
    others, as the gazetteer decides), or ``"Town (voivodeship)"``.

    Raises
    ------
    NotFound
        No candidate town has the name.
    InvalidInput
        Several do and none dwarfs the others; the message, under ``what``, lists them.
    """
    town, _, region = name.strip().partition("(")
    town, region = town.strip().casefold(), region.removesuffix(")").strip().casefold()
    hits = [
        i
        for i, t in enumerate(towns)
        if t.name.casefold() == town and region in ("", t.voivodeship.casefold())
    ]
    if not hits:
        raise NotFound(f"{what} town (not among the {len(towns)} candidates)", name)
    hits.sort(key=lambda i: -towns[i].population)
    if len(hits) > 1 and not dwarfs(
        towns[hits[0]].population, [towns[i].population for i in hits[1:]]
    ):
        options = "; ".join(
            f"{towns[i].name} ({towns[i].voivodeship}, {towns[i].population:,} people)"
            for i in hits
        )
        regions = {towns[i].voivodeship for i in hits}
        hint = (
            "write 'Town (voivodeship)'"
            if len(regions) == len(hits)
            else "they share a voivodeship: choose a neighbouring town"
        )
        raise InvalidInput(what, f"{name!r} is {len(hits)} candidate towns: {options}; {hint}")
    return hits[0]


def _points(items: Sequence[Town] | Sequence[DemandPoint]) -> NDArray[np.float64]:
    return np.array([[p.lat, p.lon] for p in items], dtype=np.float64).reshape(-1, 2)


def coverage_radius_s(tier: Tier, params: PlacementParams) -> int:
    """Road seconds within which a depot meets the tier: the target less pick-and-pack.

    Raises
    ------
    InvalidInput
        For NBD tiers (met by courier from anywhere) and targets shorter than pick-and-pack.
    """
    if tier.is_nbd:
        raise InvalidInput(
            "tier", f"{tier} is met by parcel courier from any depot; give an hour target"
        )
    radius = tier.target_s - params.handling_s
    if radius <= 0:
        raise InvalidInput("tier", f"{tier} leaves no driving time after {params.handling_s} s")
    return radius


def place_depots(
    model: str,
    towns: Sequence[Town],
    demand: Sequence[DemandPoint],
    travel: TravelModel,
    *,
    k: int | None = None,
    tier: Tier | None = None,
    params: PlacementParams | None = None,
    forced_open: Sequence[str] = (),
    forced_closed: Sequence[str] = (),
    tickets_per_year: Sequence[float] | None = None,
) -> DepotLayout:
    """Choose depot towns with one of the four models.

    ``tickets_per_year`` (per demand point, from the demand model's failure rates) is required
    by fixedcost, which pays a dedicated round trip per ticket.

    ``k`` is required by maxcover and pmedian, ``tier`` by maxcover and setcover (it also adds
    the covered share to the others' figures). When sites carry tiers, the covering models count
    only the sites of ``tier``: a 4-hour target binds 4-hour contracts, not NBD ones.
    ``forced_open`` / ``forced_closed`` are town names among ``towns`` (existing depots that
    stay, towns ruled out).

    Raises
    ------
    InvalidInput
        Unknown model, a missing ``k`` or ``tier``, or an out-of-range argument.
    NotFound
        A forced town that is not a candidate.
    Infeasible
        setcover when some demand points are out of reach of every allowed town.
    """
    params = params or PlacementParams()
    if model not in MODELS:
        raise InvalidInput("model", f"must be one of {', '.join(MODELS)}, got {model!r}")
    if not towns or not demand:
        raise InvalidInput("demand" if towns else "candidates", "must not be empty")
    fo = _indices(forced_open, towns, "forced_open")
    fc = _indices(forced_closed, towns, "forced_closed")
    both = sorted(set(fo) & set(fc))
    if both:
        raise InvalidInput("forced_closed", f"{towns[both[0]].name} is also forced open")
    seconds, metres = travel.matrix(_points(towns), _points(demand))
    cost_s, cost_m = seconds.T, metres.T  # (demand, sites)
    devices = np.array([p.devices for p in demand], dtype=np.int64)
    radius = None if tier is None else coverage_radius_s(tier, params)
    in_tier = _in_tier(demand, tier)
    if not in_tier.any():
        present = sorted({p.tier for p in demand if p.tier is not None})
        raise InvalidInput("tier", f"no site has tier {tier} (sites have {', '.join(present)})")
    limit = params.time_limit_s
    try:
        if model in ("maxcover", "setcover"):
            if radius is None:
                raise InvalidInput("tier", f"{model} needs a tier whose target defines coverage")
            covers = cost_s <= radius
            if model == "setcover":  # points of other tiers need no cover
                result = set_cover(
                    covers | ~in_tier[:, None],
                    forced_open=fo,
                    forced_closed=fc,
                    time_limit_s=limit,
                )
            else:
                result = max_cover(
                    covers,
                    devices * in_tier,
                    _need_k(model, k),
                    forced_open=fo,
                    forced_closed=fc,
                    time_limit_s=limit,
                )
        elif model == "pmedian":
            result = p_median(
                cost_s,
                devices,
                _need_k(model, k),
                forced_open=fo,
                forced_closed=fc,
                time_limit_s=limit,
            )
        else:
            if tickets_per_year is None or len(tickets_per_year) != len(demand):
                raise InvalidInput("tickets_per_year", f"{model} needs one figure per site")
            trips = trip_cost_gr(cost_s, cost_m, np.asarray(tickets_per_year), params)
            hint: tuple[int, ...] = ()
            if model == "slacost":
                if radius is None:
                    raise InvalidInput("tier", "slacost needs a tier whose target must be met")
                cheapest = float(trips.min(axis=1).sum())
                trips = _beyond_reach_penalised(trips, cost_s > radius, in_tier, fc, params)
                covering = (cost_s <= radius) | ~in_tier[:, None]
                fewest = set_cover(covering, forced_open=fo, forced_closed=fc, time_limit_s=limit)
                hint = fewest.chosen
            result = fixed_charge(
                trips,
                np.ones(len(demand), dtype=np.int64),
                np.full(len(towns), params.depot_cost_pln_year * 100, dtype=np.int64),
                forced_open=fo,
                forced_closed=fc,
                time_limit_s=limit,
                hint=hint,
            )
            if model == "slacost":  # the fewest depots meeting the SLA, each site's cheapest trip
                least = fewest.bound * params.depot_cost_pln_year * 100 + cheapest
                result = _with_bound(result, least)
    except PlacementInfeasibleError as exc:
        names = ", ".join(demand[i].site_id for i in exc.rows[:5])
        raise Infeasible(
            [
                f"{len(exc.rows)} demand points are out of reach of every allowed "
                f"town within {tier} (e.g. {names})"
            ]
        ) from exc
    except DispatchError:
        raise
    except ValueError as exc:
        raise InvalidInput("placement", str(exc)) from exc
    if not result.chosen:  # maxcover with nothing in reach opens nothing
        raise Infeasible([f"no {tier} site is within {radius} s of road of any allowed town"])
    note = ""
    if model == "maxcover" and radius is not None:
        allowed = np.ones(len(towns), dtype=bool)
        allowed[fc] = False
        covering = cost_s <= radius
        chosen, note = nearest_among_ties(
            covering, devices * in_tier, cost_s * devices[:, None], result.chosen, fo, allowed, k
        )
        result = dataclasses.replace(result, chosen=chosen)
    layout = _layout(model, tier, towns, devices, in_tier, cost_s, radius, result)
    return dataclasses.replace(layout, note=note)


def nearest_among_ties(
    covers: BoolArray,
    weight: NDArray[np.int64],
    travel: NDArray[np.int64],
    chosen: Sequence[int],
    fixed: Sequence[int],
    allowed: BoolArray,
    k: int | None,
) -> tuple[tuple[int, ...], str]:
    """Among layouts covering as much as ``chosen``, one with less weighted travel, k sites.

    Covering models are indifferent between sites that cover the same points (so the solver's
    pick among them is arbitrary); here each free site is swapped for the one that keeps the
    covered weight and cuts the device-weighted road time most, until no swap helps. When the
    optimum covers everything with fewer than ``k`` sites, the remaining ones are added where
    they cut road time most: ``k`` means ``k``, and the note says the extra sites add no cover.
    """
    current = list(chosen)
    target = int(weight[covers[:, current].any(axis=1)].sum())
    extra = max((k or 0) - len(current), 0)
    for _ in range(extra):
        near = travel[:, current].min(axis=1)
        totals = np.minimum(travel, near[:, None]).sum(axis=0).astype(np.float64)
        totals[~allowed | np.isin(np.arange(totals.size), current)] = np.inf
        current.append(int(np.argmin(totals)))
    for _ in range(50):  # swaps strictly lower the travel: this bounds a run that never ends
        improved = False
        for j in [c for c in current if c not in set(fixed)]:
            others = [c for c in current if c != j]
            cover_rest = covers[:, others].any(axis=1) if others else np.zeros(len(weight), bool)
            gains = (weight * ~cover_rest) @ covers  # covered weight each site would add back
            keeps = (int(weight[cover_rest].sum()) + gains >= target) & allowed
            keeps[current] = False
            near = travel[:, others].min(axis=1) if others else np.full(len(weight), 2**62)
            totals = np.minimum(travel, near[:, None]).sum(axis=0).astype(np.float64)
            now = float(np.minimum(travel[:, j], near).sum())
            totals[~keeps] = np.inf
            best = int(np.argmin(totals))
            if totals[best] < now - 1e-9:
                current[current.index(j)] = best
                improved = True
        if not improved:
            break
    note = ""
    if extra:
        opened = (
            "1 depot already covers" if len(chosen) == 1 else f"{len(chosen)} depots already cover"
        )
        rest = "the other one adds" if extra == 1 else f"the other {extra} add"
        placed = "is" if extra == 1 else "are"
        note = (
            f"{opened} every coverable site of the tier; {rest} no cover and {placed} placed "
            "to shorten road times"
        )
    return tuple(sorted(current)), note


def _with_bound(result: PlacementResult, bound: float) -> PlacementResult:
    """``result`` with the better of its lower bound and ``bound`` (gap and status to match)."""
    best = min(max(result.bound, math.ceil(bound - 1e-6)), result.objective)
    gap = abs(result.objective - best) / max(abs(result.objective), 1.0)
    status = PlacementStatus.OPTIMAL if gap < 1e-9 else PlacementStatus.FEASIBLE
    return dataclasses.replace(result, bound=float(best), gap=gap, status=status)


def _beyond_reach_penalised(
    trips: NDArray[np.int64],
    beyond: BoolArray,
    in_tier: BoolArray,
    closed: Sequence[int],
    params: PlacementParams,
) -> NDArray[np.int64]:
    """Trip costs where serving a tier's site from beyond its reach costs more than opening a
    depot within reach could: the fixed-charge optimum then meets the tier everywhere.

    A layout leaving a site beyond reach is never cheapest: opening a depot within reach of it
    adds at most one depot's cost and that site's trip, less than the penalty.

    Raises
    ------
    PlacementInfeasibleError
        When a site of the tier has no town within reach that may open.
    """
    far = beyond & in_tier[:, None]
    allowed = np.ones(trips.shape[1], dtype=bool)
    allowed[list(closed)] = False
    lost = np.flatnonzero(in_tier & far[:, allowed].all(axis=1))
    if lost.size:
        raise PlacementInfeasibleError("slacost: sites beyond reach", lost.tolist())
    penalty = params.depot_cost_pln_year * 100 + int(trips.max()) + 1
    return np.where(far, trips + penalty, trips)


def _need_k(model: str, k: int | None) -> int:
    if k is None:
        raise InvalidInput("k", f"{model} needs the number of depots")
    return k


def _in_tier(demand: Sequence[DemandPoint], tier: Tier | None) -> BoolArray:
    """Points that count for ``tier``: all when the tier or a point's tier is not given."""
    if tier is None:
        return np.ones(len(demand), dtype=bool)
    name = str(tier)
    return np.array(
        [
            p.tier is None or str(Tier.parse(p.tier, field=f"{p.site_id}.tier")) == name
            for p in demand
        ],
        dtype=bool,
    )


def trip_cost_gr(
    seconds: NDArray[np.int64],
    metres: NDArray[np.int64],
    tickets_per_year: NDArray[np.float64],
    params: PlacementParams,
) -> NDArray[np.int64]:
    """A year's dedicated-transport cost per site (rows): its tickets x a round trip, grosze."""
    trip = 2 * (metres * params.car_gr_per_km / 1000 + seconds * params.driver_gr_per_hour / 3600)
    return np.rint(trip * tickets_per_year[:, None]).astype(np.int64)


def _layout(
    model: str,
    tier: Tier | None,
    towns: Sequence[Town],
    devices: NDArray[np.int64],
    in_tier: BoolArray,
    cost_s: NDArray[np.int64],
    radius: int | None,
    result: PlacementResult,
) -> DepotLayout:
    cols = np.asarray(result.chosen, dtype=np.intp)
    sub = cost_s[:, cols]
    nearest = np.argmin(sub, axis=1)
    travel = sub[np.arange(sub.shape[0]), nearest]
    served = np.bincount(nearest, weights=devices, minlength=cols.size).astype(np.int64)
    reached = (sub <= radius).any(axis=1) if radius is not None else None
    covered = None if reached is None else int(devices[reached & in_tier].sum())
    return DepotLayout(
        model=model,
        tier=None if tier is None else str(tier),
        depots=tuple(towns[int(j)] for j in cols),
        devices_served=tuple(int(v) for v in served),
        result=result,
        devices_total=int(devices.sum()),
        devices_in_tier=None if radius is None else int(devices[in_tier].sum()),
        devices_covered=covered,
        mean_travel_s=float((travel * devices).sum() / devices.sum()),
        assignment=tuple(int(v) for v in nearest),
        travel_s=tuple(int(v) for v in travel),
        radius_s=radius,
    )
