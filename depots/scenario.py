"""Simulation scenarios: the network to test and the year to run it through, from TOML.

A scenario names the world (the demo world or a directory of the same CSVs), the period, the
demand profile, the return and repair lead times, and changes to the depot layout (depots closed,
depots opened, stock scaled or replaced from a CSV). ``SimulationParams.from_toml`` validates
every field and refuses unknown keys, so a typo never silently runs the baseline.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, time
from pathlib import Path
from typing import Any

from depots.demand import DemandProfile, ReturnLoop
from depots.demo_world import DEMO_DIR
from dispatch.errors import InvalidInput

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
_TOP_KEYS = {
    "name",
    "description",
    "world",
    "start",
    "days",
    "seed",
    "demand",
    "returns",
    "layout",
    "planner",
    "costs",
}
PLANNERS = ("phase1", "routing")
_DEMAND_KEYS = {
    "hourly",
    "weekday",
    "rate_scale",
    "verify_min_minutes",
    "verify_mean_extra_minutes",
    "verify_max_minutes",
}
_LAYOUT_KEYS = {"close", "open", "stock_scale", "stock_csv"}
_OPEN_KEYS = {"id", "location", "pick_minutes", "courier_cutoff", "drivers", "stock"}


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

    def __post_init__(self) -> None:
        if self.stock_scale < 0:
            raise InvalidInput("layout.stock_scale", f"must be >= 0, got {self.stock_scale}")
        if set(self.close) & {d.id for d in self.open}:
            raise InvalidInput("layout.open", "a depot cannot be both closed and opened")


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
    description: str = ""
    # "routing": the service's engine (joint stock allocation, engineers' routes) on the
    # tickets accepted since the last planning moment, every batch_minutes; "phase1": each
    # ticket alone at acceptance, the engine's first phase only (faster, a little dearer).
    planner: str = "routing"
    batch_minutes: int = 15
    time_limit_s: float = 0.05  # engine time per batch
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
        if self.batch_minutes <= 0 or self.time_limit_s <= 0:
            raise InvalidInput("planner", "batch_minutes and time_limit_s must be > 0")
        if not 2000 <= self.start.year <= 2098:
            raise InvalidInput("start", f"must be within 2000..2098, got {self.start}")

    @classmethod
    def from_toml(cls, path: Path) -> SimulationParams:
        """Read and validate a scenario file; relative paths inside are relative to it.

        Raises
        ------
        InvalidInput
            Naming the file or field and what is wrong with it.
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInput("scenario", f"no such file: {path}") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput("scenario", f"{path}: {exc}") from None
        return cls.from_mapping(data, base=path.parent, default_name=path.stem)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, base: Path, default_name: str
    ) -> SimulationParams:
        """Validate parsed TOML (see :meth:`from_toml`)."""
        _known(data, _TOP_KEYS, "")
        start = data.get("start")
        if not isinstance(start, date):
            raise InvalidInput("start", f"expected a TOML date such as 2027-01-01, got {start!r}")
        world = data.get("world", "demo")
        world_dir = DEMO_DIR if world == "demo" else base / _text(world, "world")
        if not world_dir.is_dir():
            raise InvalidInput("world", f"no such directory: {world_dir}")
        costs = _table(data, "costs")
        _known(costs, {"depot_pln_year", "holding_rate"}, "costs.")
        returns = _table(data, "returns")
        _known(returns, {f.name for f in fields(ReturnLoop)}, "returns.")
        planner = _table(data, "planner")
        _known(planner, {"mode", "batch_minutes", "time_limit_s", "exact"}, "planner.")
        exact = planner.get("exact", False)
        if not isinstance(exact, bool):
            raise InvalidInput("planner.exact", f"expected true or false, got {exact!r}")
        return cls(
            name=_text(data.get("name", default_name), "name"),
            description=str(data.get("description", "")),
            start=start,
            days=_int(data.get("days", 365), "days"),
            seed=_int(data.get("seed", 0), "seed"),
            world_dir=world_dir,
            demand=_demand(_table(data, "demand")),
            returns=ReturnLoop(**{k: _number(v, f"returns.{k}") for k, v in returns.items()}),
            layout=_layout(_table(data, "layout"), base),
            planner=_text(planner.get("mode", "routing"), "planner.mode"),
            batch_minutes=_int(planner.get("batch_minutes", 15), "planner.batch_minutes"),
            time_limit_s=_number(planner.get("time_limit_s", 0.05), "planner.time_limit_s"),
            exact=exact,
            **{k: _number(v, f"costs.{k}") for k, v in costs.items()},
        )


