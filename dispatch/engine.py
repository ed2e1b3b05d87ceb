"""The dispatch engine: for each ticket the depot, the transport and the engineer, and every
engineer's day in order, so that the most deadlines are met at the least cost.

Planning runs in two phases: the part source and mode of each ticket, most urgent first
(:mod:`dispatch.sources`), then the engineers' days with the routing core (:mod:`dispatch.days`).
The objective is lexicographic in effect: lateness is priced per second and weighted by tier far
above any travel cost, so on-time tickets come first, then the least cost in PLN.
"""

from __future__ import annotations

import dataclasses
import time as clock

from dispatch import exact
from dispatch.allocation import allocation_order
from dispatch.choice import Choice
from dispatch.days import EngineerDays
from dispatch.encode import World, encode
from dispatch.explain import alternatives_for, unassigned_reason
from dispatch.plans import Assignment, PlanResult, Unassigned
from dispatch.reinsert import reinsert
from dispatch.sources import LEFT_OUT_REASON, SourceState, choose_sources
from dispatch.world import Service, WorldSnapshot
from solver.candidates import Mode
from solver.routing.result import Evaluation
from solver.travel.model import TravelModel

MIN_ROUTING_S = 0.3  # the routing core always gets this long, even after a slow first load
EXACT_MAX_TICKETS = 10  # batches up to this size are solved exactly first
EXACT_TIME_S = 0.7  # the exact path's time box; unproven, the heuristic gets MIN_ROUTING_S more


def default_travel() -> TravelModel:
    """The configured road model: the embedded network of Poland, or ``DISPATCH_ROADS``'s."""
    from dispatch.travel import road_model

    return road_model()


def plan(
    snapshot: WorldSnapshot,
    *,
    time_limit_s: float = 5.0,
    travel: TravelModel | None = None,
    seed: int = 0,
    exact: bool = True,
) -> PlanResult:
    """Plan every ticket of ``snapshot`` within about ``time_limit_s`` seconds.

    A small batch (``EXACT_MAX_TICKETS`` tickets at most, engineers without existing stops)
    is solved exactly first (``dispatch.exact``, within ``EXACT_TIME_S``); the heuristic
    answers when the batch is larger, the exact model finds nothing in time, or ``exact`` is
    off, and also runs when the exact answer is not proven optimal: the better of the two
    (weighted on-time points, then cost) is the plan, so a time box cut short by a busy
    machine never costs more than the heuristic. The plan says which path answered.
    """
    began = clock.perf_counter()
    world = encode(snapshot, travel or default_travel())
    sourcing = allocation_order(world)
    choices, unassigned, state = choose_sources(world, sourcing)
    found = None
    if exact and _exact_fits(world):
        found = plan_exact(world, min(time_limit_s, EXACT_TIME_S), began, hint=choices)
        if found is not None and found.proven_optimal:
            return found
    days = EngineerDays(world, choices)
    routes = days.warm_start
    if days.has_work and days.can_improve():
        left = time_limit_s - (clock.perf_counter() - began)
        if found is not None:  # a small batch the exact path answered: compare within ~1 s
            left = min(left, EXACT_TIME_S + MIN_ROUTING_S - (clock.perf_counter() - began))
        budget = max(left, min(time_limit_s, MIN_ROUTING_S))
        routes = days.solve(budget, seed).evaluation.route_jobs
    if days.vehicles:
        routes = reinsert(world, state, choices, unassigned, days, routes)
    routed = days.evaluated(routes) if days.has_work else None
    result = assemble(world, choices, unassigned, days, routed, began)
    if found is not None and _score(world, found) >= _score(world, result):
        return dataclasses.replace(found, runtime_s=result.runtime_s)
    return result


def _score(world: World, result: PlanResult) -> tuple[int, float]:
    """How good a plan is: weighted on-time points (tier priority), then the lower cost."""
    priority = {t.id: int(t.tier.priority) for t in world.snapshot.tickets}
    return sum(priority[a.ticket] for a in result.assignments if a.on_time), -result.cost


