"""A quote end to end, for the CLI and the API alike: verdicts, the year, extra stock, the price.

:func:`make_quote` checks the tiers, prepares the scenario's network once
(:func:`depots.simulation.prepare`), judges every site under every tier (:mod:`depots.quote`),
writes each tier's world with the new sites into ``workdir`` and simulates the year
(:mod:`depots.quote_year`), and sizes the extra stock. :meth:`Quote.to_dict` is the JSON answer.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depots.placement import candidate_towns
from depots.quote import DRIVER_PLN_YEAR, ENGINEER_PLN_YEAR, Prices, Quoter, Reach, SiteVerdict
from depots.quote_sites import QuoteSite
from depots.quote_year import (
    ExtraStock,
    Progress,
    Year,
    extra_stock,
    scenario_file,
    simulate_year,
    world_with,
)
from depots.simulation import prepare
from depots.simulation_params import SimulationParams
from depots.stocking import load_skus
from dispatch.errors import InvalidInput
from dispatch.tiers import Tier
from solver.travel.model import TravelModel

CANDIDATE_TOWNS = 1000
MAX_TIERS = 6


@dataclass(frozen=True, slots=True)
class Quote:
    """Everything a quote found (see the module docstring)."""

    params: SimulationParams
    sites: tuple[QuoteSite, ...]
    tiers: tuple[str, ...]
    verdicts: dict[str, tuple[SiteVerdict, ...]]  # tier -> per site
    year: Year
    stock: ExtraStock
    scenarios: dict[str, Path]  # tier -> scenario.toml that ``dispatch simulate`` runs
    expected_tickets_year: float  # the new sites', from the demand model's failure rates
    runtime_s: float

    def price_floor(self, tier: str) -> dict[str, float]:
        """The yearly cost to serve under ``tier``: dispatch (mean) + extra stock holding."""
        year = next(t for t in self.year.tiers if t.tier == tier)
        dispatch = year.new_cost_year_pln.mean
        return {
            "dispatch_pln_year": round(dispatch, 2),
            "extra_stock_pln_year": round(self.stock.holding_pln_year, 2),
            "total_pln_year": round(dispatch + self.stock.holding_pln_year, 2),
            "changes_pln_year": round(
                sum(v.to_dict()["change_cost_pln_year"] for v in self.verdicts[tier]), 2
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer (for the ticketing or CRM system)."""
        p = self.params
        by_tier = {t.tier: t for t in self.year.tiers}
        return {
            "scenario": p.name,
            "assumptions": {
                "days": p.days,
                "start": p.start.isoformat(),
                "replications": len(self.year.baseline),
                "seed": p.seed,
                "planner": p.planner,
                "rate_scale": p.demand.rate_scale,
                "holding_rate": p.holding_rate,
                "engineer_pln_year": ENGINEER_PLN_YEAR,
                "driver_pln_year": DRIVER_PLN_YEAR,
                "candidate_towns": CANDIDATE_TOWNS,
            },
            "tiers": {
                tier: {
                    "sites": len(self.sites),
                    "reachable": sum(v.reachable for v in self.verdicts[tier]),
                    "with_a_change": sum(v.fixable for v in self.verdicts[tier]),
                    "not_within_limits": sum(
                        not v.reachable and not v.fixable for v in self.verdicts[tier]
                    ),
                    "year": by_tier[tier].to_dict(),
                    "cost_to_serve": self.price_floor(tier),
                }
                for tier in self.tiers
            },
            "new_sites_expected_tickets_year": round(self.expected_tickets_year, 4),
            "existing_sites_without_quote": {"share_on_time": self.year.baseline_on_time.to_list()},
            "extra_stock": self.stock.to_dict(),
            "sites": [
                {
                    "id": s.id,
                    "location": s.location,
                    "lat": s.lat,
                    "lon": s.lon,
                    "voivodeship": s.voivodeship,
                    "service": s.service.value,
                    "devices": dict(s.devices),
                    "tiers": {t: self.verdicts[t][k].to_dict() for t in self.tiers},
                }
                for k, s in enumerate(self.sites)
            ],
            "runtime_s": round(self.runtime_s, 2),
        }


def parse_tiers(texts: Sequence[str], field: str) -> tuple[Tier, ...]:
    """The tiers asked for, each checked, repeats dropped.

    Raises
    ------
    InvalidInput
        Naming ``field`` for an unknown tier, none, or too many.
    """
    if not texts:
        raise InvalidInput(field, "give at least one tier")
    tiers = tuple(dict.fromkeys(Tier.parse(t, field=field) for t in texts))
    if len(tiers) > MAX_TIERS:
        raise InvalidInput(field, f"at most {MAX_TIERS} tiers")
    return tiers


def make_quote(
    params: SimulationParams,
    sites: Sequence[QuoteSite],
    tiers: Sequence[Tier],
    travel: TravelModel,
    workdir: Path,
    *,
    replications: int = 3,
    executor: str = "local",
    progress: Progress | None = None,
) -> Quote:
    """The quote of ``sites`` under ``tiers`` against ``params``' network (module docstring).

    Raises
    ------
    InvalidInput
        When the scenario or a site cannot be prepared.
    """
    began = time.perf_counter()
    net = prepare(params)
    skus = load_skus(params.world_dir / "skus.csv")
    prices = Prices({k: s.unit_value_gr / 100 * params.holding_rate for k, s in skus.items()})
    towns = candidate_towns(CANDIDATE_TOWNS)
    quoter = Quoter(net, sites, towns, Reach.measure(net, sites, towns, travel), prices)
    verdicts = {str(t): quoter.verdicts(t) for t in tiers}
    with_sites = {}
    scenarios = {}
    for tier in tiers:
        slug = str(tier).replace("x", "_")
        world = world_with(params, sites, tier, workdir / f"world-{slug}")
        demand = dataclasses.replace(params.demand, own_stream_sites=tuple(s.id for s in sites))
        tier_params = dataclasses.replace(
            params, name=f"{params.name}+quote-{tier}", world_dir=world, demand=demand
        )
        with_sites[str(tier)] = tier_params
        scenarios[str(tier)] = scenario_file(tier_params, net, workdir / f"scenario-{slug}")
    year = simulate_year(
        params,
        with_sites,
        {s.id for s in sites},
        replications=replications,
        executor=executor,
        progress=progress,
    )
    stock = extra_stock(net, sites, travel, prices.unit_pln_year, params.returns)
    return Quote(
        params,
        tuple(sites),
        tuple(str(t) for t in tiers),
        verdicts,
        year,
        stock,
        scenarios,
        sum(net.rates.tickets_per_year(s.devices) for s in sites),
        time.perf_counter() - began,
    )
