"""``dispatch place-depots`` and ``dispatch stock``: where depots go and how many spares they hold.

Inputs by default: the demo world's installed base (``data/demo``: sites, devices, SKUs) and
the 1,000 most populous places as candidate towns; ``--installed-base CSV`` or ``--sample N``
(population-weighted sites) replace the demo sites. Road times come from the embedded road
network (``--travel geodesic`` for a straight-line stand-in).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from rich.console import Console
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from depots.demand import ReturnLoop
from depots.placement import (
    DEMO_DIR,
    DEPOT_COST_PLN_YEAR,
    MODELS,
    CustomerSites,
    DepotLayout,
    PlacementParams,
    Town,
    candidate_towns,
    load_demo_installed_base,
    load_installed_base,
    place_depots,
    sample_installed_base,
    town_index,
)
from depots.report import write_curve
from depots.stocking import base_stock, failure_rates, load_skus, stock_items
from depots.tradeoff import depot_curve, hour_tiers
from dispatch.cli import add_topic
from dispatch.cli.output import output_dir, progress_bar
from dispatch.errors import InvalidInput
from dispatch.tiers import Tier
from dispatch.travel import road_model
from solver.travel.geodesic import GeodesicTravel
from solver.travel.model import TravelModel

T = TypeVar("T")
DEFAULT_SAMPLE = 2500  # sites drawn by --sample when no demo installed base exists
SKUS_HELP = "SKU catalogue with failure rates (afr_permille) and values"


def register(topics: Any) -> None:
    """Add ``place-depots`` and ``stock``."""
    place = add_topic(topics, "place-depots")
    place.add_argument("--model", choices=MODELS, default="maxcover")
    place.add_argument("--k", type=int, default=6, help="depots to open (maxcover, pmedian)")
    place.add_argument("--tier", default="24x7x4", help="tier whose target defines coverage")
    place.add_argument("--open", default="", help="towns forced open, comma-separated")
    place.add_argument("--closed", default="", help="towns ruled out, comma-separated")
    place.add_argument(
        "--depot-cost",
        type=int,
        default=DEPOT_COST_PLN_YEAR,
        help="fixedcost, slacost: PLN a year per depot",
    )
    place.add_argument("--skus", type=Path, default=DEMO_DIR / "skus.csv", help=SKUS_HELP)
    place.add_argument(
        "--curve",
        help="K1-K2: the cost-vs-SLA curve of maxcover layouts of K1..K2 depots, every hour "
        "tier (report in --out/curve-depots)",
    )
    place.add_argument("--out", type=Path, default=Path("out"), help="report root for --curve")
    _common(place)
    place.set_defaults(handler=_place)

    stock = add_topic(topics, "stock")
    stock.add_argument("--fill-rate", type=float, default=0.95, help="target share from stock")
    stock.add_argument("--budget", type=float, help="PLN a year of holding cost at most")
    stock.add_argument(
        "--depots",
        help="depot towns, comma-separated (default: demo depots, "
        "else a p-median layout of --k depots)",
    )
    stock.add_argument("--k", type=int, default=6, help="depots when no depots are given")
    stock.add_argument(
        "--return-days",
        type=float,
        default=ReturnLoop().max_days,
        help="days within which the customer returns the failed unit (the terms: 7)",
    )
    stock.add_argument(
        "--repair-days",
        type=float,
        default=ReturnLoop().repair_days,
        help="days the central warehouse takes to exchange or repair it",
    )
    stock.add_argument(
        "--transfer-days",
        type=float,
        default=ReturnLoop().transfer_days,
        help="days from the central warehouse back to the depot",
    )
    stock.add_argument("--holding-rate", type=float, default=0.25, help="per year, of value")
    stock.add_argument(
        "--substitutes",
        action="store_true",
        help="stock a SKU that another may replace as that other one (one pool of units)",
    )
    stock.add_argument("--skus", type=Path, default=DEMO_DIR / "skus.csv", help=SKUS_HELP)
    _common(stock)
    stock.set_defaults(handler=_stock)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--installed-base", type=Path, help="CSV: lat, lon[, site_id, devices, sku, tier]"
    )
    p.add_argument("--sample", type=int, help="N population-weighted sites instead of the demo")
    p.add_argument("--seed", type=int, default=0, help="seed for --sample")
    p.add_argument("--candidates", type=int, default=1000, help="most populous places to consider")
    p.add_argument("--travel", choices=("road", "geodesic"), default="road")
    p.add_argument("--time-limit", type=float, default=60.0, help="solver seconds")
    p.add_argument("--json", action="store_true", help="print one JSON object")


# The library's names for what the user typed as a flag, so an error names the flag.
_FLAG_OF = {"tier": "--tier", "k": "--k", "forced_open": "--open", "forced_closed": "--closed"}


@contextmanager
def _flag_names() -> Iterator[None]:
    """Re-raise the placement library's input errors under the flag the user typed."""
    try:
        yield
    except InvalidInput as exc:
        if exc.field not in _FLAG_OF:
            raise
        raise InvalidInput(_FLAG_OF[exc.field], exc.reason) from None


