"""The whole quote: a simulated year with the new sites, extra stock, and the cost to serve.

The new sites join the installed base of the scenario's world (a copy of its CSVs with the
sites and devices added, under the tier quoted, one contract each), and the year runs through
the same simulation as ``dispatch simulate`` (:func:`depots.replications.run_replications`:
the same demand model, failure rates, return loop and engine) next to the scenario as it is,
replication ``i`` of both drawing from the same seed. From them:

- the new sites' SLA attainment per tier, with its 95 % interval over replications;
- the existing customers' attainment with and without the new sites, and the paired difference;
- the new sites' tickets and dispatch cost a year (the engine's price of each planned ticket,
  scaled to 365 days).

**Extra stock to keep the fill rate** (:mod:`depots.stocking`): each site is served by its
nearest depot by road (stocking's rule); the network's demand-weighted fill rate with today's
depot stock and today's demand is the target, and the least-cost raise of today's levels that
reaches it again with the new sites' demand added is the extra stock (the marginal analysis of
``base_stock`` with today's levels as floors).

**Cost to serve a year** (the price floor): the dispatch cost of the new sites' tickets plus
holding the extra stock. Changes that would make unreachable sites reachable are priced apart.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from depots import metrics
from depots.demand import ReturnLoop
from depots.demo_world import DeviceRow, SiteRow, load, write
from depots.quote_sites import QuoteSite
from depots.replications import run_replications
from depots.simulation import Network, RunResult
from depots.simulation_params import SimulationParams
from depots.stocking import StockItem, base_stock, fill_rate
from depots.study import scenario_toml
from dispatch.tiers import Tier
from solver.travel.model import TravelModel

Progress = Callable[[int, int], None]
DAYS_PER_YEAR = 365.0


def world_with(params: SimulationParams, sites: Sequence[QuoteSite], tier: Tier, out: Path) -> Path:
    """Write the scenario's world with ``sites`` added under ``tier`` into ``out``."""
    world = load(params.world_dir)
    rows = tuple(
        SiteRow(
            id=s.id,
            customer=f"Quote {s.id}",
            sector="Quote",
            town=s.location,
            location=s.location,
            lat=s.lat,
            lon=s.lon,
            contract=f"Q-{s.id}",
            tier=str(tier),
            service=s.service.value,
        )
        for s in sites
    )
    devices = [
        DeviceRow(f"Q-{s.id}-{n:04d}", s.id, sku)
        for s in sites
        for sku, count in sorted(s.devices.items())
        for n in range(count)
    ]
    write(
        dataclasses.replace(
            world, sites=world.sites + rows, devices=world.devices + tuple(devices)
        ),
        out,
    )
    return out


def scenario_file(params: SimulationParams, net: Network, out: Path) -> Path:
    """``out/scenario.toml`` and its ``stock.csv``: ``dispatch simulate`` runs the same year."""
    out.mkdir(parents=True, exist_ok=True)
    ids = [d.id for d in net.depots]
    rows = [
        f"{ids[j]},{sku},{int(units[j])}"
        for sku, units in net.stock.items()
        for j in range(len(ids))
        if units[j] > 0
    ]
    (out / "stock.csv").write_text("depot,sku,units\n" + "\n".join(rows) + "\n", encoding="utf-8")
    fixed = dataclasses.replace(params, layout=dataclasses.replace(params.layout, open=()))
    own = json.dumps(list(params.demand.own_stream_sites), ensure_ascii=False)
    text = (
        scenario_toml(fixed)
        .replace("[demand]\n", f"[demand]\nown_stream_sites = {own}\n")
        .replace("[planner]\n", f"[planner]\nexact = {str(params.exact).lower()}\n")
    )
    text += (
        f"\n[costs]\ndepot_pln_year = {params.depot_pln_year}\n"
        f"holding_rate = {params.holding_rate}\n"
    )
    e = params.echelons
    central = ", ".join(f"{json.dumps(k)} = {v}" for k, v in e.central_stock.items())
    text += (
        f"\n[echelons]\ncentral_stock = {{ {central} }}\ncentral_days = {e.central_days}\n"
        f"lateral = {str(e.lateral).lower()}\nlateral_days = {e.lateral_days}\n"
        f"lateral_pln = {e.lateral_pln}\n"
    )
    extra = "".join(
        f"\n[[layout.open]]\nid = {json.dumps(d.id)}\nlocation = {json.dumps(d.location)}\n"
        f"pick_minutes = {d.pick_minutes}\ndrivers = {d.drivers}\n"
        f'courier_cutoff = "{d.courier_cutoff:%H:%M}"\n'
        for d in params.layout.open
    )
    path = out / "scenario.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


