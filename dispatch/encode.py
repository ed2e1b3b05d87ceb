"""Scenario -> solver arrays, the one place where ids, places and datetimes become indices.

Clock values become seconds after the scenario's ``now``; money becomes grosze. Locations are
resolved with the gazetteer and every problem (unknown place, ambiguous name) is reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray

from dispatch.calendar import from_epoch, is_business_day, next_business_day
from dispatch.errors import InvalidInput, InvalidInputs
from dispatch.places import Place
from dispatch.scenario import Engineer, Scenario, Service, TicketSpec
from dispatch.sla import deadline_s
from dispatch.timeparse import WARSAW
from dispatch.travel import depart_hour_of_week, points
from solver.candidates import NO_TIME, Availability, Network, TicketNeed
from solver.travel.model import TravelModel

Resolver = Callable[[str, str], Place]

# Shifts run on business days (chosen rule; on-call engineers cover 24x7 tickets outside them).
SHIFT_DAYS_AHEAD = 2


def grosze(pln: float) -> int:
    """PLN to integer grosze, rounded half up."""
    return int(pln * 100 + 0.5)


@dataclass(frozen=True, slots=True)
class World:
    """A scenario encoded for the solver, with the id maps to read answers back."""

    scenario: Scenario
    now_s: int  # epoch seconds of scenario.now
    places: tuple[Place, ...]  # one per location index
    net: Network
    depot_ids: tuple[str, ...]
    engineer_ids: tuple[str, ...]
    home_loc: NDArray[np.int64]  # (E,)
    shifts: tuple[Availability, ...]  # working windows in time order (shifts, on-call gaps)
    site_loc: NDArray[np.int64]  # (T,)
    visit_loc: tuple[tuple[int, ...], ...]  # per engineer, existing visits' locations
    under_way: tuple[
        tuple[tuple[int, int, int], ...], ...
    ]  # per engineer: pinned (visit, arrive, depart)
    deadline_rel_s: NDArray[np.int64]  # (T,)
    drivers: NDArray[np.int64]  # (D,)

    def at(self, rel_s: int) -> datetime:
        """A relative clock value as an aware Warsaw datetime."""
        return from_epoch(self.now_s + int(rel_s))

    def need(self, t: int, stock: NDArray[np.int64], van: NDArray[np.int64]) -> TicketNeed:
        """Ticket ``t`` given usable units per depot (D,) and per engineer's van (E,)."""
        ticket = self.scenario.tickets[t]
        sku = self.scenario.skus[ticket.sku]
        skill = np.array([sku.family in e.skills for e in self.scenario.engineers], dtype=bool)
        return TicketNeed(
            site=int(self.site_loc[t]),
            sos=ticket.service is Service.SOS,
            deadline_s=int(self.deadline_rel_s[t]),
            onsite_s=sku.onsite_minutes * 60,
            round_the_clock=ticket.tier.window.always_open,
            stock=stock,
            van=(van > 0) & skill,
            skill=skill,
        )


