"""Phase 1 of planning: each ticket's part source and mode, most urgent first.

Each ticket's options are evaluated against what earlier tickets took (stock units, dedicated
drivers, engineers' time), and the best is kept: on time first, then cheapest; a ticket that
cannot be on time takes its fastest option and is flagged late. Stock is drawn unit by unit (the
SKU before its substitutes), so one unit is never promised twice, also across tickets planned
together. The greedy sequence per engineer is also the routing core's warm start.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dispatch.choice import Choice
from dispatch.encode import World
from dispatch.explain import unassigned_reason
from dispatch.world import Stop
from solver.candidates import NO_TIME, Availability, Mode, Options, options

Source = tuple[bool, int]
"""Where a ticket's unit comes from: (from a van, depot index or engineer index)."""


@dataclass(slots=True)
class SourceState:
    """What earlier tickets have taken: units, drivers' free times, engineers' next start."""

    world: World
    depot_units: dict[str, NDArray[np.int64]]
    van_units: dict[str, NDArray[np.int64]]
    driver_free: list[list[int]]  # per depot, each driver's free time (relative s)
    shifts: list[Availability] = field(default_factory=list)
    run_on: list[NDArray[np.int64]] = field(default_factory=list)  # per window: (E,) the
    # on-call window each engineer's shift runs on into, or -1 (``overtime_window``)

    @classmethod
    def start(cls, world: World) -> SourceState:
        sc = world.snapshot
        depot_units = {
            sku: np.array([d.stock.get(sku, 0) for d in sc.depots], dtype=np.int64)
            for sku in sc.skus
        }
        van_units = {
            sku: np.array([e.van_stock.get(sku, 0) for e in sc.engineers], dtype=np.int64)
            for sku in sc.skus
        }
        drivers = [
            _drivers_free(int(n), back)
            for n, back in zip(world.drivers, world.cars_back_rel_s, strict=True)
        ]
        shifts = [
            Availability(s.loc.copy(), s.ready_s.copy(), s.shift_end_s.copy(), s.on_call)
            for s in world.shifts
        ]
        _after_existing_visits(world, shifts)
        run_on = [
            np.array(
                [
                    overtime_window(world, e, k) if s.shift_end_s[e] > s.ready_s[e] else -1
                    for e in range(len(sc.engineers))
                ],
                dtype=np.int64,
            )
            for k, s in enumerate(world.shifts)
        ]
        return cls(world, depot_units, van_units, drivers, shifts, run_on)

    def advance_to(self, rel_s: int) -> None:
        """Time has moved on to ``rel_s`` (seconds after the world's now): nobody starts before."""
        for window in self.shifts:
            np.maximum(window.ready_s, rel_s, out=window.ready_s)

    def usable(self, t: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        skus = self.world.snapshot.accepted_skus(self.world.snapshot.tickets[t])
        return (
            sum(
                (self.depot_units[s] for s in skus), start=np.zeros_like(self.depot_units[skus[0]])
            ),
            sum((self.van_units[s] for s in skus), start=np.zeros_like(self.van_units[skus[0]])),
        )

    def driver_free_s(self) -> NDArray[np.int64]:
        return np.array([min(d) if d else NO_TIME for d in self.driver_free], dtype=np.int64)

    def options_for(self, t: int) -> Options:
        stock, van = self.usable(t)
        need = self.world.need(t, stock, van)
        return options(self.world.net, need, self._windows(), self.driver_free_s())

    def _windows(self) -> tuple[Availability, ...]:
        """The working windows as the candidates see them: a shift runs on into the on-call
        window after it while nothing there starts before the shift's end (work taken in the
        on-call time itself, or run-on work already committed, moves that window's start)."""
        if not any((after >= 0).any() for after in self.run_on):
            return tuple(self.shifts)
        ready = np.stack([w.ready_s for w in self.shifts])
        ends = np.stack([w.shift_end_s for w in self.shifts])
        everyone = np.arange(ready.shape[1])
        out = []
        for k, window in enumerate(self.shifts):
            after = self.run_on[k]
            if not (after >= 0).any():
                out.append(window)
                continue
            row = np.maximum(after, 0)
            free = (after >= 0) & (ready[row, everyone] <= window.shift_end_s)
            run_on = np.where(free, ends[row, everyone], window.shift_end_s)
            out.append(dataclasses.replace(window, run_on_s=run_on.astype(np.int64)))
        return tuple(out)

    def preview(self, t: int, opts: Options, k: int) -> Choice:
        """Option ``k`` of ticket ``t`` as a choice, without taking anything yet."""
        mode = Mode(int(opts.mode[k]))
        depot, engineer = int(opts.depot[k]), int(opts.engineer[k])
        units = self.van_units if mode is Mode.VAN else self.depot_units
        where = engineer if mode is Mode.VAN else depot
        skus = self.world.snapshot.accepted_skus(self.world.snapshot.tickets[t])
        sku = next(s for s in skus if units[s][where] > 0)
        part_ready = 0
        if mode in (Mode.DEDICATED, Mode.MEET):
            net, site = self.world.net, int(self.world.site_loc[t])
            leave = max(min(self.driver_free[depot]), 0) + int(net.depot_pick_s[depot])
            part_ready = leave + int(net.travel_s[net.depot_loc[depot], site])
        return Choice(
            t,
            mode,
            depot,
            engineer,
            int(opts.eta_s[k]),
            int(opts.cost_gr[k]),
            sku,
            opts,
            part_ready,
            int(opts.window[k]),
        )

    def commit(self, t: int, opts: Options, k: int) -> Choice:
        """Take option ``k``: a stock unit, a driver's trip, the engineer's time."""
        choice = self.preview(t, opts, k)
        units = self.van_units if choice.mode is Mode.VAN else self.depot_units
        units[choice.sku][choice.engineer if choice.mode is Mode.VAN else choice.depot] -= 1
        if choice.mode in (Mode.DEDICATED, Mode.MEET):
            net, site = self.world.net, int(self.world.site_loc[t])
            free = self.driver_free[choice.depot]
            free[int(np.argmin(free))] = choice.part_ready_s + int(
                net.travel_s[site, net.depot_loc[choice.depot]]
            )
        if choice.engineer >= 0:
            sc = self.world.snapshot
            e, site = choice.engineer, int(self.world.site_loc[t])
            shift = self.shifts[choice.window]
            finish = choice.eta_s + sc.skus[sc.tickets[t].sku].onsite_minutes * 60
            shift.loc[e], shift.ready_s[e] = site, finish
            after = int(self.run_on[choice.window][e])
            if after >= 0 and finish > shift.shift_end_s[e]:  # ran on into on-call time
                on_call = self.shifts[after]
                if finish > on_call.ready_s[e]:
                    on_call.loc[e], on_call.ready_s[e] = site, finish
        return choice


def first_shift(world: World, e: int) -> int:
    """Index of engineer ``e``'s first working shift (not an on-call gap), or -1."""
    for k, window in enumerate(world.shifts):
        if not window.on_call and window.shift_end_s[e] > window.ready_s[e]:
            return k
    return -1


def _drivers_free(drivers: int, cars_back: tuple[int, ...]) -> list[int]:
    """Each driver's free time (relative s): the cars still out are back when they return; with
    more cars out than drivers on record, every driver waits for the latest returns."""
    out = sorted(max(b, 0) for b in cars_back)[-drivers:] if drivers else []
    return [*out, *[0] * (drivers - len(out))]


def _after_existing_visits(world: World, shifts: list[Availability]) -> None:
    """Engineers with stops on their route (not under way) start new work after them: unbooked
    ones on the first shift, booked ones in the window they are booked in."""
    travel = world.net.travel_s
    for e, engineer in enumerate(world.snapshot.engineers):
        first = first_shift(world, e)
        for stop, stop_loc in zip(engineer.route, world.stop_loc[e], strict=True):
            if stop.under_way:
                continue  # under way: already in the window's start time and place
            k = first if not stop.booked else window_of(world, e, stop)
            if k < 0:
                continue
            window = shifts[k]
            loc, ready = int(window.loc[e]), int(window.ready_s[e])
            arrive = ready + int(travel[loc, stop_loc])
            if stop.start is not None:
                arrive = max(arrive, world.rel(stop.start))
            window.loc[e], window.ready_s[e] = stop_loc, arrive + stop.service_s


def overtime_window(world: World, e: int, k: int) -> int:
    """The on-call window engineer ``e``'s shift ``k`` runs on into (it starts as the shift
    ends), or -1: a 24x7 job may start in the shift and finish in on-call time."""
    if world.shifts[k].on_call or k + 1 >= len(world.shifts):
        return -1
    if not world.snapshot.engineers[e].on_call:
        return -1
    shift, after = world.windows[k][e], world.windows[k + 1][e]
    nxt = world.shifts[k + 1]
    if shift is None or after is None or not nxt.on_call or after.start > shift.end:
        return -1
    if nxt.shift_end_s[e] <= world.shifts[k].shift_end_s[e]:
        return -1
    return k + 1


def window_of(world: World, e: int, stop: Stop) -> int:
    """The working window a booked stop of engineer ``e`` falls in (-1 when none is open):
    the one its booked start lies in, else the nearest one by time."""
    assert stop.start is not None
    start = world.rel(stop.start)
    best, gap = -1, None
    for k, window in enumerate(world.shifts):
        ready, end = int(window.ready_s[e]), int(window.shift_end_s[e])
        if end <= ready:
            continue
        distance = 0 if ready <= start <= end else min(abs(start - ready), abs(start - end))
        if gap is None or distance < gap:
            best, gap = k, distance
    return best


def urgency_order(world: World) -> list[int]:
    """Tickets by deadline, the higher tier first on ties."""
    tickets = world.snapshot.tickets
    return sorted(
        range(len(tickets)),
        key=lambda t: (int(world.deadline_rel_s[t]), -int(tickets[t].tier.priority)),
    )


@dataclass(frozen=True, slots=True)
class SourcingOrder:
    """The order phase 1 plans tickets in, and what a joint stock allocation decided.

    ``prefer`` maps a ticket to the source its unit should come from: its best option from
    there wins unless that one is late and another is on time. ``left_out`` are tickets the
    allocation gave no unit of a contended pool (planned last).
    """

    order: Sequence[int]
    prefer: Mapping[int, Source] = field(default_factory=dict)
    left_out: frozenset[int] = frozenset()


LEFT_OUT_REASON = "; the units left went to tickets they keep on time"


def choose_sources(
    world: World, sourcing: SourcingOrder
) -> tuple[dict[int, Choice], dict[int, str], SourceState]:
    """Each ticket in ``sourcing.order`` takes its best option given earlier choices."""
    state = SourceState.start(world)
    choices: dict[int, Choice] = {}
    unassigned: dict[int, str] = {}
    for t in sourcing.order:
        opts = state.options_for(t)
        deadline = int(world.deadline_rel_s[t])
        ranked = opts.ranked(deadline)
        if len(ranked) == 0:
            reason = unassigned_reason(world, t, opts)
            unassigned[t] = reason + (LEFT_OUT_REASON if t in sourcing.left_out else "")
            continue
        k = int(ranked[0])
        source = sourcing.prefer.get(t)
        if source is not None:
            van = opts.mode[ranked] == Mode.VAN
            where = np.where(van, opts.engineer[ranked], opts.depot[ranked])
            there = ranked[(van == source[0]) & (where == source[1])]
            on_time = opts.eta_s <= deadline
            if len(there) and (on_time[there[0]] or not on_time[k]):
                k = int(there[0])
        choices[t] = state.commit(t, opts, k)
    return choices, unassigned, state
