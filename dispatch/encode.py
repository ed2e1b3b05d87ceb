"""World snapshot -> solver arrays: the one place where ids, points and datetimes become indices.

Clock values become seconds after the snapshot's ``now``; money is already grosze. Locations are
the snapshot's points, in this order: depots, engineers' homes, tickets' sites, each engineer's
route stops, engineers' positions. ``dispatch.legs`` reads the solver's answers back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray

from dispatch.calendar import from_epoch, is_business_day, next_business_day
from dispatch.timeparse import WARSAW
from dispatch.travel import depart_hour_of_week
from dispatch.world import EngineerState, Point, Service, Window, WorldSnapshot
from solver.candidates import NO_TIME, Availability, Network, TicketNeed
from solver.travel.model import TravelModel


@dataclass(frozen=True, slots=True)
class World:
    """A snapshot encoded for the solver, with the id maps to read answers back."""

    snapshot: WorldSnapshot
    now_s: int  # epoch seconds of snapshot.now
    places: tuple[Point, ...]  # one per location index
    net: Network
    depot_ids: tuple[str, ...]
    engineer_ids: tuple[str, ...]
    home_loc: NDArray[np.int64]  # (E,)
    shifts: tuple[Availability, ...]  # working windows in time order (shifts, on-call gaps)
    windows: tuple[tuple[Window | None, ...], ...]  # per shift slot, each engineer's window
    site_loc: NDArray[np.int64]  # (T,)
    stop_loc: tuple[tuple[int, ...], ...]  # per engineer, the route stops' locations
    under_way: tuple[
        tuple[tuple[int, int, int], ...], ...
    ]  # per engineer: stops under way (stop index, arrive, depart)
    deadline_rel_s: NDArray[np.int64]  # (T,)
    drivers: NDArray[np.int64]  # (D,)
    cars_back_rel_s: tuple[tuple[int, ...], ...]  # per depot, when each car out is back

    def at(self, rel_s: int) -> datetime:
        """A relative clock value as an aware Warsaw datetime."""
        return from_epoch(self.now_s + int(rel_s))

    def rel(self, moment: datetime) -> int:
        """An instant as seconds after the snapshot's now."""
        return int(moment.timestamp()) - self.now_s

    def need(self, t: int, stock: NDArray[np.int64], van: NDArray[np.int64]) -> TicketNeed:
        """Ticket ``t`` given usable units per depot (D,) and per engineer's van (E,)."""
        snap = self.snapshot
        ticket = snap.tickets[t]
        sku = snap.skus[ticket.sku]
        skill = np.array([sku.family in e.skills for e in snap.engineers], dtype=bool)
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