def encode(scenario: Scenario, travel: TravelModel, resolve: Resolver) -> World:
    """Resolve places, build matrices and relative clocks.

    Raises
    ------
    InvalidInputs
        Listing every location that could not be resolved.
    """
    now_s = int(scenario.now.timestamp())
    names: list[tuple[str, str]] = []
    names += [(d.location, f"depots.{d.id}.location") for d in scenario.depots]
    names += [(e.home, f"engineers.{e.id}.home") for e in scenario.engineers]
    names += [(t.site, f"tickets.{t.id}.site") for t in scenario.tickets]
    for e in scenario.engineers:
        names += [(v.location, f"engineers.{e.id}.visits.{v.id}.location") for v in e.visits]
    names += [(e.position or e.home, f"engineers.{e.id}.position") for e in scenario.engineers]
    places = _resolve_all(names, resolve)
    here = points(places)
    travel_s, distance_m = travel.matrix(here, here, depart_hour_of_week(scenario.now))

    n_dep, n_eng = len(scenario.depots), len(scenario.engineers)
    depot_loc = np.arange(n_dep, dtype=np.int64)
    home_loc = np.arange(n_dep, n_dep + n_eng, dtype=np.int64)
    site_loc = np.arange(n_dep + n_eng, n_dep + n_eng + len(scenario.tickets), dtype=np.int64)
    visit_loc: list[tuple[int, ...]] = []
    cursor = int(site_loc[-1]) + 1 if len(site_loc) else n_dep + n_eng
    for e in scenario.engineers:
        visit_loc.append(tuple(range(cursor, cursor + len(e.visits))))
        cursor += len(e.visits)
    position_loc = np.arange(cursor, cursor + n_eng, dtype=np.int64)

    costs = scenario.costs
    net = Network(
        travel_s=travel_s,
        distance_m=distance_m,
        depot_loc=depot_loc,
        depot_pick_s=np.array([d.pick_minutes * 60 for d in scenario.depots], dtype=np.int64),
        courier_eta_s=_courier_eta(scenario, now_s),
        courier_price_gr=min((grosze(c.price) for c in scenario.couriers), default=0),
        dedicated_per_km_gr=grosze(costs.dedicated_per_km),
        dedicated_per_hour_gr=grosze(costs.dedicated_per_hour),
        dedicated_per_trip_gr=grosze(costs.dedicated_per_trip),
        engineer_per_km_gr=grosze(costs.engineer_per_km),
        engineer_rate_gr_h=np.array(
            [grosze(e.cost_per_hour) for e in scenario.engineers], dtype=np.int64
        ),
        engineer_home=home_loc,
        on_call=np.array([e.on_call for e in scenario.engineers], dtype=bool),
        on_call_permille=round(costs.on_call_multiplier * 1000),
    )
    free_from = np.array(
        [0 if e.available_from is None else max(int(e.available_from.timestamp()) - now_s, 0)
         for e in scenario.engineers],
        dtype=np.int64,
    )  # fmt: skip
    free_loc = position_loc.copy()
    under_way = _under_way(scenario, travel_s, visit_loc, free_from, free_loc)
    shifts = _windows(
        _shift_bounds(scenario.engineers, scenario.now, now_s), home_loc, free_from, free_loc
    )
    deadlines = np.array(
        [deadline_s(t.tier, int(t.accepted_at.timestamp()), t.nbd_cutoff) - now_s
         for t in scenario.tickets],
        dtype=np.int64,
    )  # fmt: skip
    return World(
        scenario=scenario,
        now_s=now_s,
        places=tuple(places),
        net=net,
        depot_ids=tuple(d.id for d in scenario.depots),
        engineer_ids=tuple(e.id for e in scenario.engineers),
        home_loc=home_loc,
        shifts=shifts,
        site_loc=site_loc,
        visit_loc=tuple(visit_loc),
        under_way=under_way,
        deadline_rel_s=deadlines,
        drivers=np.array([d.drivers for d in scenario.depots], dtype=np.int64),
    )


def _resolve_all(names: Sequence[tuple[str, str]], resolve: Resolver) -> list[Place]:
    places: list[Place] = []
    problems: list[InvalidInput] = []
    for text, field in names:
        try:
            places.append(resolve(text, field))
        except InvalidInput as exc:
            problems.append(exc)
        except LookupError as exc:
            problems.append(InvalidInput(field, str(exc)))
    if problems:
        raise InvalidInputs(problems)
    return places


def _wall(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=WARSAW)


def _shift_bounds(
    engineers: Sequence[Engineer], now: datetime, now_s: int
) -> tuple[tuple[NDArray[np.int64], NDArray[np.int64]], ...]:
    """(start, end) of each engineer's shift on today and the next business days, relative s.

    A shift that has already ended today is skipped; the list holds SHIFT_DAYS_AHEAD entries.
    """
    day = now.astimezone(WARSAW).date()
    if not is_business_day(day):
        day = next_business_day(day)
    out: list[tuple[NDArray[np.int64], NDArray[np.int64]]] = []
    while len(out) < SHIFT_DAYS_AHEAD:
        starts = np.array(
            [int(_wall(day, e.shift[0]).timestamp()) - now_s for e in engineers], dtype=np.int64
        )
        ends = np.array(
            [int(_wall(day, e.shift[1]).timestamp()) - now_s for e in engineers], dtype=np.int64
        )
        if len(ends) == 0 or ends.max() > 0:
            out.append((starts, np.maximum(ends, 0)))
        day = next_business_day(day)
    return tuple(out)