def _demand(raw: Mapping[str, Any]) -> DemandProfile:
    _known(raw, _DEMAND_KEYS, "demand.")
    defaults = DemandProfile()
    kwargs: dict[str, Any] = {}
    for key in ("hourly", "weekday"):
        if key in raw:
            values = raw[key]
            if not isinstance(values, list):
                raise InvalidInput(f"demand.{key}", "expected a list of numbers")
            kwargs[key] = tuple(_number(v, f"demand.{key}") for v in values)
    for key in _DEMAND_KEYS - {"hourly", "weekday"}:
        kwargs[key] = _number(raw.get(key, getattr(defaults, key)), f"demand.{key}")
    return DemandProfile(**kwargs)


def _layout(raw: Mapping[str, Any], base: Path) -> Layout:
    _known(raw, _LAYOUT_KEYS, "layout.")
    close = raw.get("close", [])
    if not isinstance(close, list) or not all(isinstance(c, str) for c in close):
        raise InvalidInput("layout.close", "expected a list of depot ids")
    opened = raw.get("open", [])
    if not isinstance(opened, list):
        raise InvalidInput("layout.open", "expected an array of tables ([[layout.open]])")
    rows = None
    if "stock_csv" in raw:
        rows = read_stock_csv(base / _text(raw["stock_csv"], "layout.stock_csv"))
    return Layout(
        close=tuple(close),
        open=tuple(_new_depot(d, i) for i, d in enumerate(opened)),
        stock_scale=_number(raw.get("stock_scale", 1.0), "layout.stock_scale"),
        stock_rows=rows,
    )


def _new_depot(raw: object, i: int) -> NewDepot:
    at = f"layout.open[{i}]"
    if not isinstance(raw, dict):
        raise InvalidInput(at, "expected a table")
    _known(raw, _OPEN_KEYS, f"{at}.")
    stock = raw.get("stock", {})
    if not isinstance(stock, dict):
        raise InvalidInput(f"{at}.stock", "expected a table of SKU = units")
    cutoff = raw.get("courier_cutoff", "16:00")
    try:
        cutoff_time = time.fromisoformat(_text(cutoff, f"{at}.courier_cutoff"))
    except ValueError:
        raise InvalidInput(f"{at}.courier_cutoff", f"expected HH:MM, got {cutoff!r}") from None
    return NewDepot(
        id=_text(raw.get("id"), f"{at}.id"),
        location=_text(raw.get("location"), f"{at}.location"),
        pick_minutes=_int(raw.get("pick_minutes", 20), f"{at}.pick_minutes"),
        courier_cutoff=cutoff_time,
        drivers=_int(raw.get("drivers", 1), f"{at}.drivers"),
        stock={str(k): _int(v, f"{at}.stock.{k}") for k, v in stock.items()},
    )


def read_stock_csv(path: Path, field: str = "layout.stock_csv") -> tuple[tuple[str, str, int], ...]:
    """Rows ``depot,sku,units`` of a stock CSV (the demo world's ``stock.csv`` format).

    Raises
    ------
    InvalidInput
        Under ``field``, naming the line, when the file or a value is bad.
    """
    if not path.is_file():
        raise InvalidInput(field, f"no such file: {path}")
    with path.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"depot", "sku", "units"} <= set(reader.fieldnames):
            raise InvalidInput(field, "expected columns depot,sku,units")
        rows = []
        for n, row in enumerate(reader, start=2):
            try:
                units = int(row["units"])
            except ValueError:
                raise InvalidInput(field, f"line {n}: units must be a whole number") from None
            if units < 0:
                raise InvalidInput(field, f"line {n}: units must be >= 0")
            rows.append((row["depot"], row["sku"], units))
    return tuple(rows)


def _known(raw: Mapping[str, Any], keys: set[str], prefix: str) -> None:
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise InvalidInput(
            f"{prefix}{unknown[0]}", f"unknown key (known: {', '.join(sorted(keys))})"
        )


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InvalidInput(key, "expected a table")
    return value


def _text(value: object, at: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(at, f"expected a non-empty string, got {value!r}")
    return value.strip()


def _int(value: object, at: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(at, f"expected a whole number, got {value!r}")
    return value


def _number(value: object, at: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(at, f"expected a number, got {value!r}")
    return float(value)
