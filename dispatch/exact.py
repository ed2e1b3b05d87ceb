"""The exact decision for a small batch: every ticket's option, the cars and the engineers'
routes decided together with CP-SAT, on the engine's own rules.

Variables: a boolean per option (mode, part source and SKU, engineer and working window); a
circuit per engineer window through the visits and pickups it takes, with start times; an
interval per dedicated car trip on a cumulative of the depot's drivers (cars already out
included). Rules, as in ``docs/dispatch.md``: a parcel arrives at the depot's courier time; a
car leaves after pick-and-pack when a driver is free and drives straight there (and back); an
engineer collects the part after it is packed, brings it from the van, or meets a car on site,
works the on-site minutes, and is home by the window's end; on-call windows serve 24x7 tickets
only, at the on-call rate; stock and van units are never promised twice.

Objective, lexicographic in two solves: first the most weighted on-time points (4 h = 4,
8 h = 2, NBD = 1), then the least cost in the engine's own terms (parcels, cars, engineers'
paid time and km, and the lateness price of tickets that stay late). Every ticket that has an
option is served. Used as the engine's path for small batches (``dispatch.engine``) and, as
the reference, to measure the engine (``bench/engine_optimum.py``).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from dispatch.choice import Choice
from dispatch.days import LATENESS_GR_PER_S_PER_PRIORITY, EngineerDays
from dispatch.encode import World
from dispatch.sources import SourceState
from dispatch.world import Service
from solver.candidates import NO_TIME, Mode, dedicated_leg
from solver.routing.model import Routes

COST_SCALE = 18_000  # grosze x 18 000: per-hour rates x seconds and per-km prices x metres exact
UNSERVED_GR = 10**9  # per priority point: a ticket left unserved, far above any cost
WORKERS = 2  # CP-SAT's portfolio on both cores


@dataclass(frozen=True, slots=True)
class _Option:
    """One way to serve a ticket."""

    ticket: int
    mode: Mode
    depot: int  # -1 for a van
    engineer: int  # -1 for a parcel or a car
    window: int  # index into World.shifts; -1 without an engineer
    sku: str
    transport_gr: int  # parcel or car


@dataclass(frozen=True, slots=True)
class ExactResult:
    """The exact answer, in the heuristic's terms so that the plan is assembled alike."""

    choices: dict[int, Choice]
    routes: Routes
    days: EngineerDays
    proven: bool  # both solves proven optimal
    points: int  # weighted on-time points of the answer
    points_bound: int  # the best any answer can reach (equal when proven)


@dataclass
class _Vehicle:
    """An engineer's working window as CP-SAT sees it."""

    index: int  # EngineerDays vehicle
    engineer: int
    window: int
    nodes: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, ticket, depot)


def solve(
    world: World, time_limit_s: float = 1.0, hint: dict[int, Choice] | None = None
) -> ExactResult | None:
    """The optimum for ``world``'s tickets, or None when the time limit found no answer.

    ``hint``, a plan's choices (the heuristic's phase 1), starts the search: CP-SAT then has an
    answer at once and improves on it. Engineers' existing route stops are not modelled:
    callers use the heuristic for a world with booked or scenario visits.
    """
    if any(e.route for e in world.snapshot.engineers):
        raise ValueError("exact.solve models no existing route stops")
    return _Model(world).solve(time_limit_s, hint or {})


