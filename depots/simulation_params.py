"""Simulation parameters: the network to test and the year to run it through, from a scenario TOML.

A scenario names the world (the demo world or a directory of the same CSVs), the period, the
demand profile, the return and repair lead times, and changes to the depot layout (depots closed,
depots opened, stock scaled or replaced from a CSV), to the field force (the engineers kept) and
to the stock above the depots (a central warehouse's spares, lateral transfers).
``SimulationParams.from_toml`` validates every field and refuses unknown keys, so a typo never
silently runs the baseline.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from pydantic import Field, NonNegativeInt

from depots.demand import DemandProfile, ReturnLoop
from depots.demo_world import DEMO_DIR
from dispatch.errors import InvalidInput
from dispatch.inputs import Clock, CsvRow, Reader, Text, parse, read_csv, require_file

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
PLANNERS = ("phase1", "routing", "rolling")


@dataclass(frozen=True, slots=True)
class NewDepot:
    """A depot the scenario opens, with its stock (SKU -> units)."""

    id: str
    location: str
    pick_minutes: int = 20
    courier_cutoff: time = time(16, 0)
    drivers: int = 1
    stock: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id or not self.location:
            raise InvalidInput("layout.open", "each depot needs an id and a location")
        if self.pick_minutes < 0 or self.drivers < 0:
            raise InvalidInput(f"layout.open.{self.id}", "pick_minutes and drivers must be >= 0")
        for sku, units in self.stock.items():
            if units < 0:
                raise InvalidInput(f"layout.open.{self.id}.stock.{sku}", "must be >= 0")


@dataclass(frozen=True, slots=True)
class Layout:
    """Changes to the world's depots: closed ids, new depots, stock scale or replacement rows."""

    close: tuple[str, ...] = ()
    open: tuple[NewDepot, ...] = ()
    stock_scale: float = 1.0
    stock_rows: tuple[tuple[str, str, int], ...] | None = None  # (depot, sku, units) replacing all
    engineers: tuple[str, ...] | None = None  # the engineers kept (ids); None keeps all

    def __post_init__(self) -> None:
        if self.engineers is not None and not self.engineers:
            raise InvalidInput("layout.engineers", "must keep at least one engineer")
        if self.engineers is not None and len(set(self.engineers)) != len(self.engineers):
            raise InvalidInput("layout.engineers", "names an engineer twice")
        if self.stock_scale < 0:
            raise InvalidInput("layout.stock_scale", f"must be >= 0, got {self.stock_scale}")
        if set(self.close) & {d.id for d in self.open}:
            raise InvalidInput("layout.open", "a depot cannot be both closed and opened")


@dataclass(frozen=True, slots=True)
class Echelons:
    """Stock above and between the depots (docs/simulation.md): the central warehouse's own
    spares, which resupply a depot or van as soon as it sends a unit out, and lateral transfers,
    which refill a depot left without a SKU from the depot holding most of it. Both off by
    default: then a shelf waits for the failed unit's return loop."""

    central_stock: Mapping[str, int] = field(default_factory=dict)  # SKU -> units at the start
    central_days: float = 1.0  # central warehouse to a depot or an engineer's van
    lateral: bool = False
    lateral_days: float = 1.0  # depot to depot
    lateral_pln: float = 60.0  # one transfer's price (a courier parcel)

    def __post_init__(self) -> None:
        for sku, units in self.central_stock.items():
            if units < 0:
                raise InvalidInput(f"echelons.central_stock.{sku}", f"must be >= 0, got {units}")
        for name in ("central_days", "lateral_days", "lateral_pln"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput(f"echelons.{name}", f"must be >= 0, got {value}")


@dataclass(frozen=True, slots=True)
class SimulationParams:
    """Everything one simulated period needs (see the module docstring)."""

    name: str
    start: date
    days: int = 365
    seed: int = 0
    world_dir: Path = DEMO_DIR
    demand: DemandProfile = field(default_factory=DemandProfile)
    returns: ReturnLoop = field(default_factory=ReturnLoop)  # the spare's way back to its shelf
    layout: Layout = field(default_factory=Layout)
    echelons: Echelons = field(default_factory=Echelons)
    description: str = ""
    # "routing": the service's engine (joint stock allocation, engineers' routes) on the
    # tickets accepted since the last planning moment, every batch_minutes, all of it committed;
    # "rolling" (the demo day's rules): every open ticket re-planned at each moment, committed
    # only when it must start before the next one, a final re-optimisation with
    # final_time_limit_s after the last acceptance; "phase1": each ticket alone at acceptance,
    # the engine's first phase only (faster, a little dearer).
    planner: str = "routing"
    batch_minutes: int = 15
    time_limit_s: float = 0.05  # engine time per batch
    final_time_limit_s: float = 3.0  # "rolling": the final re-optimisation's engine time
    exact: bool = False  # the engine's exact path (CP-SAT) for small batches: slow in a year
    depot_pln_year: float = 150_000.0  # a depot's fixed cost a year (depots.network_cost)
    holding_rate: float = 0.25  # a spare's holding cost a year, share of its value

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("name", "must not be empty")
        if not 1 <= self.days <= 3 * 366:
            raise InvalidInput("days", f"must be within [1, 1098], got {self.days}")
        if self.seed < 0:
            raise InvalidInput("seed", f"must be >= 0, got {self.seed}")
        if self.planner not in PLANNERS:
            raise InvalidInput("planner.mode", f"must be one of {', '.join(PLANNERS)}")
        if not (self.depot_pln_year >= 0 and self.holding_rate >= 0):
            raise InvalidInput("costs", "depot_pln_year and holding_rate must be >= 0")
        if self.batch_minutes <= 0 or min(self.time_limit_s, self.final_time_limit_s) <= 0:
            raise InvalidInput(
                "planner", "batch_minutes, time_limit_s and final_time_limit_s must be > 0"
            )
        if not 2000 <= self.start.year <= 2098:
            raise InvalidInput("start", f"must be within 2000..2098, got {self.start}")

    @classmethod
    def demo_day(
        cls,
        day: date,
        seed: int = 0,
        batch_minutes: int = 15,
        time_limit_s: float = 0.4,
        final_time_limit_s: float = 3.0,
    ) -> SimulationParams:
        """One day under the demo's rules (``dispatch demo``'s defaults): the ``"rolling"``
        planner, the engine's exact path for small batches, ``seed`` for the engine too."""
        return cls(
            name=f"demo day {day}",
            start=day,
            days=1,
            seed=seed,
            planner="rolling",
            batch_minutes=batch_minutes,
            time_limit_s=time_limit_s,
            final_time_limit_s=final_time_limit_s,
            exact=True,
        )

    @classmethod
    def from_toml(cls, path: Path) -> SimulationParams:
        """Read and validate a scenario file; relative paths inside are relative to it.

        Raises
        ------
        InvalidInput
            Naming the file or field and what is wrong with it.
        """
        require_file(path, "scenario")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput("scenario", f"{path}: {exc}") from None
        return cls.from_mapping(data, base=path.parent, default_name=path.stem)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, base: Path, default_name: str
    ) -> SimulationParams:
        """Validate parsed TOML (see :meth:`from_toml`)."""
        return parse(_ScenarioFile, data).params(base, default_name)