@contextmanager
def _progress() -> Iterator[Callable[[str, Callable[[], T]], T]]:
    """A spinner with elapsed time on stderr (silent when stderr is not a terminal)."""
    with progress_bar(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()
    ) as bar:

        def step(text: str, work: Callable[[], T]) -> T:
            task = bar.add_task(text, total=None)
            try:
                return work()
            finally:
                bar.remove_task(task)

        yield step


def _installed_base(args: argparse.Namespace, sku_path: Path | None) -> CustomerSites:
    if args.installed_base is not None and args.sample is not None:
        raise InvalidInput("--installed-base", "give either --installed-base or --sample")
    if args.installed_base is not None:
        return load_installed_base(args.installed_base)
    if args.sample is not None and args.sample < 1:
        raise InvalidInput("--sample", f"must be >= 1 site, got {args.sample}")
    if args.sample is None and (DEMO_DIR / "sites.csv").exists():
        return load_demo_installed_base()
    shares = {}
    if sku_path is not None and sku_path.exists():
        shares = {s.sku: s.share for s in load_skus(sku_path).values()}
    rng = np.random.default_rng(args.seed)
    count = DEFAULT_SAMPLE if args.sample is None else args.sample
    return sample_installed_base(count, rng, sku_shares=shares)


def _travel(name: str) -> TravelModel:
    return GeodesicTravel() if name == "geodesic" else road_model()


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _headline(layout: DepotLayout) -> str:
    """The answer in one line, printed above the table (a table title would wrap)."""
    r = layout.result
    covered = ""
    if layout.devices_covered is not None and layout.devices_in_tier:
        share = layout.devices_covered / layout.devices_in_tier
        covered = f", {share:.1%} of {layout.tier} devices within target"
    depots = f"{len(layout.depots)} depot{'' if len(layout.depots) == 1 else 's'}"
    return (
        f"{layout.model}: {depots}, {r.status} (gap {r.gap:.2%}, {r.runtime_s:.1f} s){covered}; "
        f"mean road time {layout.mean_travel_s / 60:.0f} min"
    )


def _layout_table(layout: DepotLayout) -> Table:
    table = Table()
    for col in ("depot", "voivodeship", "devices served (all tiers)"):
        table.add_column(col)
    for town, n in zip(layout.depots, layout.devices_served, strict=True):
        table.add_row(town.name, town.voivodeship, str(n))
    if layout.note:
        table.caption = layout.note
    return table


def _curve_range(text: str) -> range:
    low, _, high = text.partition("-")
    try:
        ks = range(int(low), int(high or low) + 1)
    except ValueError:
        raise InvalidInput("--curve", f"expected K1-K2 such as 1-12, got {text!r}") from None
    if not ks or ks.start < 1:
        raise InvalidInput("--curve", f"expected 1 <= K1 <= K2, got {text!r}")
    return ks


