"""The dispatch engine: for each ticket the depot, the transport and the engineer, and every
engineer's day in order, so that the most deadlines are met at the least cost.

Planning runs in two phases: the part source and mode of each ticket, most urgent first
(:mod:`dispatch.sources`), then the engineers' days with the routing core (:mod:`dispatch.days`).
The objective is lexicographic in effect: lateness is priced per second and weighted by tier far
above any travel cost, so on-time tickets come first, then the least cost in PLN.
"""

from __future__ import annotations

import time as clock

from dispatch.allocation import allocation_order
from dispatch.choice import Choice
from dispatch.days import EngineerDays
from dispatch.encode import World, encode
from dispatch.explain import alternatives_for
from dispatch.plans import Assignment, PlanResult, Unassigned
from dispatch.sources import choose_sources
from dispatch.world import Service, WorldSnapshot
from solver.candidates import Mode
from solver.routing.result import Evaluation
from solver.travel.model import TravelModel

MIN_ROUTING_S = 0.3  # the routing core always gets this long, even after a slow first load
MODE_NAMES = {
    Mode.COURIER: ("courier", "parcel"),
    Mode.DEDICATED: ("dedicated", "car"),
    Mode.PICKUP: ("engineer", "depot"),
    Mode.VAN: ("engineer", "van"),
    Mode.MEET: ("engineer", "meet"),
}


def default_travel() -> TravelModel:
    """The embedded road network of Poland."""
    from solver.travel.road import RoadTravel

    return RoadTravel.default()


def plan(
    snapshot: WorldSnapshot,
    *,
    time_limit_s: float = 5.0,
    travel: TravelModel | None = None,
    seed: int = 0,
) -> PlanResult:
    """Plan every ticket of ``snapshot`` within about ``time_limit_s`` seconds."""
    began = clock.perf_counter()
    world = encode(snapshot, travel or default_travel())
    sourcing = allocation_order(world)
    choices, unassigned, _ = choose_sources(world, sourcing)
    days = EngineerDays(world, choices)
    routed = None
    if days.has_work and days.can_improve():
        budget = max(
            time_limit_s - (clock.perf_counter() - began), min(time_limit_s, MIN_ROUTING_S)
        )
        routed = days.solve(budget, seed).evaluation
    elif days.has_work:
        routed = days.evaluated(days.warm_start)
    return assemble(world, choices, unassigned, days, routed, began)


def assemble(
    world: World,
    choices: dict[int, Choice],
    unassigned: dict[int, str],
    days: EngineerDays,
    routed: Evaluation | None,
    began: float,
) -> PlanResult:
    """The plan as dispatchers read it, from phase 1's choices and the routed days."""
    served = days.served(routed) if routed is not None else {}
    scenario = world.snapshot
    missing = dict(unassigned)
    assignments = []
    for t, choice in sorted(choices.items()):
        ticket = scenario.tickets[t]
        engineer, eta = choice.engineer, choice.eta_s
        if ticket.service is Service.SOS:
            if t not in served:
                missing[t] = "no engineer can fit this visit into a shift"
                continue
            engineer, eta = served[t]
        deadline = int(world.deadline_rel_s[t])
        mode_name, source = MODE_NAMES[choice.mode]
        assignments.append(
            Assignment(
                ticket=ticket.id,
                mode=mode_name,
                source=source,
                depot=world.depot_ids[choice.depot] if choice.depot >= 0 else None,
                engineer=world.engineer_ids[engineer] if engineer >= 0 else None,
                sku=choice.sku,
                eta=world.at(eta),
                deadline=world.at(deadline),
                on_time=eta <= deadline,
                cost=choice.cost_gr / 100,
                alternatives=alternatives_for(world, choice),
            )
        )
    return PlanResult(
        assignments=tuple(assignments),
        routes=days.route_stops(routed),
        unassigned=tuple(
            Unassigned(scenario.tickets[t].id, reason) for t, reason in sorted(missing.items())
        ),
        runtime_s=clock.perf_counter() - began,
        transport_cost=sum(c.transport_gr(world) for t, c in choices.items() if t not in missing)
        / 100,
        engineer_cost=(
            0.0 if routed is None else (routed.costs.travel_gr + routed.costs.time_gr) / 100
        ),
    )