class _Demand(Reader):
    """``[demand]``: what is left out keeps ``DemandProfile``'s default."""

    hourly: list[float] | None = None
    weekday: list[float] | None = None
    rate_scale: float | None = None
    verify_min_minutes: float | None = None
    verify_mean_extra_minutes: float | None = None
    verify_max_minutes: float | None = None
    own_stream_sites: list[Text] | None = None

    def profile(self) -> DemandProfile:
        given = self.given().items()
        kwargs: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in given}
        return DemandProfile(**kwargs)


class _Returns(Reader):
    """``[returns]``: what is left out keeps ``ReturnLoop``'s default."""

    max_days: float | None = None
    repair_days: float | None = None
    transfer_days: float | None = None


class _Planner(Reader):
    mode: str = "routing"
    batch_minutes: int = 15
    time_limit_s: float = 0.05
    final_time_limit_s: float = 3.0
    exact: bool = False


class _Echelons(Reader):
    """``[echelons]``: what is left out keeps ``Echelons``' default."""

    central_stock: dict[str, int] | None = None
    central_days: float | None = None
    lateral: bool | None = None
    lateral_days: float | None = None
    lateral_pln: float | None = None


class _Costs(Reader):
    depot_pln_year: float = 150_000.0
    holding_rate: float = 0.25


class _NewDepot(Reader):
    """``[[layout.open]]``: what is left out keeps ``NewDepot``'s default."""

    id: Text
    location: Text
    pick_minutes: int | None = None
    courier_cutoff: Clock | None = None
    drivers: int | None = None
    stock: dict[str, int] | None = None


class _Layout(Reader):
    close: list[Text] = Field(default_factory=list)
    open: list[_NewDepot] = Field(default_factory=list)
    stock_scale: float = 1.0
    stock_csv: Text | None = None
    engineers: list[Text] | None = None


class _ScenarioFile(Reader):
    """A scenario TOML file as written (every key optional but ``start``)."""

    name: Text | None = None
    description: str = ""
    world: Text = "demo"
    start: date
    days: int = 365
    seed: int = 0
    demand: _Demand = _Demand()
    returns: _Returns = _Returns()
    layout: _Layout = _Layout()
    echelons: _Echelons = _Echelons()
    planner: _Planner = _Planner()
    costs: _Costs = _Costs()

    def params(self, base: Path, default_name: str) -> SimulationParams:
        world_dir = DEMO_DIR if self.world == "demo" else base / self.world
        if not world_dir.is_dir():
            raise InvalidInput("world", f"no such directory: {world_dir}")
        layout = self.layout
        return SimulationParams(
            name=self.name or default_name,
            description=self.description,
            start=self.start,
            days=self.days,
            seed=self.seed,
            world_dir=world_dir,
            demand=self.demand.profile(),
            returns=ReturnLoop(**self.returns.given()),
            layout=Layout(
                close=tuple(layout.close),
                open=tuple(NewDepot(**d.given()) for d in layout.open),
                stock_scale=layout.stock_scale,
                stock_rows=None
                if layout.stock_csv is None
                else read_stock_csv(base / layout.stock_csv),
                engineers=None if layout.engineers is None else tuple(layout.engineers),
            ),
            echelons=Echelons(**self.echelons.given()),
            planner=self.planner.mode,
            batch_minutes=self.planner.batch_minutes,
            time_limit_s=self.planner.time_limit_s,
            final_time_limit_s=self.planner.final_time_limit_s,
            exact=self.planner.exact,
            depot_pln_year=self.costs.depot_pln_year,
            holding_rate=self.costs.holding_rate,
        )


class _StockRow(CsvRow):
    depot: str
    sku: str
    units: NonNegativeInt


def read_stock_csv(path: Path, field: str = "layout.stock_csv") -> tuple[tuple[str, str, int], ...]:
    """Rows ``depot,sku,units`` of a stock CSV (the demo world's ``stock.csv`` format).

    Raises
    ------
    InvalidInput
        Under ``field``, naming the line, when the file or a value is bad.
    """
    require_file(path, field)
    rows = read_csv(_StockRow, path, required=_StockRow.model_fields, field=field)
    return tuple((r.depot, r.sku, r.units) for r in rows)