def _curve(args: argparse.Namespace, tier: Tier) -> int:
    ks = _curve_range(args.curve)
    params = PlacementParams(depot_cost_pln_year=args.depot_cost, time_limit_s=args.time_limit)
    towns = candidate_towns(args.candidates, field="--candidates")
    out = output_dir(args.out / "curve-depots", "--out")
    with _flag_names(), _progress() as step:
        base = step("installed base", lambda: _installed_base(args, args.skus))
        travel = step("road network", lambda: _travel(args.travel))
        rates = failure_rates(load_skus(args.skus))
        curve = step(
            f"maxcover, {ks.start}..{ks.stop - 1} depots",
            lambda: depot_curve(towns, base, travel, rates, ks, params, hour_tiers(base) or [tier]),
        )
    page = write_curve(curve, out)
    if args.json:
        rows = json.loads(curve.to_json(orient="records", force_ascii=False))
        print(json.dumps({"curve": rows, "report": str(page)}, ensure_ascii=False))
        return 0
    table = Table(title="depots: share of the tier's devices within target vs cost a year")
    for col in ("tier", "depots", "within target", "zł a year", "mean road min", "Pareto"):
        table.add_column(col)
    for r in curve.to_dict("records"):
        table.add_row(
            str(r["tier"]),
            str(r["depots"]),
            f"{float(r['covered_share']):.1%}",
            f"{float(r['total_pln']):,.0f}",
            f"{float(r['mean_travel_min']):.0f}",
            "yes" if r["pareto"] else "",
        )
    Console().print(table)
    print(f"report: {page}")
    return 0


def _place(args: argparse.Namespace) -> int:
    _check_place_flags(args)
    tier = Tier.parse(args.tier, field="--tier")
    if args.curve is not None:
        return _curve(args, tier)
    params = PlacementParams(depot_cost_pln_year=args.depot_cost, time_limit_s=args.time_limit)
    towns = candidate_towns(args.candidates, field="--candidates")
    _check_towns(towns, {"--open": args.open, "--closed": args.closed})
    with _flag_names(), _progress() as step:
        base = step("installed base", lambda: _installed_base(args, DEMO_DIR / "skus.csv"))
        travel = step("road network", lambda: _travel(args.travel))
        layout = step(
            f"{args.model}: {len(towns)} towns x {len(base.points)} sites",
            lambda: place_depots(
                args.model,
                towns,
                base.points,
                travel,
                k=args.k,
                tier=None if tier.is_nbd and args.model in ("pmedian", "fixedcost") else tier,
                params=params,
                forced_open=_names(args.open),
                forced_closed=_names(args.closed),
                tickets_per_year=base.tickets_per_year(failure_rates(load_skus(args.skus))),
            ),
        )
    if args.json:
        print(json.dumps({"installed_base": base.source, **layout.to_dict()}, ensure_ascii=False))
    else:
        print(_headline(layout))
        Console().print(_layout_table(layout))
    return 0


def _check_towns(towns: Sequence[Town], flags: Mapping[str, str]) -> None:
    """Refuse an unknown, ambiguous or repeated town under its flag before the slow steps: a
    town named twice (in one flag, or under two flags) would silently change the count."""
    seen: dict[int, str] = {}
    for flag, value in flags.items():
        for name in _names(value):
            index = town_index(name, towns, flag)
            if index in seen:
                where = "given twice" if seen[index] == flag else f"also in {seen[index]}"
                raise InvalidInput(flag, f"{towns[index].name} is {where}")
            seen[index] = flag


def _check_place_flags(args: argparse.Namespace) -> None:
    """Refuse out-of-range numbers under the flag the user typed, before the slow steps."""
    if not 1 <= args.k <= args.candidates:
        raise InvalidInput(
            "--k", f"must be within [1, --candidates {args.candidates}], got {args.k}"
        )
    if args.depot_cost < 0:
        raise InvalidInput("--depot-cost", f"must be >= 0 PLN a year, got {args.depot_cost}")
    _check_common_flags(args)


def _check_common_flags(args: argparse.Namespace) -> None:
    if not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise InvalidInput("--time-limit", f"must be > 0 seconds, got {args.time_limit}")


def _demo_depots() -> list[str]:
    path = DEMO_DIR / "depots.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["location"] for row in csv.DictReader(fh)]


