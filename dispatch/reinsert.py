"""Tickets the first pass could not place get a second chance in the routed days.

Phase 1 gives tickets their engineers in urgency order with each engineer's day as a greedy
sequence, so a visit can find no room although the routed days (which chain visits better)
have it; the routing core can also drop a visit it cannot fit. Each such SOS ticket is
inserted into the routed days where it costs least, trying its best part sources in turn
with what stock is left; confirmed order is kept, so no routed ticket is made late.
"""

from __future__ import annotations

from dispatch.choice import Choice
from dispatch.days import EngineerDays
from dispatch.encode import World
from dispatch.sources import SourceState
from dispatch.world import Service
from solver.routing.model import Routes

SOURCES_TRIED = 6


def reinsert(
    world: World,
    state: SourceState,
    choices: dict[int, Choice],
    unassigned: dict[int, str],
    days: EngineerDays,
    routes: Routes,
) -> Routes:
    """``routes`` with every SOS ticket it lacks inserted where possible.

    Updates ``choices`` and ``unassigned`` in place for the tickets it places; the stock
    of a choice whose visit was dropped is used again first.
    """
    routed = {
        t for t in _routed_tickets(days, routes) if world.snapshot.tickets[t].service is Service.SOS
    }
    for t in range(len(world.snapshot.tickets)):
        ticket = world.snapshot.tickets[t]
        if ticket.service is not Service.SOS or t in routed:
            continue
        if t in choices:  # routed out: its unit comes back to the pool for a second try
            _give_back(state, choices.pop(t))
        found = _insert(world, state, days, routes, t)
        if found is None:
            continue
        choice, routes = found
        choices[t] = choice
        unassigned.pop(t, None)
    return routes


def _routed_tickets(days: EngineerDays, routes: Routes) -> set[int]:
    return {ref for route in routes for job in route for kind, ref in [days.job_ref[job]]
            if kind == "ticket"}  # fmt: skip


def _give_back(state: SourceState, choice: Choice) -> None:
    units = state.van_units if choice.engineer >= 0 and choice.depot < 0 else state.depot_units
    units[choice.sku][choice.engineer if choice.depot < 0 else choice.depot] += 1


def _insert(
    world: World, state: SourceState, days: EngineerDays, routes: Routes, t: int
) -> tuple[Choice, Routes] | None:
    opts = state.options_for(t)
    ranked = opts.ranked(int(world.deadline_rel_s[t]))
    tried = 0
    for k in ranked:
        if tried == SOURCES_TRIED:
            break
        tried += 1
        preview = state.preview(t, opts, int(k))
        found = days.insertion(preview, routes)
        if found is None:
            continue
        choice = state.commit(t, opts, int(k))
        return choice, found.apply(routes)
    return None