def encode(snapshot: WorldSnapshot, travel: TravelModel) -> World:
    """Matrices over the snapshot's points and every clock relative to its now."""
    now_s = int(snapshot.now.timestamp())
    engineers = snapshot.engineers
    places: list[Point] = [d.at for d in snapshot.depots]
    places += [e.home for e in engineers]
    places += [t.site for t in snapshot.tickets]
    for e in engineers:
        places += [stop.at for stop in e.route]
    places += [e.position or e.home for e in engineers]
    here = np.array([[p.lat, p.lon] for p in places], dtype=np.float64).reshape(len(places), 2)
    travel_s, distance_m = travel.matrix(here, here, depart_hour_of_week(snapshot.now))

    n_dep, n_eng = len(snapshot.depots), len(engineers)
    depot_loc = np.arange(n_dep, dtype=np.int64)
    home_loc = np.arange(n_dep, n_dep + n_eng, dtype=np.int64)
    n_sites = len(snapshot.tickets)
    site_loc = np.arange(n_dep + n_eng, n_dep + n_eng + n_sites, dtype=np.int64)
    stop_loc: list[tuple[int, ...]] = []
    cursor = n_dep + n_eng + n_sites
    for e in engineers:
        stop_loc.append(tuple(range(cursor, cursor + len(e.route))))
        cursor += len(e.route)
    position_loc = np.arange(cursor, cursor + n_eng, dtype=np.int64)

    prices = snapshot.prices
    net = Network(
        travel_s=travel_s,
        distance_m=distance_m,
        depot_loc=depot_loc,
        depot_pick_s=np.array([d.pick_minutes * 60 for d in snapshot.depots], dtype=np.int64),
        courier_eta_s=_courier_eta(snapshot, now_s),
        courier_price_gr=min((c.price_gr for c in snapshot.couriers), default=0),
        dedicated_per_km_gr=prices.dedicated_per_km_gr,
        dedicated_per_hour_gr=prices.dedicated_per_hour_gr,
        dedicated_per_trip_gr=prices.dedicated_per_trip_gr,
        engineer_per_km_gr=prices.engineer_per_km_gr,
        engineer_rate_gr_h=np.array([e.rate_gr_h for e in engineers], dtype=np.int64),
        engineer_home=home_loc,
        on_call=np.array([e.on_call for e in engineers], dtype=bool),
        on_call_permille=prices.on_call_permille,
    )
    free_from = np.array(
        [0 if e.free_from is None else max(int(e.free_from.timestamp()) - now_s, 0)
         for e in engineers],
        dtype=np.int64,
    )  # fmt: skip
    free_loc = position_loc.copy()
    under_way = _under_way(snapshot, now_s, travel_s, stop_loc, free_from, free_loc)
    shifts, windows = _availability(engineers, now_s, home_loc, free_from, free_loc)
    return World(
        snapshot=snapshot,
        now_s=now_s,
        places=tuple(places),
        net=net,
        depot_ids=tuple(d.id for d in snapshot.depots),
        engineer_ids=tuple(e.id for e in engineers),
        home_loc=home_loc,
        shifts=shifts,
        windows=windows,
        site_loc=site_loc,
        stop_loc=tuple(stop_loc),
        under_way=under_way,
        deadline_rel_s=np.array(
            [int(t.deadline.timestamp()) - now_s for t in snapshot.tickets], dtype=np.int64
        ),
        drivers=np.array([d.drivers for d in snapshot.depots], dtype=np.int64),
        cars_back_rel_s=tuple(
            tuple(int(b.timestamp()) - now_s for b in d.cars_back) for d in snapshot.depots
        ),
    )


def _wall(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=WARSAW)


def _under_way(
    snapshot: WorldSnapshot,
    now_s: int,
    travel_s: NDArray[np.int64],
    stop_loc: Sequence[tuple[int, ...]],
    free_from: NDArray[np.int64],
    free_loc: NDArray[np.int64],
) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """Stops under way are done first: at their booked times, or (unbooked) from the
    engineer's position from now on.

    Moves ``free_from`` and ``free_loc`` (in place) to when and where the engineer is free
    after them, and returns each engineer's (stop index, arrive, depart) in relative seconds.
    Working windows then start no earlier than that, so no plan overlaps work under way.
    """
    out = []
    for e, engineer in enumerate(snapshot.engineers):
        t, loc = int(free_from[e]), int(free_loc[e])
        stops = []
        for i, stop in enumerate(engineer.route):
            if not stop.under_way:
                continue
            if stop.arrive is not None and stop.depart is not None:
                arrive = int(stop.arrive.timestamp()) - now_s
                t = max(int(stop.depart.timestamp()) - now_s, t)
            else:
                arrive = t + int(travel_s[loc, stop_loc[e][i]])
                t = arrive + stop.service_s
            loc = stop_loc[e][i]
            stops.append((i, arrive, t))
        free_from[e], free_loc[e] = t, loc
        out.append(tuple(stops))
    return tuple(out)


def _slots(
    engineer: EngineerState,
) -> tuple[list[Window | None], list[Window | None], Window | None]:
    """The engineer's shifts in order, the on-call time before each (None without), and the
    on-call time after the last shift."""
    shifts = sorted((w for w in engineer.windows if not w.on_call), key=lambda w: w.start)
    on_call = sorted((w for w in engineer.windows if w.on_call), key=lambda w: w.start)
    gaps: list[Window | None] = []
    previous_end: datetime | None = None
    for shift in shifts:
        gaps.append(_within(on_call, previous_end, shift.start))
        previous_end = shift.end
    trailing = _within(on_call, previous_end, None) if shifts else _within(on_call, None, None)
    return list(shifts), gaps, trailing