def _exact_fits(world: World) -> bool:
    snap = world.snapshot
    if any(t.not_before is not None for t in snap.tickets):  # the exact model has no such time
        return False
    return 0 < len(snap.tickets) <= EXACT_MAX_TICKETS and not any(e.route for e in snap.engineers)


def plan_exact(
    world: World,
    time_limit_s: float,
    began: float | None = None,
    hint: dict[int, Choice] | None = None,
) -> PlanResult | None:
    """The exact plan of ``world`` (no existing route stops), or None when CP-SAT found none
    within the time limit; assembled like the heuristic's, every route re-checked. ``hint``
    (the heuristic's sourcing) gives the search a first answer."""
    began = clock.perf_counter() if began is None else began
    found = exact.solve(world, time_limit_s, hint)
    if found is None:
        return None
    unassigned = _exact_unassigned(world, found.choices)
    days = found.days
    routed = days.evaluated(found.routes) if days.has_work else None
    result = assemble(world, found.choices, unassigned, days, routed, began)
    return dataclasses.replace(
        result, path="exact", proven_optimal=found.proven, points_bound=found.points_bound
    )


def _checked(world: World, t: int, reason: str, assignments: list[Assignment]) -> str:
    """``reason``, with its claim that the units went to tickets they keep on time made only
    when the plan bears it out (every ticket holding a unit this one could use is on time)."""
    if not reason.endswith(LEFT_OUT_REASON):
        return reason
    usable = set(world.snapshot.accepted_skus(world.snapshot.tickets[t]))
    holders = [a for a in assignments if a.sku in usable and a.source != "van"]
    if all(a.on_time for a in holders):
        return reason
    late = sum(not a.on_time for a in holders)
    return (
        reason.removesuffix(LEFT_OUT_REASON) + f"; the units left went to other tickets "
        f"({late} of them late)"
    )


def _exact_unassigned(world: World, choices: dict[int, Choice]) -> dict[int, str]:
    """Why each ticket the exact answer leaves out is left out: what it found left once the
    others took their units, or that no engineer's day had room for it."""
    state = SourceState.start(world)
    for choice in choices.values():
        units = state.van_units if choice.mode is Mode.VAN else state.depot_units
        units[choice.sku][choice.engineer if choice.mode is Mode.VAN else choice.depot] -= 1
    out = {}
    for t in range(len(world.snapshot.tickets)):
        if t in choices:
            continue
        before = SourceState.start(world).options_for(t)
        reason = unassigned_reason(world, t, state.options_for(t))
        if before.feasible.any() and reason.startswith("no stock"):
            reason += LEFT_OUT_REASON
        elif before.feasible.any():
            reason = "no engineer can fit this visit into a working window"
        out[t] = reason
    return out


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
        assignments.append(
            Assignment(
                ticket=ticket.id,
                mode=choice.mode.plan_name,
                source=choice.mode.source,
                depot=world.depot_ids[choice.depot] if choice.depot >= 0 else None,
                engineer=world.engineer_ids[engineer] if engineer >= 0 else None,
                sku=choice.sku,
                eta=world.at(eta),
                deadline=world.at(deadline),
                on_time=eta <= deadline,
                cost=choice.cost_gr / 100,
                alternatives=alternatives_for(world, choice, eta),
            )
        )
    return PlanResult(
        assignments=tuple(assignments),
        routes=days.route_stops(routed),
        unassigned=tuple(
            Unassigned(scenario.tickets[t].id, _checked(world, t, reason, assignments))
            for t, reason in sorted(missing.items())
        ),
        runtime_s=clock.perf_counter() - began,
        transport_cost=sum(c.transport_gr(world) for t, c in choices.items() if t not in missing)
        / 100,
        engineer_cost=(
            0.0 if routed is None else (routed.costs.travel_gr + routed.costs.time_gr) / 100
        ),
    )
