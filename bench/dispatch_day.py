"""The dispatch engine on a generated Polish day (issue 6's benchmark).

120 engineers, 12 depots, 400 tickets of mixed tiers (a morning backlog). Reports the full
plan's time, on-time share and cost; the upper bound (tickets with at least one on-time option
when planned alone); two dispatcher baselines (nearest stocked depot + nearest free skilled
engineer; each ticket in arrival order with its best option given earlier choices); and the
latency of inserting each of the last 100 tickets into the live plan of the first 300.
Prints one JSON object.

Run: ``.venv/bin/python bench/dispatch_day.py [--tickets N] [--time-limit S]``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.allocation import allocation_order
from dispatch.days import EngineerDays
from dispatch.encode import World, encode
from dispatch.engine import assemble, default_travel
from dispatch.live import LivePlan
from dispatch.places import resolve
from dispatch.plans import PlanResult
from dispatch.scenario import Scenario
from dispatch.scenario_snapshot import snapshot
from dispatch.sources import SourceState, SourcingOrder, choose_sources, urgency_order
from dispatch.tiers import Priority
from solver.candidates import Mode, Reason

DEPOT_CITIES = ["Kraków", "Warszawa", "Gdańsk", "Poznań", "Wrocław", "Łódź", "Katowice",
                "Lublin", "Białystok", "Szczecin", "Rzeszów", "Bydgoszcz"]  # fmt: skip
FAMILIES = ["switch", "wireless", "router"]
SKUS = [
    ("X465-48T", "switch", 90),
    ("X440-G2-24t", "switch", 60),
    ("5520-48W", "switch", 90),
    ("AP4000", "wireless", 30),
    ("AP5010", "wireless", 45),
    ("VSP-4900", "router", 120),
]
TIERS = (["8x5xNBD", "24x7xNBD", "8x5x8", "24x7x8", "24x7x4"], [0.45, 0.15, 0.15, 0.1, 0.15])


def generate(rng: np.random.Generator, n_tickets: int, n_engineers: int) -> dict[str, Any]:
    """A seeded scenario in the ``dispatch plan`` format."""
    places = _towns()
    pop = np.array([p[1] for p in places], dtype=float)
    weights = pop / pop.sum()
    engineer_towns = rng.choice(len(places), size=n_engineers, p=weights)
    site_towns = rng.choice(len(places), size=n_tickets, p=weights)
    skus = [{"sku": s, "family": f, "onsite_minutes": m} for s, f, m in SKUS]
    depots = [
        {"id": city[:3].upper() + str(i), "location": city,
         "stock": {s: int(rng.integers(4, 16)) for s, _, _ in SKUS},
         "pick_minutes": 20, "courier_cutoff": "16:00", "drivers": 3}
        for i, city in enumerate(DEPOT_CITIES)
    ]  # fmt: skip
    engineers = [
        {"id": f"E{i:03d}", "home": places[t][0],
         "skills": sorted(set(rng.choice(FAMILIES, size=2).tolist())),
         "shift": ["08:00", "18:00"], "on_call": bool(rng.random() < 0.2),
         "cost_per_hour": 120}
        for i, t in enumerate(engineer_towns)
    ]  # fmt: skip
    tiers = rng.choice(len(TIERS[0]), size=n_tickets, p=TIERS[1])
    minutes = np.sort(rng.integers(0, 60, size=n_tickets))
    tickets = [
        {"id": f"T{i:04d}", "service": "SOS" if rng.random() < 0.6 else "AHB",
         "tier": TIERS[0][int(tiers[i])], "accepted_at": f"2026-12-02T07:{int(minutes[i]):02d}",
         "site": places[int(site_towns[i])][0], "sku": SKUS[int(rng.integers(len(SKUS)))][0]}
        for i in range(n_tickets)
    ]  # fmt: skip
    return {"now": "2026-12-02T08:00", "skus": skus, "depots": depots,
            "couriers": [{"id": "NBD", "delivery_by": "17:00", "price": 60}],
            "engineers": engineers, "tickets": tickets}  # fmt: skip


def _towns() -> list[tuple[str, int]]:
    """Unambiguous towns of 20,000+ people: name and population."""
    path = Path(__file__).resolve().parents[1] / "data" / "geo" / "places.csv"
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "town" and r["population"]]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["name"]] = counts.get(r["name"], 0) + 1
    return [(r["name"], int(r["population"])) for r in rows
            if int(r["population"]) >= 20_000 and counts[r["name"]] == 1]  # fmt: skip


def upper_bound(world: World) -> int:
    """Tickets with at least one on-time option when each is planned alone."""
    state = SourceState.start(world)
    count = 0
    for t in range(len(world.snapshot.tickets)):
        opts = state.options_for(t)
        ok = (opts.reason == Reason.OK) & (opts.eta_s <= world.deadline_rel_s[t])
        count += bool(ok.any())
    return count


def nearest_baseline(world: World) -> tuple[int, float]:
    """Nearest stocked depot, then (SOS) the nearest free skilled engineer; (on time, cost)."""
    state = SourceState.start(world)
    on_time, cost = 0, 0
    for t in range(len(world.snapshot.tickets)):
        opts = state.options_for(t)
        ok = np.flatnonzero(opts.reason == Reason.OK)
        if not len(ok):
            continue
        site = int(world.site_loc[t])
        depot_time = world.net.travel_s[np.maximum(opts.depot[ok], 0), site]
        eng_time = np.where(opts.engineer[ok] >= 0, opts.eta_s[ok], 0)
        is_ahb = opts.mode[ok] <= Mode.DEDICATED
        urgent = world.deadline_rel_s[t] < 86_400 / 2
        mode_rank = np.where(
            is_ahb & (opts.mode[ok] == (Mode.DEDICATED if urgent else Mode.COURIER)), 0, 1
        )
        k = int(ok[np.lexsort((eng_time, depot_time, mode_rank))[0]])
        choice = state.commit(t, opts, k)
        on_time += choice.eta_s <= world.deadline_rel_s[t]
        cost += choice.cost_gr
    return on_time, cost / 100


def full_plan(
    world: World, sourcing: SourcingOrder, args: argparse.Namespace, began: float
) -> tuple[PlanResult, float]:
    """Phase 1 in ``sourcing``'s order, then routed days; the plan and phase 1's time."""
    choices, unassigned, _ = choose_sources(world, sourcing)
    first_s = time.perf_counter() - began
    days = EngineerDays(world, choices)
    routed = days.solve(args.time_limit - (time.perf_counter() - began), args.seed).evaluation
    return assemble(world, choices, unassigned, days, routed, began), first_s


def on_time_by_priority(world: World, result: PlanResult) -> list[int]:
    """On-time tickets of 4 h, 8 h and NBD tiers."""
    tier = {t.id: t.tier.priority for t in world.snapshot.tickets}
    counts = {Priority.HOURS_4: 0, Priority.HOURS_8: 0, Priority.NBD: 0}
    for a in result.assignments:
        if a.on_time:
            counts[tier[a.ticket]] += 1
    return list(counts.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--engineers", type=int, default=120)
    parser.add_argument("--time-limit", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", type=int, default=300, help="tickets planned before insertions")
    parser.add_argument(
        "--stock", help="LO-HI: each depot holds LO..HI units of each SKU (scarce-stock days)"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    raw = generate(rng, args.tickets, args.engineers)
    if args.stock:
        lo, hi = (int(x) for x in args.stock.split("-"))
        for depot in raw["depots"]:
            depot["stock"] = {sku: int(rng.integers(lo, hi + 1)) for sku in depot["stock"]}
    scenario = Scenario.from_dict(raw)
    began = time.perf_counter()
    travel = default_travel()
    resolve("Kraków", field="warm-up")  # one-off loads (gazetteer, tables, calendars)
    encode(snapshot(Scenario.from_dict(generate(np.random.default_rng(0), 2, 2))), travel)
    load_s = time.perf_counter() - began

    began = time.perf_counter()
    world = encode(snapshot(scenario), travel)
    encode_s = time.perf_counter() - began
    sourcing = allocation_order(world)
    result, first_plan_s = full_plan(world, sourcing, args, began)
    plan_s = time.perf_counter() - began
    plain, _ = full_plan(world, SourcingOrder(urgency_order(world)), args, time.perf_counter())

    arrival = sorted(range(len(scenario.tickets)), key=lambda t: scenario.tickets[t].accepted_at)
    greedy, _, _ = choose_sources(world, SourcingOrder(arrival))
    greedy_on_time = sum(c.eta_s <= world.deadline_rel_s[t] for t, c in greedy.items())
    greedy_cost = sum(c.cost_gr for c in greedy.values()) / 100
    nearest_on_time, nearest_cost = nearest_baseline(world)
    bound = upper_bound(world)

    whole = world.snapshot
    live_world = dataclasses.replace(whole, tickets=whole.tickets[: args.base])
    live = LivePlan.start(live_world, time_limit_s=2.0, travel=travel)
    latencies = []
    for new in whole.tickets[args.base :]:
        started = time.perf_counter()
        live.insert(new)
        latencies.append((time.perf_counter() - started) * 1000)
    live_result = live.result()
    live_on_time = live_result.on_time

    print(json.dumps({
        "benchmark": "dispatch_day",
        "tickets": len(scenario.tickets), "engineers": len(scenario.engineers),
        "depots": len(scenario.depots),
        "load_once_s": round(load_s, 2), "encode_s": round(encode_s, 2),
        "first_full_plan_s": round(first_plan_s, 2), "plan_s": round(plan_s, 2),
        "plan_on_time": result.on_time, "plan_late": len(result.assignments) - result.on_time,
        "plan_unassigned": len(result.unassigned), "plan_cost_pln": result.cost,
        "plan_cost_same_basis_as_baselines_pln": round(sum(a.cost for a in result.assignments), 2),
        "plan_on_time_4h_8h_nbd": on_time_by_priority(world, result),
        "plan_without_joint_allocation": {
            "on_time": plain.on_time, "late": len(plain.assignments) - plain.on_time,
            "unassigned": len(plain.unassigned), "cost_pln": plain.cost,
            "on_time_4h_8h_nbd": on_time_by_priority(world, plain)},
        "upper_bound_on_time": bound,
        "plan_share_of_bound": round(result.on_time / bound, 4) if bound else None,
        "baseline_arrival_order": {"on_time": int(greedy_on_time), "cost_pln": greedy_cost},
        "baseline_nearest": {"on_time": int(nearest_on_time), "cost_pln": nearest_cost},
        "insertion": {"base_tickets": args.base, "inserted": len(latencies),
                      "p50_ms": round(float(np.percentile(latencies, 50)), 1),
                      "p95_ms": round(float(np.percentile(latencies, 95)), 1),
                      "on_time_after": live_on_time,
                      "unassigned_after": len(live_result.unassigned)},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