def _within(
    windows: Sequence[Window], after: datetime | None, before: datetime | None
) -> Window | None:
    """The hull of the on-call windows' parts between ``after`` and ``before`` (open ends)."""
    parts = [
        (max(w.start, after) if after else w.start, min(w.end, before) if before else w.end)
        for w in windows
    ]
    parts = [(a, b) for a, b in parts if b > a]
    if not parts:
        return None
    return Window(min(a for a, _ in parts), max(b for _, b in parts), on_call=True)


def _availability(
    engineers: Sequence[EngineerState],
    now_s: int,
    home_loc: NDArray[np.int64],
    free_from: NDArray[np.int64],
    free_loc: NDArray[np.int64],
) -> tuple[tuple[Availability, ...], tuple[tuple[Window | None, ...], ...]]:
    """Working windows as aligned slots: for each k, the on-call time before every engineer's
    k-th shift, then that shift; last, the on-call time after the last shifts.

    An engineer busy until ``free_from`` (relative s) starts no window before then, and starts
    from ``free_loc`` (their position, or the last stop under way) the window in which they
    become free; later windows start from home.
    """
    per_engineer = [_slots(e) for e in engineers]
    n_shifts = max((len(shifts) for shifts, _, _ in per_engineer), default=0)
    out: list[tuple[Availability, tuple[Window | None, ...]]] = []

    def slot(
        pick: list[Window | None], on_call: bool
    ) -> tuple[Availability, tuple[Window | None, ...]]:
        start = np.array([0 if w is None else int(w.start.timestamp()) - now_s for w in pick])
        end = np.array([0 if w is None else int(w.end.timestamp()) - now_s for w in pick])
        present = np.array([w is not None for w in pick], dtype=bool)
        ready = np.maximum(np.maximum(start.astype(np.int64), free_from), 0)
        ends = np.where(present, np.maximum(end.astype(np.int64), 0), 0)
        if on_call:
            ends = np.where(present, np.maximum(ends, ready), 0)
        ready = np.where(present, ready, 0)
        loc: NDArray[np.int64] = np.where(ready == free_from, free_loc, home_loc)
        window = Availability(
            loc.astype(np.int64), ready.astype(np.int64), ends.astype(np.int64), on_call
        )
        return window, tuple(pick)

    for k in range(n_shifts):
        gaps = [gaps[k] if k < len(gaps) else None for _, gaps, _ in per_engineer]
        shifts = [shifts[k] if k < len(shifts) else None for shifts, _, _ in per_engineer]
        out.append(slot(gaps, True))
        out.append(slot(shifts, False))
    out.append(slot([trailing for _, _, trailing in per_engineer], True))
    kept = [(w, pick) for w, pick in out if bool(np.any(w.shift_end_s > w.ready_s))]
    return tuple(w for w, _ in kept), tuple(pick for _, pick in kept)


def _courier_eta(snapshot: WorldSnapshot, now_s: int) -> NDArray[np.int64]:
    """Delivery time (relative s) of a parcel from each depot handed over after pick-and-pack.

    Collected today if packed before the depot's cutoff on a business day, else on the next
    business day; delivered by the courier's time on the business day after collection.
    """
    if not snapshot.couriers:
        return np.full(len(snapshot.depots), NO_TIME, dtype=np.int64)
    delivery_by = min(c.delivery_by for c in snapshot.couriers)
    today = snapshot.now.astimezone(WARSAW).date()
    etas = []
    for depot in snapshot.depots:
        packed = snapshot.now + timedelta(minutes=depot.pick_minutes)
        collect = today
        if not is_business_day(today) or packed > _wall(today, depot.courier_cutoff):
            collect = next_business_day(today)
        etas.append(int(_wall(next_business_day(collect), delivery_by).timestamp()) - now_s)
    return np.array(etas, dtype=np.int64)