@dataclass(frozen=True, slots=True)
class Figure:
    """A mean and its 95 % interval over replications (NaN ends with one replication)."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float], bounds: tuple[float, float]) -> Figure:
        """The interval of ``values`` clipped to ``bounds``."""
        return cls(*metrics.interval(values, bounds))

    def to_list(self) -> list[float | None]:
        """``[mean, low, high]``, NaN as null (not JSON)."""
        values = (self.mean, self.low, self.high)
        return [float(v) if math.isfinite(v) else None for v in values]


SHARE = (0.0, 1.0)
AMOUNT = (0.0, math.inf)
SIGNED = (-math.inf, math.inf)


@dataclass(frozen=True, slots=True)
class TierYear:
    """The simulated year of one tier: the new sites and the effect on the existing ones."""

    tier: str
    new_tickets_year: Figure
    new_on_time: Figure
    new_cost_year_pln: Figure
    new_cost_per_ticket_pln: Figure
    existing_on_time: Figure  # with the new sites
    existing_change: Figure  # with minus without, paired by replication
    runs: tuple[RunResult, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (each figure ``[mean, low, high]``)."""
        return {
            "tier": self.tier,
            "new_sites": {
                "tickets_year": self.new_tickets_year.to_list(),
                "share_on_time": self.new_on_time.to_list(),
                "dispatch_cost_year_pln": self.new_cost_year_pln.to_list(),
                "cost_per_ticket_pln": self.new_cost_per_ticket_pln.to_list(),
            },
            "existing_sites": {
                "share_on_time": self.existing_on_time.to_list(),
                "change_share_on_time": self.existing_change.to_list(),
            },
            "headline": {
                str(r["metric"]): Figure(r["mean"], r["ci_low"], r["ci_high"]).to_list()
                for r in metrics.summarise(self.runs).to_dict("records")
            },
        }


@dataclass(frozen=True, slots=True)
class Year:
    """The scenario's year as it is and one per tier with the new sites."""

    baseline: tuple[RunResult, ...]
    tiers: tuple[TierYear, ...]
    baseline_on_time: Figure


def simulate_year(
    base: SimulationParams,
    with_sites: Mapping[str, SimulationParams],
    new_ids: set[str],
    *,
    replications: int,
    executor: str,
    progress: Progress | None = None,
) -> Year:
    """Replications of the scenario as it is and of each tier's scenario, on one executor."""
    studies = [base, *with_sites.values()]
    jobs = [(p, i) for p in studies for i in range(replications)]
    results = run_replications(jobs, executor, progress)
    chunks = [
        tuple(results[k * replications : (k + 1) * replications]) for k in range(len(studies))
    ]
    baseline = chunks[0]
    base_share = [_on_time(r.tickets) for r in baseline]
    scale = DAYS_PER_YEAR / base.days
    tiers = []
    for tier, runs in zip(with_sites, chunks[1:], strict=True):
        new = [r.tickets[r.tickets.site.isin(new_ids)] for r in runs]
        old = [r.tickets[~r.tickets.site.isin(new_ids)] for r in runs]
        old_share = [_on_time(t) for t in old]
        planned = [t[t.status != "unassigned"] for t in new]
        tiers.append(
            TierYear(
                tier=tier,
                new_tickets_year=Figure.of([len(t) * scale for t in new], AMOUNT),
                new_on_time=Figure.of([_on_time(t) for t in new], SHARE),
                new_cost_year_pln=Figure.of(
                    [float(t.cost_pln.sum()) * scale for t in planned], AMOUNT
                ),
                new_cost_per_ticket_pln=Figure.of(
                    [float(t.cost_pln.mean()) if len(t) else 0.0 for t in planned], AMOUNT
                ),
                existing_on_time=Figure.of(old_share, SHARE),
                existing_change=Figure.of(
                    [a - b for a, b in zip(old_share, base_share, strict=True)], SIGNED
                ),
                runs=runs,
            )
        )
    return Year(baseline, tuple(tiers), Figure.of(base_share, SHARE))


