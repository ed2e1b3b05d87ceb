"""The service's world: the database read into the engine's ``WorldSnapshot``, and the planner.

One snapshot, read in the planning transaction, is all the engine gets: depots with their free
units, pick-and-pack, cut-off, drivers and the cars still out; engineers with their shifts (and
on-call time around them), van stock, where they are and their booked routes (legs not yet
finished, a leg already started under way); the SKU catalogue and couriers. The engine is
plugged in through ``Settings.planner`` or ``create_app(planner=...)``.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from depots.ledger import free_units
from depots.ledger.sql import SqlLedger
from depots.masterdata import depots as all_depots
from dispatch.errors import InvalidInput
from dispatch.store import field, masterdata, routes, vans
from dispatch.store.plans import ProposedOption
from dispatch.store.tables import (
    Device,
    Engineer,
    RouteLeg,
    Shift,
    Ticket,
)
from dispatch.tiers import Tier
from dispatch.timeparse import WARSAW
from dispatch.world import (
    CourierService,
    DepotState,
    EngineerState,
    Point,
    Service,
    Stop,
    TicketState,
    Window,
    WorldSnapshot,
)

HORIZON = timedelta(days=3)
POSITION_FRESH = timedelta(hours=12)
"""A reported position older than this says nothing about where an engineer is."""
"""How far ahead shifts and booked legs are read into the world."""
UNDELIVERED = ("planned", "dispatched", "escalated")
DEFAULT_COURIER = CourierService("NBD")
"""The parcel service when none is imported: next business day by 17:00, 60 zł."""


class Planner(Protocol):
    """The dispatch engine, as the API calls it."""

    def plan(self, world: WorldSnapshot, ticket: TicketState) -> Sequence[ProposedOption]:
        """Ranked options for ``ticket``; raise ``dispatch.errors.Infeasible`` when none."""
        ...


def planning_ticket(session: Session, ticket: Ticket) -> TicketState:
    """The engine's view of an accepted ticket: what, where, and the deadline fixed then."""
    if ticket.deadline is None or ticket.clock_start is None:
        raise InvalidInput("ticket", f"ticket {ticket.id} is not accepted yet")
    device = session.get_one(Device, ticket.serial)
    return TicketState(
        id=str(ticket.id),
        service=Service(ticket.product),
        tier=Tier.parse(ticket.tier),
        accepted_at=ticket.clock_start,
        deadline=ticket.deadline,
        site=Point(device.lat, device.lon, device.address),
        sku=ticket.sku,
    )


def load_snapshot(
    session: Session,
    now: datetime,
    *,
    for_ticket: int | None = None,
    absent: str | None = None,
    replanned: Collection[int] = (),
) -> WorldSnapshot:
    """The world at ``now``, as ``for_ticket`` sees it when planned (again).

    ``for_ticket``'s own unit counts as free and its own legs are not booked, since confirming
    a new option gives both up (the engine may well choose them again); so for every ticket of
    ``replanned`` (a whole day planned again). ``absent`` leaves an engineer out (marked
    unavailable).
    """
    own = set(replanned) | ({for_ticket} if for_ticket is not None else set())
    booked = [  # since the day before: finished legs tell where each engineer is now
        leg
        for leg in routes.active_between(session, now - timedelta(days=1), now + HORIZON)
        if leg.ticket_id not in own
    ]
    legs = field.live_copies(session, booked, now)  # as the field reports it going
    return WorldSnapshot(
        now=now,
        skus=masterdata.sku_catalogue(session),
        depots=_depots(session, legs, now, own),
        couriers=tuple(masterdata.couriers(session)) or (DEFAULT_COURIER,),
        engineers=_engineers(session, legs, now, own, absent),
        tickets=(),
    )


def _depots(
    session: Session, legs: Sequence[RouteLeg], now: datetime, replanned: Collection[int]
) -> tuple[DepotState, ...]:
    free = free_units(SqlLedger(session), replanned)
    back: dict[str, list[datetime]] = defaultdict(list)
    for leg in legs:
        if leg.vehicle.startswith("car:") and leg.kind == "return" and leg.arrive_at > now:
            back[leg.vehicle.removeprefix("car:")].append(leg.arrive_at)
    return tuple(
        DepotState(
            id=d.id,
            at=Point(d.lat, d.lon, d.name),
            stock=dict(free.get(d.id, {})),
            pick_minutes=d.pick_minutes,
            courier_cutoff=d.courier_cutoff,
            drivers=d.drivers,
            cars_back=tuple(sorted(back[d.id])),
        )
        for d in all_depots(session)
    )