class _Model:
    def __init__(self, world: World) -> None:
        self.world = world
        self.state = SourceState.start(world)
        self.net = world.net
        self.days = EngineerDays(world, {})
        self.options = [o for t in range(len(world.snapshot.tickets)) for o in self._options(t)]
        self.model = cp_model.CpModel()

    # ---- options ------------------------------------------------------------------------------

    def _options(self, t: int) -> list[_Option]:
        world, net, state = self.world, self.net, self.state
        snap = world.snapshot
        ticket = snap.tickets[t]
        skus = snap.accepted_skus(ticket)
        site = int(world.site_loc[t])
        no_wait = np.zeros(len(net.depot_loc), dtype=np.int64)
        car_cost = dedicated_leg(net, site, no_wait)[1]
        out: list[_Option] = []

        def depot_skus(d: int) -> list[str]:  # the SKU first, a substitute only when not held
            return [s for s in skus if state.depot_units[s][d] > 0][:1]

        if ticket.service is Service.AHB:
            for d in range(len(net.depot_loc)):
                for sku in depot_skus(d):
                    if net.courier_eta_s[d] < NO_TIME:
                        out.append(_Option(t, Mode.COURIER, d, -1, -1, sku, net.courier_price_gr))
                    if world.drivers[d] > 0:
                        out.append(_Option(t, Mode.DEDICATED, d, -1, -1, sku, int(car_cost[d])))
            return out
        family = snap.skus[ticket.sku].family
        always = ticket.tier.window.always_open
        days = self.days
        for v, (e, k) in enumerate(zip(days.vehicle_engineer, days.vehicle_window, strict=True)):
            engineer = snap.engineers[e]
            window = world.shifts[k]
            if family not in engineer.skills or (window.on_call and not always):
                continue
            if not self._fits(v, site, snap.skus[ticket.sku].onsite_minutes * 60, not always):
                continue
            for d in range(len(net.depot_loc)):
                for sku in depot_skus(d):
                    out.append(_Option(t, Mode.PICKUP, d, e, k, sku, 0))
                    if world.drivers[d] > 0:
                        out.append(_Option(t, Mode.MEET, d, e, k, sku, int(car_cost[d])))
            for sku in [s for s in skus if state.van_units[s][e] > 0][:1]:
                out.append(_Option(t, Mode.VAN, -1, e, k, sku, 0))
        return out

    def _fits(self, v: int, site: int, onsite_s: int, in_shift: bool) -> bool:
        """Whether a visit alone could fit in vehicle ``v``'s window (a necessary test); 8x5
        work (``in_shift``) within the shift, without the on-call time it may run on into."""
        vehicle = self.days.vehicles[v]
        tt = self.net.travel_s
        end = vehicle.shift_end_s
        if in_shift and vehicle.overtime_from_s is not None:
            end = vehicle.overtime_from_s
        return bool(
            vehicle.shift_start_s + tt[vehicle.start, site] + onsite_s + tt[site, vehicle.end]
            <= end
        )

    # ---- the model ----------------------------------------------------------------------------

    def solve(self, time_limit_s: float, hint: dict[int, Choice]) -> ExactResult | None:
        world, net, model = self.world, self.net, self.model
        snap = world.snapshot
        n = len(snap.tickets)
        parcels = net.courier_eta_s[net.courier_eta_s < NO_TIME]
        ends = [v.shift_end_s for v in self.days.vehicles] + [int(parcels.max(initial=0))]
        horizon = max([*ends, int(world.deadline_rel_s.max(initial=0))]) + 86_400
        x = [model.new_bool_var(f"x{i}") for i in range(len(self.options))]
        by_ticket: dict[int, list[int]] = defaultdict(list)
        for i, o in enumerate(self.options):
            by_ticket[o.ticket].append(i)
        served = [model.new_bool_var(f"served{t}") for t in range(n)]
        for t in range(n):  # at most one option each (stock may not stretch to every ticket)
            model.add(sum(x[i] for i in by_ticket[t]) == served[t])
        self._stock(x)
        eta = [model.new_int_var(0, horizon, f"eta{t}") for t in range(n)]
        cost_terms: list[cp_model.LinearExprT] = []
        arrival = self._cars(x, horizon)
        self._routes(x, eta, arrival, cost_terms)
        for i, o in enumerate(self.options):
            if o.mode is Mode.COURIER:
                model.add(eta[o.ticket] == int(net.courier_eta_s[o.depot])).only_enforce_if(x[i])
            elif o.mode is Mode.DEDICATED:
                model.add(eta[o.ticket] == arrival[i]).only_enforce_if(x[i])
            cost_terms.append(x[i] * o.transport_gr * COST_SCALE)
        on_time = [model.new_bool_var(f"on{t}") for t in range(n)]
        late = [model.new_int_var(0, horizon, f"late{t}") for t in range(n)]
        priority = [int(t.tier.priority) for t in snap.tickets]
        for t in range(n):
            deadline = int(world.deadline_rel_s[t])
            if not by_ticket[t]:
                model.add(on_time[t] == 0)
                continue
            model.add_implication(on_time[t], served[t])
            model.add(eta[t] <= deadline).only_enforce_if(on_time[t])
            model.add(late[t] >= eta[t] - max(deadline, 0)).only_enforce_if(served[t])
            cost_terms.append(late[t] * LATENESS_GR_PER_S_PER_PRIORITY * priority[t] * COST_SCALE)
            cost_terms.append(served[t].Not() * UNSERVED_GR * priority[t] * COST_SCALE)
        points = sum(p * o for p, o in zip(priority, on_time, strict=True))
        began = time.perf_counter()
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = WORKERS
        # Presolve spent the whole second on some 10-ticket models (0.36 s of 0.5 s, no search
        # started); without it every one of them found and proved its points within 0.3 s.
        solver.parameters.cp_model_presolve = False
        solver.parameters.max_time_in_seconds = max(time_limit_s / 2, 0.05)
        for i, o in enumerate(self.options):
            given = hint.get(o.ticket)
            if given is not None:
                vehicle_of = self.days.vehicle_of
                same = (given.mode, given.depot, given.sku) == (o.mode, o.depot, o.sku) and (
                    o.engineer < 0
                    or vehicle_of.get((given.engineer, given.window))
                    == vehicle_of[o.engineer, o.window]
                )
                model.add_hint(x[i], same)
        model.maximize(points)
        first = solver.solve(model)
        if first not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        best_points = int(solver.objective_value)
        bound = int(solver.best_objective_bound)
        proven = first == cp_model.OPTIMAL
        model.add(points >= best_points)
        model.minimize(sum(cost_terms))
        model.clear_hints()  # type: ignore[no-untyped-call]
        found = solver.response_proto.solution  # a complete hint: stage 2 starts from it
        model.proto.solution_hint.vars.extend(range(len(found)))
        model.proto.solution_hint.values.extend(found)
        left = time_limit_s - (time.perf_counter() - began)
        solver.parameters.max_time_in_seconds = max(left, 0.05)
        second = solver.solve(model)
        if second not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        proven = proven and second == cp_model.OPTIMAL
        return self._answer(solver, x, eta, arrival, proven, best_points, bound)

    def _stock(self, x: list[cp_model.IntVar]) -> None:
        """No depot or van unit is promised twice."""
        state, model = self.state, self.model
        pools: dict[tuple[bool, int, str], list[int]] = defaultdict(list)
        for i, o in enumerate(self.options):
            if o.mode in (Mode.COURIER, Mode.DEDICATED, Mode.PICKUP, Mode.MEET):
                pools[False, o.depot, o.sku].append(i)
            else:
                pools[True, o.engineer, o.sku].append(i)
        for (van, where, sku), users in pools.items():
            units = int((state.van_units if van else state.depot_units)[sku][where])
            if units < len(users):
                model.add(sum(x[i] for i in users) <= units)

    def _cars(self, x: list[cp_model.IntVar], horizon: int) -> dict[int, cp_model.IntVar]:
        """Each car trip on its depot's drivers: leaves after packing, back after the return."""
        world, net, model = self.world, self.net, self.model
        arrival: dict[int, cp_model.IntVar] = {}
        trips: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
        for i, o in enumerate(self.options):
            if o.mode not in (Mode.DEDICATED, Mode.MEET):
                continue
            depot, site = int(net.depot_loc[o.depot]), int(world.site_loc[o.ticket])
            there, back = int(net.travel_s[depot, site]), int(net.travel_s[site, depot])
            leave = model.new_int_var(int(net.depot_pick_s[o.depot]), horizon, f"leave{i}")
            trips[o.depot].append(
                model.new_optional_fixed_size_interval_var(leave, there + back, x[i], f"car{i}")
            )
            arrival[i] = model.new_int_var(0, horizon + there, f"arrive{i}")
            model.add(arrival[i] == leave + there)
        for d, intervals in trips.items():
            out = [b for b in world.cars_back_rel_s[d] if b > 0]  # cars still out from before
            busy = [
                model.new_fixed_size_interval_var(0, b, f"out{d}_{j}") for j, b in enumerate(out)
            ]
            every = intervals + busy
            model.add_cumulative(every, [1] * len(every), int(world.drivers[d]))
        return arrival

    def _routes(
        self,
        x: list[cp_model.IntVar],
        eta: list[cp_model.IntVar],
        arrival: dict[int, cp_model.IntVar],
        cost: list[cp_model.LinearExprT],
    ) -> None:
        """A circuit per engineer window through the pickups and visits it takes."""
        by_vehicle: dict[int, list[int]] = defaultdict(list)
        for i, o in enumerate(self.options):
            if o.engineer >= 0:
                by_vehicle[self.days.vehicle_of[o.engineer, o.window]].append(i)
        self.arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = {}
        self.vehicle_nodes: dict[int, list[tuple[str, int, int]]] = {}
        for v, chosen in by_vehicle.items():
            self._route(v, chosen, x, eta, arrival, cost)

    def _route(
        self,
        v: int,
        chosen: list[int],
        x: list[cp_model.IntVar],
        eta: list[cp_model.IntVar],
        arrival: dict[int, cp_model.IntVar],
        cost: list[cp_model.LinearExprT],
    ) -> None:
        """Vehicle ``v``'s circuit: nodes (start, visits, pickups), arcs with travel, times."""
        world, net, model = self.world, self.net, self.model
        tt, dist, snap = net.travel_s, net.distance_m, world.snapshot
        vehicle = self.days.vehicles[v]
        nodes: list[tuple[str, int, int]] = [("start", -1, -1)]  # (kind, ticket, depot)
        slot: dict[tuple[str, int, int], int] = {}
        users: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for i in chosen:
            o = self.options[i]
            wanted = [("visit", o.ticket, -1)]
            if o.mode is Mode.PICKUP:
                wanted.append(("pickup", o.ticket, o.depot))
            for node in wanted:
                if node not in slot:
                    slot[node] = len(nodes)
                    nodes.append(node)
                users[slot[node]].append(x[i])
        loc = [vehicle.start] + [
            int(world.site_loc[t]) if kind == "visit" else int(net.depot_loc[d])
            for kind, t, d in nodes[1:]
        ]
        service = [0] + [
            snap.skus[snap.tickets[t].sku].onsite_minutes * 60 if kind == "visit" else 0
            for kind, t, _ in nodes[1:]
        ]
        first, last = vehicle.shift_start_s, vehicle.shift_end_s
        at = [model.new_int_var(first, last, f"t{v}_{j}") for j in range(len(nodes))]
        back = model.new_int_var(first, last, f"back{v}")
        empty = model.new_bool_var(f"empty{v}")
        model.add(back >= at[0])
        model.add(back == at[0]).only_enforce_if(empty)
        circuit: list[tuple[int, int, cp_model.LiteralT]] = [(0, 0, empty)]
        work = []
        present: dict[int, cp_model.IntVar] = {}
        for j in range(1, len(nodes)):
            on = present[j] = model.new_bool_var(f"on{v}_{j}")
            model.add(on == sum(users[j]))
            model.add_implication(on, empty.Not())
            circuit.append((j, j, on.Not()))
            work.append(on * service[j])
            if nodes[j][0] == "pickup":
                model.add(at[j] >= int(net.depot_pick_s[nodes[j][2]]))
        model.add(back - at[0] >= sum(work))  # a valid cut: the work alone takes this long
        arcs: dict[tuple[int, int], cp_model.IntVar] = {}
        for a, b in itertools.permutations(range(len(nodes)), 2):
            lit = arcs[a, b] = model.new_bool_var(f"a{v}_{a}_{b}")
            circuit.append((a, b, lit))
            to = vehicle.end if b == 0 else loc[b]
            reached = back if b == 0 else at[b]
            model.add(reached >= at[a] + service[a] + int(tt[loc[a], to])).only_enforce_if(lit)
            metres = int(dist[loc[a], to])
            cost.append(lit * metres * vehicle.cost_per_km_gr * (COST_SCALE // 1000))
        model.add_circuit(circuit)
        cost.append((back - at[0]) * vehicle.cost_per_hour_gr * (COST_SCALE // 3600))
        if vehicle.has_overtime and vehicle.overtime_from_s is not None:
            done = [a + s for a, s in zip(at, service, strict=True)]
            cost.append(self._overtime(v, nodes, done, back, present))
        for i in chosen:  # what each option needs of the route
            o = self.options[i]
            visit = slot["visit", o.ticket, -1]
            model.add(eta[o.ticket] == at[visit]).only_enforce_if(x[i])
            if o.mode is Mode.PICKUP:
                pickup = slot["pickup", o.ticket, o.depot]
                gap = int(tt[net.depot_loc[o.depot], world.site_loc[o.ticket]])
                model.add(at[visit] >= at[pickup] + gap).only_enforce_if(x[i])
            elif o.mode is Mode.MEET:
                model.add(at[visit] >= arrival[i]).only_enforce_if(x[i])
        self.arcs[v] = arcs
        self.vehicle_nodes[v] = nodes

    def _overtime(
        self,
        v: int,
        nodes: list[tuple[str, int, int]],
        done: Sequence[cp_model.LinearExprT],
        back: cp_model.IntVar,
        present: dict[int, cp_model.IntVar],
    ) -> cp_model.LinearExprT:
        """A shift that runs on into on-call time: an 8x5 visit is done and home by the
        shift's end; the time after it costs the on-call rate instead of the shift's (the
        returned cost term, on top of the whole route at the shift's rate)."""
        model, world = self.model, self.world
        vehicle = self.days.vehicles[v]
        assert vehicle.overtime_from_s is not None
        cut = vehicle.overtime_from_s
        for j, (kind, t, _) in enumerate(nodes):
            if kind == "visit" and not world.snapshot.tickets[t].tier.window.always_open:
                home = int(self.net.travel_s[world.site_loc[t], vehicle.end])
                model.add(done[j] + home <= cut).only_enforce_if(present[j])
        top = vehicle.shift_end_s
        start = model.new_int_var(cut, top, f"ot_from{v}")
        model.add_max_equality(start, [done[0], cut])  # done[0]: the departure
        over = model.new_int_var(0, top, f"ot{v}")
        model.add_max_equality(over, [back - start, 0])
        extra = vehicle.overtime_cost_per_hour_gr - vehicle.cost_per_hour_gr
        return over * extra * (COST_SCALE // 3600)

    # ---- reading the answer back --------------------------------------------------------------

    def _answer(
        self,
        solver: cp_model.CpSolver,
        x: list[cp_model.IntVar],
        eta: list[cp_model.IntVar],
        arrival: dict[int, cp_model.IntVar],
        proven: bool,
        points: int,
        bound: int,
    ) -> ExactResult:
        world = self.world
        chosen = [i for i, var in enumerate(x) if solver.boolean_value(var)]
        choices: dict[int, Choice] = {}
        for i in sorted(chosen, key=lambda i: self.options[i].ticket):
            o = self.options[i]
            opts = self.state.options_for(o.ticket)
            part_ready = int(solver.value(arrival[i])) if i in arrival else 0
            same = np.flatnonzero(
                (opts.mode == o.mode) & (opts.depot == o.depot) & (opts.engineer == o.engineer)
            )  # the option priced as if alone, as the heuristic's choices are
            cost = int(opts.cost_gr[same[0]]) if len(same) else o.transport_gr
            choices[o.ticket] = Choice(
                o.ticket, o.mode, o.depot, o.engineer, int(solver.value(eta[o.ticket])),
                cost, o.sku, opts, part_ready, o.window,
            )  # fmt: skip
        days = EngineerDays(world, choices)
        routes: list[tuple[int, ...]] = [() for _ in days.vehicles]
        for v, nodes in self.vehicle_nodes.items():
            order = self._order(solver, v, len(nodes))
            jobs: list[int] = []
            for j in order:
                kind, t, _ = nodes[j]
                if t not in choices:
                    continue
                unit = days.unit_of(t)
                jobs.append(unit[0] if kind == "pickup" else unit[-1])
            routes[v] = tuple(jobs)
        return ExactResult(choices, tuple(routes), days, proven, points, bound)

    def _order(self, solver: cp_model.CpSolver, v: int, n: int) -> list[int]:
        """The nodes of vehicle ``v``'s circuit in visiting order (the start left out)."""
        successor = {a: b for (a, b), lit in self.arcs[v].items() if solver.boolean_value(lit)}
        order, here = [], 0
        for _ in range(n):
            if here not in successor:
                break
            here = successor[here]
            if here == 0:
                break
            order.append(here)
        return order