def _on_time(tickets: Any) -> float:
    """Share of tickets on time (1 when there are none: nothing was missed)."""
    return float((tickets.status == "on_time").mean()) if len(tickets) else 1.0


# --------------------------------------------------------------------------- extra stock


@dataclass(frozen=True, slots=True)
class ExtraStock:
    """Units to add per (depot, SKU) so the network's fill rate stays where it is."""

    rows: tuple[tuple[str, str, int, int, float], ...]  # depot, SKU, units now, extra, zł a year
    fill_rate_now: float  # today's stock, today's demand
    fill_rate_with_sites: float  # today's stock with the new sites' demand
    fill_rate_after: float  # with the extra units
    holding_pln_year: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "fill_rate_now": round(self.fill_rate_now, 4),
            "fill_rate_with_sites": round(self.fill_rate_with_sites, 4),
            "fill_rate_after": round(self.fill_rate_after, 4),
            "holding_pln_year": round(self.holding_pln_year, 2),
            "units": [
                {"depot": d, "sku": k, "units_now": n, "extra": x, "holding_pln_year": round(c, 2)}
                for d, k, n, x, c in self.rows
            ],
        }


def extra_stock(
    net: Network,
    sites: Sequence[QuoteSite],
    travel: TravelModel,
    unit_pln_year: Mapping[str, float],
    loop: ReturnLoop,
) -> ExtraStock:
    """The least-cost raise of today's depot stock keeping the fill rate (module docstring)."""
    depots = np.array(
        [[net.places[d.location].lat, net.places[d.location].lon] for d in net.depots]
    )
    old_points = np.array([[net.places[loc].lat, net.places[loc].lon] for loc in net.site_location])
    new_points = np.array([[s.lat, s.lon] for s in sites]).reshape(-1, 2)
    old_near = travel.matrix(depots, old_points)[0].argmin(axis=0)
    new_near = travel.matrix(depots, new_points)[0].argmin(axis=0)
    old: dict[tuple[int, str], float] = {}
    base = net.base
    for device, site in enumerate(base.device_site):
        sku = base.skus[int(base.device_sku[device])]
        key = (int(old_near[site]), sku)
        old[key] = old.get(key, 0.0) + net.rates.of(sku)
    new = dict(old)
    for s, site in enumerate(sites):
        for sku, count in site.devices.items():
            key = (int(new_near[s]), sku)
            new[key] = new.get(key, 0.0) + count * net.rates.of(sku)
    keys = sorted(new)
    level = [int(net.stock[sku][d]) for d, sku in keys]
    lead = loop.mean_days

    def fill(demand: Mapping[tuple[int, str], float], levels: Sequence[int]) -> float:
        total = sum(demand.get(k, 0.0) for k in keys)
        return (
            sum(
                demand.get(k, 0.0) * fill_rate(demand.get(k, 0.0) * lead / DAYS_PER_YEAR, s)
                for k, s in zip(keys, levels, strict=True)
            )
            / total
            if total
            else 1.0
        )

    now, with_sites = fill(old, level), fill(new, level)
    items = [
        StockItem(
            net.depots[d].id,
            sku,
            new[(d, sku)],
            lead,
            max(round(unit_pln_year[sku] * 100), 1),
            min_level=units,
        )
        for (d, sku), units in zip(keys, level, strict=True)
    ]
    plan = base_stock(items, min(max(now, 1e-6), 1 - 1e-9))
    rows = tuple(
        (i.depot, i.sku, now_units, after - now_units, (after - now_units) * unit_pln_year[i.sku])
        for i, now_units, after in zip(items, level, plan.levels, strict=True)
        if after > now_units
    )
    return ExtraStock(
        rows=rows,
        fill_rate_now=now,
        fill_rate_with_sites=with_sites,
        fill_rate_after=fill(new, plan.levels),
        holding_pln_year=sum(r[4] for r in rows),
    )