def _check_stock_flags(args: argparse.Namespace) -> None:
    """Refuse bad numbers before the slow steps, naming the flag, in the units it is given in."""
    _check_common_flags(args)
    if not 0 < args.fill_rate < 1:
        raise InvalidInput(
            "--fill-rate", f"must be between 0 and 1 (exclusive), got {args.fill_rate}"
        )
    if not (math.isfinite(args.holding_rate) and args.holding_rate > 0):
        raise InvalidInput("--holding-rate", f"must be > 0, got {args.holding_rate}")
    for flag in ("--return-days", "--repair-days", "--transfer-days"):
        value = getattr(args, flag[2:].replace("-", "_"))
        if not (math.isfinite(value) and value >= 0):
            raise InvalidInput(flag, f"must be >= 0 days, got {value}")
    if args.return_days / 2 + args.repair_days + args.transfer_days <= 0:
        raise InvalidInput("--transfer-days", "the return loop must take some time")
    if args.budget is not None and not (math.isfinite(args.budget) and args.budget >= 0):
        raise InvalidInput("--budget", f"must be >= 0 PLN a year, got {args.budget}")


def _stock(args: argparse.Namespace) -> int:
    _check_stock_flags(args)
    skus = load_skus(args.skus)
    names = _names(args.depots) or _demo_depots()
    params = PlacementParams(time_limit_s=args.time_limit)
    towns = candidate_towns(args.candidates, field="--candidates")
    _check_towns(towns, {"--depots": ",".join(names)})
    with _progress() as step:
        base = step("installed base", lambda: _installed_base(args, args.skus))
        travel = step("road network", lambda: _travel(args.travel))
        layout = step(
            "assigning sites to depots",
            lambda: place_depots(
                "pmedian",
                towns,
                base.points,
                travel,
                k=len(names) or args.k,
                params=params,
                forced_open=names,
            ),
        )
        loop = ReturnLoop(args.return_days, args.repair_days, args.transfer_days)
        items = stock_items(
            layout,
            base,
            skus,
            failure_rates(skus),
            loop=loop,
            holding_rate=args.holding_rate,
            substitutes=args.substitutes,
        )
        budget = None if args.budget is None else round(args.budget * 100)
        plan = step("base-stock levels", lambda: base_stock(items, args.fill_rate, budget))
    per_depot: dict[str, list[float]] = {}
    for item, level, fill in zip(plan.items, plan.levels, plan.item_fill_rates(), strict=True):
        row = per_depot.setdefault(item.depot, [0, 0, 0.0, 0.0])
        row[0] += level
        row[1] += level * item.holding_gr_year
        row[2] += item.annual_demand
        row[3] += item.annual_demand * fill
    if args.json:
        print(
            json.dumps(
                {
                    "installed_base": base.source,
                    "fill_rate": round(plan.fill_rate, 4),
                    "target": plan.target,
                    "target_met": plan.target_met,
                    "holding_pln_year": plan.holding_gr_year / 100,
                    "holding_lower_bound_pln_year": plan.cost_lower_bound_gr / 100,
                    "lead_time_days": loop.mean_days,
                    "levels": [
                        {
                            "depot": i.depot,
                            "sku": i.sku,
                            "annual_demand": round(i.annual_demand, 3),
                            "units": s,
                            "serves": list(i.serves),
                        }
                        for i, s in zip(plan.items, plan.levels, strict=True)
                        if s
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    table = Table(
        title=f"fill rate {plan.fill_rate:.2%} (target {plan.target:.0%}"
        f"{'' if plan.target_met else ', NOT met within the budget'}); holding "
        f"{plan.holding_gr_year / 100:,.0f} zł/year (no plan reaching the target costs under "
        f"{plan.cost_lower_bound_gr / 100:,.0f})"
    )
    for col in ("depot", "units", "holding zł/year", "failures/year", "fill rate"):
        table.add_column(col)
    for depot, (units, cost, demand, filled) in sorted(per_depot.items()):
        rate = filled / demand if demand else 1.0
        table.add_row(depot, f"{units:.0f}", f"{cost / 100:,.0f}", f"{demand:.1f}", f"{rate:.1%}")
    Console().print(table)
    return 0
