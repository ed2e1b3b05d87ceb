"""A network study: placement, then stock, then a simulated year, on one demand model.

A study file is a simulation scenario (``depots.simulation_params``: world, period, demand, returns,
planner) with two more tables, read by pydantic models that refuse unknown keys:

- ``[placement]``: the location model and its settings (``model``, ``k``, ``tier``, towns
  ``open`` and ``closed``, ``candidates``, ``depot_cost_pln_year``), or ``depots``, a fixed list
  of towns (then sites are only assigned to their nearest depot);
- ``[stock]``: the fill-rate target, the holding rate and an optional budget, or ``csv``, a stock
  plan of an earlier study (``depot,sku,units``) to reuse.

Each step writes what the next one reads, so any of them can be re-run alone:
``placement.json`` (the chosen towns, for ``[placement] depots``), ``stock.csv`` (for
``[stock] csv`` or a scenario's ``layout.stock_csv``) and ``scenario.toml`` (the network as
placed and stocked: ``dispatch simulate`` runs it again). Failure rates come from the world's
catalogue times ``demand.rate_scale`` and the lead time from ``[returns]``, for every step.

A chosen town that is already a depot of the world keeps that depot's id, pick-and-pack time,
courier cutoff and drivers; a new one gets the defaults of ``layout.open``. The world's other
depots close.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from depots.demand import FailureRates
from depots.demo_world import DemoWorld, load
from depots.placement import (
    DEPOT_COST_PLN_YEAR,
    CustomerSites,
    DepotLayout,
    PlacementParams,
    candidate_towns,
    load_demo_installed_base,
    place_depots,
)
from depots.simulation_params import Layout, NewDepot, SimulationParams, read_stock_csv
from depots.stocking import StockPlan, base_stock, failure_rates, load_skus, stock_items
from dispatch.errors import InvalidInput
from dispatch.inputs import require_file
from dispatch.tiers import Tier
from solver.travel.model import TravelModel

M = TypeVar("M", bound=BaseModel)


class PlacementSpec(BaseModel):
    """``[placement]``: where the depots go (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Literal["maxcover", "setcover", "pmedian", "fixedcost"] = "pmedian"
    k: int = Field(default=6, ge=1)
    tier: str = "24x7x4"
    open: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()
    depots: tuple[str, ...] = ()
    candidates: int = Field(default=1000, ge=1)
    depot_cost_pln_year: int = Field(default=DEPOT_COST_PLN_YEAR, ge=0)
    time_limit_s: float = Field(default=60.0, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _fixed_or_chosen(self) -> PlacementSpec:
        if self.depots and (self.open or self.closed):
            raise ValueError("give either depots (fixed) or open/closed (for the model)")
        return self


class StockSpec(BaseModel):
    """``[stock]``: how many spares each depot holds (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fill_rate: float = Field(default=0.95, gt=0, lt=1, allow_inf_nan=False)
    holding_rate: float = Field(default=0.25, gt=0, allow_inf_nan=False)
    budget_pln: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    substitutes: bool = False  # pool a SKU's requests into the SKU that may replace it
    csv: str | None = None


@dataclass(frozen=True, slots=True)
class StudyFile:
    """A study file read: the scenario of the simulated year and the two planning steps."""

    scenario: SimulationParams
    placement: PlacementSpec
    stock: StockSpec
    base: Path  # the study file's directory: relative paths inside are relative to it

    @classmethod
    def from_toml(cls, path: Path) -> StudyFile:
        """Read and validate a study file.

        Raises
        ------
        InvalidInput
            Naming the file or the field (``placement.k``) and what is wrong with it.
        """
        require_file(path, "study")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput("study", f"{path}: {exc}") from None
        specs = {key: data.pop(key, {}) for key in ("placement", "stock")}
        scenario = SimulationParams.from_mapping(data, base=path.parent, default_name=path.stem)
        placement = _validated(PlacementSpec, specs["placement"], "placement")
        Tier.parse(placement.tier, field="placement.tier")
        return cls(scenario, placement, _validated(StockSpec, specs["stock"], "stock"), path.parent)


def _validated(model: type[M], raw: object, table: str) -> M:
    """``raw`` as ``model``; the first problem as :class:`InvalidInput` naming its key."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in (table, *error["loc"]))
        raise InvalidInput(where, error["msg"]) from None


@dataclass(frozen=True, slots=True)
class Network:
    """The planning steps' answer: the layout, its stock and the scenario that simulates it."""

    layout: DepotLayout
    stock: StockPlan | None  # None when the stock came from a CSV
    stock_rows: tuple[tuple[str, str, int], ...]  # depot id, SKU, units
    scenario: SimulationParams
    rates: FailureRates


def plan_network(study: StudyFile, travel: TravelModel) -> Network:
    """Place the depots and stock them (or take either from the study file).

    Raises
    ------
    InvalidInput, NotFound, Infeasible
        From the placement or stocking step, naming the field.
    """
    world = load(study.scenario.world_dir)
    sites = load_demo_installed_base(study.scenario.world_dir)
    skus = load_skus(study.scenario.world_dir / "skus.csv")
    rates = failure_rates(skus, study.scenario.demand.rate_scale)
    layout = place(study.placement, sites, rates, travel)
    ids = depot_ids(world, layout)
    if study.stock.csv is not None:
        plan, rows = None, read_stock_csv(study.base / study.stock.csv, "stock.csv")
    else:
        items = stock_items(
            layout,
            sites,
            skus,
            rates,
            loop=study.scenario.returns,
            holding_rate=study.stock.holding_rate,
            substitutes=study.stock.substitutes,
        )
        budget = None if study.stock.budget_pln is None else round(study.stock.budget_pln * 100)
        plan = base_stock(items, study.stock.fill_rate, budget)
        by_town = {t.name: ids[j] for j, t in enumerate(layout.depots)}
        rows = tuple(
            (by_town[i.depot], i.sku, level)
            for i, level in zip(plan.items, plan.levels, strict=True)
            if level
        )
    scenario = replace(study.scenario, layout=_layout(world, layout, ids, rows))
    return Network(layout, plan, rows, scenario, rates)


def place(
    spec: PlacementSpec, sites: CustomerSites, rates: FailureRates, travel: TravelModel
) -> DepotLayout:
    """The placement step: the model's answer, or the fixed towns with sites assigned."""
    tier = Tier.parse(spec.tier, field="placement.tier")
    fixed = bool(spec.depots)
    return place_depots(
        "pmedian" if fixed else spec.model,
        candidate_towns(spec.candidates, field="placement.candidates"),
        sites.points,
        travel,
        k=len(set(spec.depots)) if fixed else spec.k,
        tier=tier if not tier.is_nbd else None,
        params=PlacementParams(
            depot_cost_pln_year=spec.depot_cost_pln_year, time_limit_s=spec.time_limit_s
        ),
        forced_open=spec.depots or spec.open,
        forced_closed=spec.closed,
        tickets_per_year=sites.tickets_per_year(rates),
    )


def depot_ids(world: DemoWorld, layout: DepotLayout) -> tuple[str, ...]:
    """Each chosen town's depot id: the world's depot there, else ``D`` and its number."""
    existing = {d.location.casefold(): d.id for d in world.depots}
    return tuple(
        existing.get(t.name.casefold(), f"D{j + 1:02d}") for j, t in enumerate(layout.depots)
    )


def _layout(
    world: DemoWorld,
    layout: DepotLayout,
    ids: Sequence[str],
    rows: tuple[tuple[str, str, int], ...],
) -> Layout:
    kept = {d.id: d for d in world.depots}
    chosen = set(ids)
    opened = tuple(
        NewDepot(depot_id, f"{town.lat},{town.lon}")
        for depot_id, town in zip(ids, layout.depots, strict=True)
        if depot_id not in kept
    )
    return Layout(
        close=tuple(d.id for d in world.depots if d.id not in chosen),
        open=opened,
        stock_rows=rows,
    )


def write_outputs(network: Network, out: Path) -> dict[str, Path]:
    """``placement.json``, ``stock.csv`` and ``scenario.toml`` in ``out`` (module docstring)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in ("placement.json", "stock.csv", "scenario.toml")}
    layout = network.layout
    ids = depot_ids(load(network.scenario.world_dir), layout)
    placement = {**layout.to_dict(), "depot_ids": list(ids)}
    paths["placement.json"].write_text(json.dumps(placement, ensure_ascii=False, indent=1))
    with paths["stock.csv"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["depot", "sku", "units"])
        writer.writerows(network.stock_rows)
    paths["scenario.toml"].write_text(scenario_toml(network.scenario), encoding="utf-8")
    return paths


def scenario_toml(params: SimulationParams) -> str:
    """``params`` as a scenario file next to its ``stock.csv`` (``dispatch simulate`` reads it)."""
    d, r, lay = params.demand, params.returns, params.layout
    lines = [
        f"name = {json.dumps(params.name)}",
        f"description = {json.dumps(params.description or 'placed and stocked by a study')}",
        f"world = {json.dumps(str(params.world_dir.resolve()))}",
        f"start = {params.start.isoformat()}",
        f"days = {params.days}",
        f"seed = {params.seed}",
        "",
        "[demand]",
        f"hourly = {list(d.hourly)}",
        f"weekday = {list(d.weekday)}",
        *(f"{k} = {getattr(d, k)}" for k in _DEMAND_NUMBERS),
        "",
        "[returns]",
        f"max_days = {r.max_days}\nrepair_days = {r.repair_days}",
        f"transfer_days = {r.transfer_days}",
        "",
        "[planner]",
        f"mode = {json.dumps(params.planner)}",
        f"batch_minutes = {params.batch_minutes}\ntime_limit_s = {params.time_limit_s}",
        "",
        "[layout]",
        f"close = {json.dumps(list(lay.close))}",
        'stock_csv = "stock.csv"',
        *([] if lay.engineers is None else [f"engineers = {json.dumps(list(lay.engineers))}"]),
    ]
    for depot in lay.open:
        lines += ["", "[[layout.open]]", f"id = {json.dumps(depot.id)}"]
        lines.append(f"location = {json.dumps(depot.location)}")
    return "\n".join(lines) + "\n"


_DEMAND_NUMBERS = (
    "rate_scale",
    "verify_min_minutes",
    "verify_mean_extra_minutes",
    "verify_max_minutes",
)
