"""What the plan endpoint needs from the dispatch engine: a small ``Planner`` protocol.

The API builds a read-only view of the world (depots with free stock, engineers with shifts
and confirmed visits) at ``now`` and hands it with the ticket to the planner, which returns
ranked options: the first is the recommendation, the rest are alternatives. The engine is
plugged in through ``Settings.planner`` or ``create_app(planner=...)``.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from depots import stock
from dispatch.errors import InvalidInput
from dispatch.store import masterdata
from dispatch.store.plans import ProposedOption
from dispatch.store.tables import Assignment, Device, Engineer, Ticket

HORIZON = timedelta(days=3)
"""How far ahead shifts and visits are included in the world view."""


@dataclass(frozen=True, slots=True)
class PlanningTicket:
    """The ticket as the planner sees it: what, where, and by when."""

    ticket_id: int
    sku: str
    product: str
    tier: str
    site_lat: float
    site_lon: float
    clock_start: datetime
    deadline: datetime


@dataclass(frozen=True, slots=True)
class DepotView:
    depot_id: str
    lat: float
    lon: float
    free_units: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class EngineerView:
    engineer_id: str
    home_lat: float
    home_lon: float
    skills: frozenset[str]
    hourly_cost_gr: int
    shifts: tuple[tuple[datetime, datetime], ...]
    busy: tuple[tuple[datetime, datetime], ...]
    on_call: bool = False
    """On call around their shifts (a shift up to the horizon is flagged ``on_call``): works
    the gaps between shifts for round-the-clock tickets."""


@dataclass(frozen=True, slots=True)
class WorldView:
    """Depots and engineers as of one moment, read in the planning transaction."""

    depots: tuple[DepotView, ...]
    engineers: tuple[EngineerView, ...]


class Planner(Protocol):
    """The dispatch engine, as the API calls it."""

    def plan(
        self, ticket: PlanningTicket, world: WorldView, now: datetime
    ) -> Sequence[ProposedOption]:
        """Ranked options for ``ticket``; raise ``dispatch.errors.Infeasible`` when none."""
        ...


def planning_ticket(session: Session, ticket: Ticket) -> PlanningTicket:
    """The planner's view of an accepted ticket."""
    if ticket.deadline is None or ticket.clock_start is None:
        raise InvalidInput("ticket", f"ticket {ticket.id} is not accepted yet")
    device = session.get_one(Device, ticket.serial)
    return PlanningTicket(
        ticket_id=ticket.id,
        sku=ticket.sku,
        product=ticket.product,
        tier=ticket.tier,
        site_lat=device.lat,
        site_lon=device.lon,
        clock_start=ticket.clock_start,
        deadline=ticket.deadline,
    )


def load_world(session: Session, now: datetime, *, for_ticket: int | None = None) -> WorldView:
    """Depots with free units per SKU, and engineers with shifts and visits up to the horizon.

    ``for_ticket`` is the world as that ticket sees it when planned again: the unit it holds
    counts as free and its own visit does not keep its engineer busy, since confirming a new
    option gives both up (the engine may well choose them again).
    """
    free: dict[str, dict[str, int]] = defaultdict(dict)
    for level in stock.levels(session):
        if level.available > 0:
            free[level.depot_id][level.sku] = level.available
    if for_ticket is not None:
        for line in stock.held_lines(session, for_ticket):
            free[line.depot_id][line.sku] = free[line.depot_id].get(line.sku, 0) + 1
    depots = tuple(
        DepotView(d.id, d.lat, d.lon, dict(free.get(d.id, {}))) for d in stock.depots(session)
    )
    end = now + HORIZON
    shifts: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    on_call: set[str] = set()
    for shift in masterdata.shifts_between(session, None, now, end):
        shifts[shift.engineer_id].append((shift.start_at, shift.end_at))
        if shift.on_call:
            on_call.add(shift.engineer_id)
    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    visits = select(Assignment).where(
        Assignment.active.is_(True), Assignment.finish_at > now, Assignment.depart_at < end
    )
    if for_ticket is not None:
        visits = visits.where(Assignment.ticket_id != for_ticket)
    for visit in session.scalars(visits.order_by(Assignment.depart_at)):
        busy[visit.engineer_id].append((visit.depart_at, visit.finish_at))
    skills = masterdata.all_skills(session)
    engineers = tuple(
        EngineerView(
            engineer_id=e.id,
            home_lat=e.home_lat,
            home_lon=e.home_lon,
            skills=skills.get(e.id, frozenset()),
            hourly_cost_gr=e.hourly_cost_gr,
            shifts=tuple(shifts[e.id]),
            busy=tuple(busy[e.id]),
            on_call=e.id in on_call,
        )
        for e in session.scalars(select(Engineer).order_by(Engineer.id))
    )
    return WorldView(depots=depots, engineers=engineers)


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