def _engineers(
    session: Session,
    legs: Sequence[RouteLeg],
    now: datetime,
    replanned: Collection[int],
    absent: str | None,
) -> tuple[EngineerState, ...]:
    shifts: dict[str, list[Shift]] = defaultdict(list)
    for shift in masterdata.shifts_between(session, None, now - timedelta(days=1), now + HORIZON):
        shifts[shift.engineer_id].append(shift)
    by_vehicle: dict[str, list[RouteLeg]] = defaultdict(list)
    for leg in legs:
        by_vehicle[leg.vehicle].append(leg)
    deadlines = _deadlines(session, {leg.ticket_id for leg in legs if leg.ticket_id is not None})
    in_vans = vans.free_units(session, replanned)
    skills = masterdata.all_skills(session)
    reported = field.positions(session, now - POSITION_FRESH)
    out = []
    for e in session.scalars(select(Engineer).order_by(Engineer.id)):
        if e.id == absent:
            continue
        home = Point(e.home_lat, e.home_lon, e.name)
        mine = by_vehicle.get(e.id, [])
        position, busy_until = _position(mine, now, home)
        position = _reported(mine, now, reported.get(e.id)) or position
        out.append(
            EngineerState(
                id=e.id,
                name=e.name,
                home=home,
                skills=skills.get(e.id, frozenset()),
                rate_gr_h=e.hourly_cost_gr,
                windows=_windows(shifts.get(e.id, []), now),
                on_call=any(s.on_call for s in shifts.get(e.id, [])),
                van_stock=in_vans.get(e.id, {}),
                route=tuple(_stop(leg, now, deadlines) for leg in mine if _booked_work(leg, now)),
                position=position,
                free_from=busy_until,
            )
        )
    return tuple(out)


def _windows(shifts: Sequence[Shift], now: datetime) -> tuple[Window, ...]:
    """Shifts that have not ended, and for an engineer on call (a shift flagged ``on_call``)
    the time between shifts as on-call windows: from the end of the shift before (or the
    start of today, when none ended in the last day) to the next shift's start.

    The bounds are fixed, not cut at now, so a window keeps its name (its route key) from one
    planning to the next; the engine starts no work before now anyway.
    """
    ordered = sorted(shifts, key=lambda s: s.start_at)
    windows = [Window(s.start_at, s.end_at) for s in ordered]
    if any(s.on_call for s in ordered):
        local = now.astimezone(WARSAW)
        edge = datetime.combine(local.date(), time(0), WARSAW)
        if ordered and ordered[0].end_at <= now:
            edge = ordered[0].end_at
        for shift in ordered:
            if shift.start_at > edge:
                windows.append(Window(edge, shift.start_at, on_call=True))
            edge = max(edge, shift.end_at)
    return tuple(sorted((w for w in windows if w.end > now), key=lambda w: w.start))


def _booked_work(leg: RouteLeg, now: datetime) -> bool:
    """A pickup or visit not finished yet."""
    return leg.kind in routes.WORK_KINDS and leg.finish_at > now


def _stop(leg: RouteLeg, now: datetime, deadlines: Mapping[int, datetime]) -> Stop:
    """A booked leg as a route stop: at its booked start or later, never past the ticket's
    deadline (or its booked start, when that is already late); under way once it has left."""
    deadline = deadlines.get(leg.ticket_id) if leg.ticket_id is not None else None
    latest = None
    if leg.kind == "visit":
        latest = leg.start_at if deadline is None else max(deadline, leg.start_at)
    return Stop(
        kind=leg.kind,
        ref=leg.ref,
        ticket=None if leg.ticket_id is None else str(leg.ticket_id),
        at=Point(leg.dest_lat, leg.dest_lon, leg.dest_name),
        service_s=int((leg.finish_at - leg.start_at).total_seconds()),
        arrive=leg.arrive_at,
        start=leg.start_at,
        depart=leg.finish_at,
        ready=leg.start_at,
        latest=latest,
        under_way=leg.depart_at <= now,
    )


def _position(
    legs: Sequence[RouteLeg], now: datetime, home: Point
) -> tuple[Point | None, datetime | None]:
    """Where the engineer is at ``now`` and until when they are busy getting there: at the end
    of their last finished leg, or, once a drive home has started, at home when it arrives.
    (None, None) before their first leg: at home, free."""
    started = [leg for leg in legs if leg.depart_at <= now]
    if not started:
        return None, None
    last = max(started, key=lambda leg: (leg.depart_at, leg.id))
    if last.kind == "return":
        return home, (last.arrive_at if last.arrive_at > now else None)
    done = [leg for leg in started if leg.finish_at <= now]
    if not done:
        return None, None
    last = max(done, key=lambda leg: (leg.finish_at, leg.id))
    return Point(last.dest_lat, last.dest_lon, last.dest_name), None


def _reported(
    legs: Sequence[RouteLeg], now: datetime, reported: tuple[Point, datetime] | None
) -> Point | None:
    """A reported position, when the engineer is idle (no leg under way) and it is newer than
    the end of their last leg."""
    if reported is None or any(leg.depart_at <= now < leg.finish_at for leg in legs):
        return None
    point, at = reported
    ended = [leg.finish_at for leg in legs if leg.finish_at <= now]
    return point if not ended or at >= max(ended) else None


def _deadlines(session: Session, ticket_ids: set[int]) -> dict[int, datetime]:
    if not ticket_ids:
        return {}
    rows = session.execute(select(Ticket.id, Ticket.deadline).where(Ticket.id.in_(ticket_ids)))
    return {ticket_id: deadline for ticket_id, deadline in rows if deadline is not None}


def load_planner(spec: str) -> Planner:
    """Build the planner named ``module:factory`` (the factory takes no arguments).

    Raises
    ------
    InvalidInput
        When ``spec`` does not name an importable callable.
    """
    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InvalidInput("planner", f"cannot load {spec!r}: {exc}") from None
    return cast(Planner, factory())