def _under_way(
    scenario: Scenario,
    travel_s: NDArray[np.int64],
    visit_loc: Sequence[tuple[int, ...]],
    free_from: NDArray[np.int64],
    free_loc: NDArray[np.int64],
) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """Pinned visits are under way: done first, from the engineer's position, from now on.

    Moves ``free_from`` and ``free_loc`` (in place) to when and where the engineer is free
    after them, and returns each engineer's (visit index, arrive, depart) in relative seconds.
    Working windows then start no earlier than that, so no plan overlaps work under way.
    """
    out = []
    for e, engineer in enumerate(scenario.engineers):
        t, loc = int(free_from[e]), int(free_loc[e])
        stops = []
        for i, visit in enumerate(engineer.visits):
            if not visit.pinned:
                continue
            arrive = t + int(travel_s[loc, visit_loc[e][i]])
            t, loc = arrive + visit.onsite_minutes * 60, visit_loc[e][i]
            stops.append((i, arrive, t))
        free_from[e], free_loc[e] = t, loc
        out.append(tuple(stops))
    return tuple(out)


def _windows(
    bounds: Sequence[tuple[NDArray[np.int64], NDArray[np.int64]]],
    home_loc: NDArray[np.int64],
    free_from: NDArray[np.int64],
    free_loc: NDArray[np.int64],
) -> tuple[Availability, ...]:
    """Shifts in time order with the on-call gaps before and between them.

    An engineer busy until ``free_from`` (relative s) starts no window before then, and starts
    from ``free_loc`` (their position, or the last visit under way) the window in which they
    become free; later windows start from home.
    """
    out: list[Availability] = []
    gap_start = np.maximum(free_from, 0)
    for start, end in bounds:
        opens = np.maximum(start, free_from).clip(min=0)
        gap_end = np.maximum(opens, gap_start)
        out.append(
            Availability(
                _start_loc(gap_start, free_from, free_loc, home_loc), gap_start, gap_end, True
            )
        )
        out.append(Availability(_start_loc(opens, free_from, free_loc, home_loc), opens, end))
        gap_start = np.maximum(end, free_from)
    return tuple(w for w in out if bool(np.any(w.shift_end_s > w.ready_s)))


def _start_loc(
    ready: NDArray[np.int64],
    free_from: NDArray[np.int64],
    free_loc: NDArray[np.int64],
    home_loc: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Where each engineer starts a window: where they became free, if that is when it opens."""
    starts: NDArray[np.int64] = np.where(ready == free_from, free_loc, home_loc)
    return starts


def _courier_eta(scenario: Scenario, now_s: int) -> NDArray[np.int64]:
    """Delivery time (relative s) of a parcel from each depot handed over after pick-and-pack.

    Collected today if packed before the depot's cutoff on a business day, else on the next
    business day; delivered by the courier's time on the business day after collection.
    """
    if not scenario.couriers:
        return np.full(len(scenario.depots), NO_TIME, dtype=np.int64)
    delivery_by = min(c.delivery_by for c in scenario.couriers)
    today = scenario.now.astimezone(WARSAW).date()
    etas = []
    for depot in scenario.depots:
        packed = scenario.now + timedelta(minutes=depot.pick_minutes)
        collect = today
        if not is_business_day(today) or packed > _wall(today, depot.courier_cutoff):
            collect = next_business_day(today)
        etas.append(int(_wall(next_business_day(collect), delivery_by).timestamp()) - now_s)
    return np.array(etas, dtype=np.int64)


def accepted_skus(scenario: Scenario, ticket: TicketSpec) -> tuple[str, ...]:
    """The SKU a ticket needs, then the substitutes that may replace it, in preference order."""
    return (ticket.sku, *scenario.skus[ticket.sku].substitutes)
