"""Can the network meet a tier at a prospective customer's sites, and what would make it?

For each site, tier and device model of the site, the question is asked of the network as the
simulation prepares it (:func:`depots.simulation.prepare`: depots with their pick-and-pack
times, drivers and stock, engineers with homes, skills, shifts, on-call and van stock), with
road times from the configured travel model and the engine's own arrival rules
(:mod:`solver.candidates`):

- **AHB** (the part is delivered): a dedicated car leaves a depot holding the SKU (or a
  substitute) after pick-and-pack and drives straight to the site; NBD tiers go by parcel from
  any depot holding it.
- **SOS** (an engineer brings it): an engineer with the SKU's skill collects it at a depot on the
  way (the depot packs while the engineer drives there), brings it from the van, or is met on
  site by a dedicated car.
- **The window**: a 24x7 hour tier must be met at night and at weekends too, which only on-call
  engineers cover (rule §5), so its SOS sites need an on-call engineer within reach; an 8x5 or
  NBD visit and the drive home must fit in the engineer's shift.

A site is reachable for a tier when every device model of it can arrive within the tier's hour
target (for NBD: on the next business day at all). When not, the binding reason is named and
the changes *within limits* that would make it reachable are priced, a year each:

- a unit of the SKU at an existing depot (holding: unit value x holding rate);
- an engineer based in one of the candidate towns (the 1,000 most populous places, as for depot
  placement), with the skill, on call for 24x7 tiers, carrying a unit when no depot is near;
- a dedicated driver at an existing depot that has none.

A site that only a new depot could serve has no change within the limits. The cheapest change
per device model is listed first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from depots.placement import Town
from depots.quote_sites import QuoteSite
from depots.simulation import Network
from dispatch.tiers import Tier
from dispatch.world import Service
from solver.travel.model import TravelModel

# Assumptions for the price of a change, a year (PLN); shown in the report's assumptions.
ENGINEER_PLN_YEAR = 260_000.0  # a field engineer: 251 business days x 8 h x ~130 zł/h
DRIVER_PLN_YEAR = 110_000.0  # a dedicated driver and car on standby
NEW_ENGINEER_SHIFT_S = 8 * 3600  # 08:00-16:00
NBD_LIMIT_S = 24 * 3600  # an NBD visit: any time in a working day (the shift limits it)
I64 = NDArray[np.int64]
FAR = np.int64(2**40)


@dataclass(frozen=True, slots=True)
class Change:
    """One change that makes a site reachable, with its cost a year."""

    kind: str  # stock | engineer | driver
    text: str  # "a unit of AP3000 at BIA", "an engineer based in Sanok (wireless, on call)"
    cost_pln_year: float
    arrival_min: float  # the best arrival once made
    town: str = ""  # an engineer's base
    skills: tuple[str, ...] = ()  # an engineer's skills
    carries: tuple[str, ...] = ()  # SKUs of an engineer's van units
    on_call: bool = False
    units_pln_year: float = 0.0  # holding the van units, included in the cost

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "kind": self.kind,
            "change": self.text,
            "cost_pln_year": round(self.cost_pln_year, 2),
            "arrival_min": round(self.arrival_min, 1),
        }


@dataclass(frozen=True, slots=True)
class ModelVerdict:
    """One device model of a site under one tier."""

    sku: str
    reachable: bool
    arrival_min: float | None  # the best arrival, None when there is no way at all
    via: str  # how the best arrival comes ("dedicated car from BIA")
    reason: str  # the binding reason when not reachable ("" when it is)
    fixes: tuple[Change, ...] = ()  # cheapest first; empty: no change within the limits


@dataclass(frozen=True, slots=True)
class SiteVerdict:
    """A site under one tier: reachable or not, why, and what would make it."""

    site: QuoteSite
    tier: str
    models: tuple[ModelVerdict, ...]

    @property
    def reachable(self) -> bool:
        """Every device model of the site can arrive within the tier."""
        return all(m.reachable for m in self.models)

    @property
    def fixable(self) -> bool:
        """Not reachable, but a change within the limits makes every model reachable."""
        return not self.reachable and all(m.reachable or m.fixes for m in self.models)

    @property
    def status(self) -> str:
        """``reachable``, ``with a change`` or ``not within limits``."""
        if self.reachable:
            return "reachable"
        return "with a change" if self.fixable else "not within limits"

    @property
    def reason(self) -> str:
        """The binding reasons of the models that miss, one sentence each."""
        return "; ".join(f"{m.sku}: {m.reason}" for m in self.models if not m.reachable)

    @property
    def changes(self) -> tuple[Change, ...]:
        """The cheapest change per missing model, without repeats; engineers asked for in one
        town are one engineer with every skill asked for (and the van units)."""
        picked = {m.fixes[0].text: m.fixes[0] for m in self.models if not m.reachable and m.fixes}
        out = [c for c in picked.values() if c.kind != "engineer"]
        towns: dict[str, list[Change]] = {}
        for change in picked.values():
            if change.kind == "engineer":
                towns.setdefault(change.town, []).append(change)
        for town, same in towns.items():
            if len(same) == 1:
                out.append(same[0])
                continue
            skills = tuple(sorted({k for c in same for k in c.skills}))
            carries = tuple(k for c in same for k in c.carries)
            units = sum(c.units_pln_year for c in same)
            out.append(
                Change(
                    "engineer",
                    engineer_text(town, skills, same[0].on_call, carries),
                    same[0].cost_pln_year - same[0].units_pln_year + units,
                    max(c.arrival_min for c in same),
                    town,
                    skills,
                    carries,
                    same[0].on_call,
                    units,
                )
            )
        return tuple(out)

    @property
    def arrival_min(self) -> float | None:
        """The slowest model's best arrival (None when a model has no way)."""
        times = [m.arrival_min for m in self.models]
        return None if any(t is None for t in times) else max(t for t in times if t is not None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        arrival = self.arrival_min
        return {
            "status": self.status,
            "reachable": self.reachable,
            "arrival_min": None if arrival is None else round(arrival, 1),
            "reason": self.reason,
            "changes": [c.to_dict() for c in self.changes],
            "change_cost_pln_year": round(sum(c.cost_pln_year for c in self.changes), 2),
            "models": [
                {
                    "sku": m.sku,
                    "reachable": m.reachable,
                    "arrival_min": None if m.arrival_min is None else round(m.arrival_min, 1),
                    "via": m.via,
                    "reason": m.reason,
                    "fixes": [c.to_dict() for c in m.fixes],
                }
                for m in self.models
            ],
        }


@dataclass(frozen=True, slots=True)
class Reach:
    """Road seconds among the sites, the depots, the engineers' homes and the candidate towns.

    Build with :meth:`measure`; one matrix call per direction, shared by every tier.
    """

    depot_site: I64  # (D, S)
    home_depot: I64  # (E, D)
    home_site: I64  # (E, S)
    site_home: I64  # (S, E)
    town_depot: I64  # (T, D)
    town_site: I64  # (T, S)
    site_town: I64  # (S, T)

    @classmethod
    def measure(
        cls,
        net: Network,
        sites: Sequence[QuoteSite],
        towns: Sequence[Town],
        travel: TravelModel,
    ) -> Reach:
        """The road matrices for ``sites`` against ``net``'s depots and homes and ``towns``."""
        depots = _points([net.places[d.location] for d in net.depots])
        homes = _points([net.places[e.home] for e in net.engineers])
        where = _points(sites)
        town_pts = _points(towns)
        sources = np.vstack([depots, homes, town_pts])
        to_sites, _ = travel.matrix(sources, where)
        from_sites, _ = travel.matrix(where, np.vstack([homes, town_pts]))
        to_depots, _ = travel.matrix(np.vstack([homes, town_pts]), depots)
        n_d, n_e = len(depots), len(homes)
        return cls(
            depot_site=to_sites[:n_d],
            home_depot=to_depots[:n_e],
            home_site=to_sites[n_d : n_d + n_e],
            site_home=from_sites[:, :n_e],
            town_depot=to_depots[n_e:],
            town_site=to_sites[n_d + n_e :],
            site_town=from_sites[:, n_e:],
        )


def _points(items: Sequence[Any]) -> NDArray[np.float64]:
    return np.array([[p.lat, p.lon] for p in items], dtype=np.float64).reshape(-1, 2)


@dataclass(frozen=True, slots=True)
class Prices:
    """What a change costs a year."""

    unit_pln_year: Mapping[str, float]  # SKU -> holding one unit a year
    engineer_pln_year: float = ENGINEER_PLN_YEAR
    driver_pln_year: float = DRIVER_PLN_YEAR


@dataclass(frozen=True, slots=True)
class _Need:
    """One device model at one site under one tier, in arrays over depots and engineers."""

    s: int  # site index
    sku: str
    limit_s: int  # arrival within this
    nbd: bool
    sos: bool
    onsite_s: int
    stock: I64  # (D,) usable units per depot (the SKU or a substitute)
    van: NDArray[np.bool_]  # (E,)
    skill: NDArray[np.bool_]  # (E,) certified for the family
    allowed: NDArray[np.bool_]  # (E,) may serve the tier's window (on call for 24x7 hours)
    shift_s: I64  # (E,) shift length: an 8x5/NBD visit and the drive home fit in it
    round_the_clock: bool
    family: str = field(default="")


class Quoter:
    """Verdicts for sites and tiers against one prepared network (module docstring)."""

    def __init__(
        self,
        net: Network,
        sites: Sequence[QuoteSite],
        towns: Sequence[Town],
        reach: Reach,
        prices: Prices,
    ) -> None:
        self.net, self.sites, self.towns, self.reach, self.prices = (
            net,
            tuple(sites),
            tuple(towns),
            reach,
            prices,
        )
        self.pick_s = np.array([d.pick_minutes * 60 for d in net.depots], dtype=np.int64)
        self.drivers = np.array([d.drivers for d in net.depots], dtype=np.int64)
        self.on_call = np.array([e.on_call for e in net.engineers], dtype=np.bool_)
        self.shift_s = np.array(
            [_seconds(e.shift[1]) - _seconds(e.shift[0]) for e in net.engineers], dtype=np.int64
        )

    def verdicts(self, tier: Tier) -> tuple[SiteVerdict, ...]:
        """Every site under ``tier``."""
        return tuple(
            SiteVerdict(
                site,
                str(tier),
                tuple(self._model(self._need(s, sku, tier)) for sku in sorted(site.devices)),
            )
            for s, site in enumerate(self.sites)
        )

    def _need(self, s: int, sku: str, tier: Tier) -> _Need:
        net = self.net
        usable = (sku, *net.skus[sku].substitutes)
        family = net.skus[sku].family
        stock = sum((net.stock[k] for k in usable if k in net.stock), np.zeros(len(net.depots)))
        van = sum((net.van[k] for k in usable if k in net.van), np.zeros(len(net.engineers)))
        round_the_clock = tier.window.always_open and not tier.is_nbd
        skill = np.array([family in e.skills for e in net.engineers], dtype=np.bool_)
        return _Need(
            s=s,
            sku=sku,
            limit_s=NBD_LIMIT_S if tier.is_nbd else tier.target_s,
            nbd=tier.is_nbd,
            sos=self.sites[s].service is Service.SOS,
            onsite_s=net.skus[sku].onsite_minutes * 60,
            stock=np.asarray(stock, dtype=np.int64),
            van=np.asarray(van) > 0,
            skill=skill,
            allowed=self.on_call if round_the_clock else np.ones_like(skill),
            shift_s=self.shift_s,
            round_the_clock=round_the_clock,
            family=family,
        )

    # ------------------------------------------------------------------ arrivals

    def _car(self, need: _Need, stock: I64, drivers: I64) -> I64:
        """(D,) a dedicated car's arrival from each depot; FAR without a unit or a driver."""
        eta = self.pick_s + self.reach.depot_site[:, need.s]
        return np.where((stock > 0) & (drivers > 0), eta, FAR)

    def _engineer(
        self,
        need: _Need,
        stock: I64,
        drivers: I64,
        *,
        to_depot: I64,
        to_site: I64,
        back_home: I64,
        van: NDArray[np.bool_],
        shift_s: I64,
    ) -> tuple[I64, I64]:
        """(N,) each engineer's (or town's) best arrival with the part, and the depot used
        (-1: from the van); FAR when the visit does not fit the window."""
        depot_site = self.reach.depot_site[:, need.s][None, :]
        pickup = np.maximum(to_depot, self.pick_s[None, :]) + depot_site
        pickup = np.where(stock[None, :] > 0, pickup, FAR)
        car = self._car(need, stock, drivers)[None, :]
        meet = np.where(car < FAR, np.maximum(to_site[:, None], car), FAR)
        by_depot = np.minimum(pickup, meet)
        best_depot = by_depot.argmin(axis=1)
        eta = by_depot[np.arange(len(by_depot)), best_depot]
        from_van = np.where(van, to_site, FAR)
        use_van = from_van < eta
        eta = np.where(use_van, from_van, eta)
        depot = np.where(use_van, -1, best_depot)
        if not need.round_the_clock:  # the visit and the drive home fit in the shift
            fits = eta + need.onsite_s + back_home <= shift_s
            eta = np.where(fits, eta, FAR)
        return eta.astype(np.int64), depot.astype(np.int64)

    def _staff(self, need: _Need, stock: I64, drivers: I64) -> tuple[I64, I64]:
        """The existing engineers' arrivals (FAR for those without the skill or the window)."""
        # NBD: a unit held anywhere reaches the engineer by parcel overnight, as if in the van
        van = need.van | (need.nbd and bool(stock.any()))
        eta, depot = self._engineer(
            need,
            stock,
            drivers,
            to_depot=self.reach.home_depot,
            to_site=self.reach.home_site[:, need.s],
            back_home=self.reach.site_home[need.s],
            van=van,
            shift_s=need.shift_s,
        )
        return np.where(need.skill & need.allowed, eta, FAR), depot

    def _best(self, need: _Need, stock: I64, drivers: I64) -> tuple[int, str]:
        """The best arrival (seconds, FAR for none) and how it comes."""
        net = self.net
        if not need.sos:
            if need.nbd:  # by parcel next business day; the arrival shown is the car's
                car = np.where(stock > 0, self.pick_s + self.reach.depot_site[:, need.s], FAR)
                d = int(car.argmin())
                return int(car[d]), f"parcel from {net.depots[d].id}" if car[d] < FAR else ""
            car = self._car(need, stock, drivers)
            d = int(car.argmin())
            return int(car[d]), f"dedicated car from {net.depots[d].id}"
        eta, depot = self._staff(need, stock, drivers)
        e = int(eta.argmin())
        source = "van" if depot[e] < 0 else f"depot {net.depots[int(depot[e])].id}"
        return int(eta[e]), f"engineer {net.engineers[e].id} ({source})"

    # ------------------------------------------------------------------ verdicts

    def _model(self, need: _Need) -> ModelVerdict:
        eta, via = self._best(need, need.stock, self.drivers)
        arrival = None if eta >= FAR else eta / 60
        if eta <= need.limit_s:
            return ModelVerdict(need.sku, True, arrival, via, "")
        fixes = sorted(
            [*self._stock_fixes(need), *self._driver_fixes(need), *self._engineer_fixes(need)],
            key=lambda c: (c.cost_pln_year, c.arrival_min),
        )
        return ModelVerdict(need.sku, False, arrival, via, self._reason(need), tuple(fixes))

    def _reason(self, need: _Need) -> str:
        """The binding reason, in the order a planner would check it."""
        limit_h = f"{need.limit_s / 3600:g} h"
        if not need.stock.any() and not (need.sos and need.van.any()):
            return f"no depot holds {need.sku} or a substitute"
        if not need.sos:
            if need.nbd:
                return f"no depot holds {need.sku}"
            car = self.pick_s + self.reach.depot_site[:, need.s]
            if not (car <= need.limit_s).any():
                nearest = car.min() / 3600
                return f"no depot within {limit_h} with pick-and-pack (nearest {nearest:.1f} h)"
            if not (need.stock[car <= need.limit_s] > 0).any():
                return f"no depot within {limit_h} holds {need.sku} or a substitute"
            return f"no dedicated driver at the depots within {limit_h} holding {need.sku}"
        road = self.reach.home_site[:, need.s]
        kind = "on-call " if need.round_the_clock else ""
        skilled = need.skill & need.allowed
        if not skilled.any():
            return f"no {kind}engineer with the {need.family} skill"
        if not (road[skilled] <= need.limit_s).any():
            nearest = road[skilled].min() / 3600
            return (
                f"no {kind}engineer with the {need.family} skill within {limit_h} "
                f"(nearest {nearest:.1f} h)"
            )
        if not need.round_the_clock:
            home = self.reach.site_home[need.s]
            fit = skilled & (road + need.onsite_s + home <= need.shift_s)
            if not fit.any():
                return "no engineer's shift fits the drive there, the work and the drive home"
        return f"no {need.sku} within reach of the {kind}engineers near enough"

    def _one_more(self, need: _Need, depots: Sequence[int], what: str) -> tuple[int, int]:
        """Among ``depots``, the one where one more unit (``what="stock"``) or driver gives the
        earliest arrival within the limit, and that arrival; ``(-1, FAR)`` when none does."""
        best = (-1, int(FAR))
        for d in depots:
            stock, drivers = need.stock.copy(), self.drivers.copy()
            (stock if what == "stock" else drivers)[d] += 1
            eta, _ = self._best(need, stock, drivers)
            if eta <= need.limit_s and eta < best[1]:
                best = (d, eta)
        return best

    def _stock_fixes(self, need: _Need) -> list[Change]:
        """A unit at the depot without one that gives the earliest arrival."""
        d, eta = self._one_more(need, np.flatnonzero(need.stock <= 0).tolist(), "stock")
        if d < 0:
            return []
        text = f"a unit of {need.sku} at {self.net.depots[d].id} ({self.net.depots[d].location})"
        return [Change("stock", text, self.prices.unit_pln_year[need.sku], eta / 60)]

    def _driver_fixes(self, need: _Need) -> list[Change]:
        """A dedicated driver at a depot with none."""
        d, eta = self._one_more(need, np.flatnonzero(self.drivers == 0).tolist(), "driver")
        if d < 0:
            return []
        text = f"a dedicated driver at {self.net.depots[d].id} ({self.net.depots[d].location})"
        return [Change("driver", text, self.prices.driver_pln_year, eta / 60)]

    def _engineer_fixes(self, need: _Need) -> list[Change]:
        """An engineer in the most populous candidate town from which the visit fits: with the
        existing stock if possible, else carrying a unit in the van."""
        if not need.sos:
            return []
        n = len(self.towns)
        shift = np.full(n, NEW_ENGINEER_SHIFT_S, dtype=np.int64)
        common = {
            "to_depot": self.reach.town_depot,
            "to_site": self.reach.town_site[:, need.s],
            "back_home": self.reach.site_town[need.s],
            "shift_s": shift,
        }
        out = []
        for carries in (False, True):
            van = np.full(n, carries, dtype=np.bool_)
            eta, _ = self._engineer(need, need.stock, self.drivers, van=van, **common)
            ok = np.flatnonzero(eta <= need.limit_s)
            if len(ok):
                t = int(ok[0])  # towns are listed by population, largest first
                town = self.towns[t]
                unit = self.prices.unit_pln_year[need.sku] if carries else 0.0
                skus = (need.sku,) if carries else ()
                out.append(
                    Change(
                        "engineer",
                        engineer_text(town.name, (need.family,), need.round_the_clock, skus),
                        self.prices.engineer_pln_year + unit,
                        int(eta[t]) / 60,
                        town.name,
                        (need.family,),
                        skus,
                        need.round_the_clock,
                        unit,
                    )
                )
                break
        return out


def engineer_text(town: str, skills: Sequence[str], on_call: bool, carries: Sequence[str]) -> str:
    """``an engineer based in Sanok (switch, wireless, on call) carrying a unit of AP3000``."""
    text = f"an engineer based in {town} ({', '.join(skills)}{', on call' if on_call else ''})"
    if carries:
        text += " carrying " + " and ".join(f"a unit of {sku}" for sku in carries)
    return text


def _seconds(t: Any) -> int:
    return int(t.hour * 3600 + t.minute * 60)
