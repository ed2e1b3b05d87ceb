"""The plan kept live: a new ticket is inserted in milliseconds, full re-optimisation on demand.

Insertion never reshuffles what is already planned: AHB tickets take their best option against
the stock and drivers left; SOS tickets try their best few part sources and put the visit at
the cheapest feasible place of a nearby engineer's day (the routing core's best insertion), so
confirmed visits keep their order. :meth:`LivePlan.reoptimise` re-plans everything.
"""

from __future__ import annotations

import dataclasses
import time as clock

import numpy as np

from dispatch.allocation import allocation_order
from dispatch.choice import Choice
from dispatch.days import EngineerDays
from dispatch.encode import World, encode
from dispatch.engine import MIN_ROUTING_S, assemble, default_travel
from dispatch.errors import InvalidInput
from dispatch.explain import unassigned_reason
from dispatch.plans import PlanResult
from dispatch.sources import choose_sources
from dispatch.travel import depart_hour_of_week
from dispatch.world import Service, TicketState, WorldSnapshot
from solver.routing.evaluator import forward
from solver.routing.model import Routes
from solver.travel.model import TravelModel

SOURCES_TRIED = 6  # an SOS ticket's best part sources tried for insertion, in candidate order


class LivePlan:
    """A plan in memory that tickets can be added to one at a time."""

    def __init__(
        self, world: World, travel: TravelModel, *, time_limit_s: float = 5.0, seed: int = 0
    ) -> None:
        self._travel = travel
        self._seed = seed
        self._plan(world, time_limit_s)

    @classmethod
    def start(
        cls,
        snapshot: WorldSnapshot,
        *,
        time_limit_s: float = 5.0,
        travel: TravelModel | None = None,
        seed: int = 0,
    ) -> LivePlan:
        """Plan ``snapshot`` fully, then keep it live."""
        travel = travel or default_travel()
        return cls(encode(snapshot, travel), travel, time_limit_s=time_limit_s, seed=seed)

    def _plan(self, world: World, time_limit_s: float) -> None:
        began = clock.perf_counter()
        self.world = world
        sourcing = allocation_order(world)
        self.choices, self.unassigned, self.state = choose_sources(world, sourcing)
        self.days = EngineerDays(world, self.choices)
        self.routes: Routes = self.days.warm_start
        if self.days.has_work:
            budget = max(time_limit_s - (clock.perf_counter() - began), MIN_ROUTING_S)
            self.routes = self.days.solve(budget, self._seed).evaluation.route_jobs

    def result(self) -> PlanResult:
        """The current plan, every route re-checked by the evaluator."""
        began = clock.perf_counter()
        routed = self.days.evaluated(self.routes) if self.days.has_work else None
        return assemble(self.world, self.choices, self.unassigned, self.days, routed, began)

    def reoptimise(self, time_limit_s: float = 5.0) -> PlanResult:
        """Re-plan every ticket from scratch (sources, engineers, order)."""
        self._plan(self.world, time_limit_s)
        return self.result()

    def insert(self, ticket: TicketState) -> Choice | None:
        """Add one accepted ticket to the plan; None when it cannot be served (see unassigned).

        Raises
        ------
        InvalidInput
            When the SKU is unknown.
        """
        t = self._extend(ticket)
        opts = self.state.options_for(t)
        deadline = int(self.world.deadline_rel_s[t])
        ranked = opts.ranked(deadline)
        if len(ranked) == 0:
            self.unassigned[t] = unassigned_reason(self.world, t, opts)
            return None
        if ticket.service is Service.AHB:
            choice = self.state.commit(t, opts, int(ranked[0]))
            self.choices[t] = choice
            return choice
        best: tuple[int, int, Routes] | None = None  # (arrival, option, routes)
        for k in ranked[:SOURCES_TRIED]:
            preview = self.state.preview(t, opts, int(k))
            routes = self.days.insert(preview, self.routes)
            if routes is None:
                continue
            arrival = self._arrival(routes, t)
            self.days.remove_last(self.days.unit_of(t))
            if best is None or (arrival <= deadline < best[0]):
                best = (arrival, int(k), routes)
            if arrival <= deadline:
                break
        if best is None:
            self.unassigned[t] = "no engineer can fit this visit into a shift"
            return None
        arrival, k, routes = best
        choice = self.state.commit(t, opts, k)
        choice.eta_s = arrival
        self.days.add(choice)
        self.routes = routes
        self.choices[t] = choice
        return choice

    def _arrival(self, routes: Routes, t: int) -> int:
        """When the engineer starts work at ticket ``t``'s site in ``routes``."""
        problem = self.days.problem()
        visit = self.days.unit_of(t)[-1]
        for v, route in enumerate(routes):
            if visit in route:
                run = forward(problem, v, route, problem.vehicles[v].shift_start_s)
                return run.starts[route.index(visit)]
        raise AssertionError(f"ticket {t} is not on any route")

    def _extend(self, ticket: TicketState) -> int:
        """Add the ticket's site as a new location and the ticket to the world; return its index.

        Raises
        ------
        InvalidInput
            When the SKU is unknown.
        """
        world = self.world
        if ticket.sku not in world.snapshot.skus:
            raise InvalidInput(f"tickets.{ticket.id}.sku", f"unknown SKU {ticket.sku!r}")
        known = np.array([[p.lat, p.lon] for p in world.places], dtype=np.float64)
        new = np.array([[ticket.site.lat, ticket.site.lon]], dtype=np.float64)
        hour = depart_hour_of_week(world.snapshot.now)
        out_s, out_m = self._travel.matrix(known.reshape(-1, 2), new, hour)
        in_s, in_m = self._travel.matrix(new, known.reshape(-1, 2), hour)
        travel_s = np.block([[world.net.travel_s, out_s], [in_s, np.zeros((1, 1), np.int64)]])
        distance_m = np.block([[world.net.distance_m, out_m], [in_m, np.zeros((1, 1), np.int64)]])
        snapshot = world.snapshot
        self.world = dataclasses.replace(
            world,
            snapshot=dataclasses.replace(snapshot, tickets=(*snapshot.tickets, ticket)),
            places=(*world.places, ticket.site),
            net=dataclasses.replace(world.net, travel_s=travel_s, distance_m=distance_m),
            site_loc=np.append(world.site_loc, len(world.places)),
            deadline_rel_s=np.append(world.deadline_rel_s, world.rel(ticket.deadline)),
        )
        self.state.world = self.world
        self.days.world = self.world
        return len(self.world.snapshot.tickets) - 1
