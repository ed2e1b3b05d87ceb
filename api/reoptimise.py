"""Re-plan proposals: tickets planned again together, shown as a diff, applied atomically.

A day's re-optimisation starts from the day as booked and improves it a ticket at a time,
most urgent first, for every ticket whose work on the day has not started (confirmed or not
yet): the ticket gives up its booking (stops, unit) and the engine inserts it again; the new
place is kept when it is better (on time where it was late, or as punctual and cheaper once
the overtime it adds or saves is priced), else the booking stays. The engine's insertion
never starts a booked stop past its promise, so applying never makes a confirmed on-time
ticket late. A repair (an engineer gone, a failed visit, a ticket made late) takes the
tickets hit out altogether and books them back, the on-time ones first.

The proposal keeps what it was based on (each ticket's state and plan, each vehicle's legs);
applying re-checks that in the writing transaction and answers 409 when anything moved, then
plans and confirms every changed ticket in one transaction (a unit gone is a 409 too).
"""

from __future__ import annotations

import hashlib
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.booked_world import with_booked, without
from api.planning import Planner, load_snapshot, planning_ticket
from api.schemas.proposals import (
    EngineerOvertime,
    ProposalPublic,
    Serving,
    TicketChange,
    Totals,
)
from api.workflows import reserve_and_confirm
from depots.ledger import OutOfStock
from depots.ledger.sql import SqlLedger
from dispatch.errors import Conflict, Infeasible, NotFound
from dispatch.plans import Move
from dispatch.store import masterdata, plans, routes, tickets
from dispatch.store.db import transaction
from dispatch.store.lifecycle import TicketStatus
from dispatch.store.plans import ProposedOption
from dispatch.store.routes import RouteChanged
from dispatch.store.tables import Device, Plan, PlanOption, Proposal, RouteLeg, Ticket
from dispatch.store.vans import VanEmpty
from dispatch.timeparse import WARSAW, format_instant, parse_instant
from dispatch.world import Stop, TicketState, WorldSnapshot
from solver.travel.geo import haversine_m

MOVED_S = 60  # an ETA moved by less than this is not a change
DAY_BUDGET_S = 3.5
"""A day's re-optimisation searches at least this long from the request (the demo day's answer
is due in 5 s; one engine call more, reading and storing come on top)."""
BUDGET_PER_TICKET_S = 0.05
"""A bigger day gets this long per ticket (a re-insertion takes 15-35 ms on 2 shared cores),"""
DAY_BUDGET_MAX_S = 11.0
"""up to this (a 400-ticket day's answer is due in 15 s)."""
CONFIRMED = (TicketStatus.DISPATCHED.value, TicketStatus.ESCALATED.value)
UNCONFIRMED = (
    TicketStatus.ACCEPTED,
    TicketStatus.PLANNED,
    TicketStatus.ESCALATED,
    TicketStatus.UNSERVABLE,
)
SPAN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class _Before:
    """A ticket as booked: its confirmed option, ETA and legs (None: not confirmed)."""

    ticket: Ticket
    state: TicketState
    option: PlanOption | None
    eta: datetime | None
    km: float
    units: tuple[tuple[str, str], ...]  # the depot units it holds: (depot, SKU)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in Warsaw."""
    start = datetime.combine(day, time(0), WARSAW)
    return start, datetime.combine(day + timedelta(days=1), time(0), WARSAW)


def propose_day(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    planner: Planner,
    *,
    day: date,
    actor: str,
    now: datetime,
    budget_s: float | None = None,
) -> ProposalPublic:
    """Plan again every ticket whose work on ``day`` has not started, as a proposal, searching
    for ``budget_s`` (default: :func:`day_budget` of the day's tickets)."""
    start, end = day_bounds(day)
    with transaction(reads) as session:
        scope = _day_scope(session, start, end, now)
    budget = day_budget(len(scope)) if budget_s is None else budget_s
    return propose(db, reads, planner, ticket_ids=scope, kind="day", day=day,
                   trigger=f"re-optimise {day}", actor=actor, now=now,
                   budget_s=budget)  # fmt: skip


def day_budget(tickets: int) -> float:
    """How long a day of ``tickets`` is searched: ``DAY_BUDGET_S``, or
    ``BUDGET_PER_TICKET_S`` a ticket for a bigger day, up to ``DAY_BUDGET_MAX_S``."""
    return min(DAY_BUDGET_MAX_S, max(DAY_BUDGET_S, BUDGET_PER_TICKET_S * tickets))


def propose(
    db: sessionmaker[Session],
    reads: sessionmaker[Session],
    planner: Planner,
    *,
    ticket_ids: Sequence[int],
    kind: str,
    day: date | None,
    trigger: str,
    actor: str,
    now: datetime,
    absent: str | None = None,
    budget_s: float = DAY_BUDGET_S,
) -> ProposalPublic:
    """Plan ``ticket_ids`` again together (see the module) and store the proposal.

    A day's re-optimisation is bound by the bookings (each confirmed ticket keeps a place,
    each on-time one its punctuality); a repair is not, since what it repairs is broken."""
    began = clock.perf_counter()
    with transaction(reads) as session:
        before = _befores(session, ticket_ids)
        taken_out = ticket_ids if kind != "day" else ()  # a day is improved as booked
        world = load_snapshot(session, now, replanned=taken_out, absent=absent)
        vehicles = _vehicles(session, ticket_ids)
        booked = world if kind == "day" else load_snapshot(session, now)
    if kind == "day":
        left = budget_s - (clock.perf_counter() - began)  # reading the day counts too
        after, kept, tried, planned = _improve(planner, world, before, left)
    else:
        (after, planned), tried, kept = _rebook(planner, world, before), len(before), {}
    note = None if before else "nothing on the day is left to re-plan"
    used = vehicles | {g.vehicle for o in after.values() if o is not None for g in o.legs}
    with transaction(reads) as session:
        replanned = {str(b.ticket.id) for b in before}
        overtime = _overtime(session, booked, planned if not note else booked, used, replanned)
    body = _body(before, after, note, overtime, overtime_rates(booked), kept)
    body["runtime_ms"] = int((clock.perf_counter() - began) * 1000)
    body["tried"] = tried
    with transaction(db) as session:
        row = Proposal(
            kind=kind, trigger=trigger, created_at=now, created_by=actor, status="proposed",
            applied_at=None, body=body | {"day": None if day is None else day.isoformat()},
            basis=_basis(session, ticket_ids, used, now),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return proposal_public(row)


def _day_scope(session: Session, start: datetime, end: datetime, now: datetime) -> list[int]:
    """Tickets served on the day whose legs have all yet to start, and open tickets without a
    confirmed plan that are the day's to serve: due by its end, or with their clock starting
    on it (an NBD ticket accepted after hours the evening before is due the day after, yet
    its visit belongs to the evening run's day as much as one accepted in hours)."""
    legs = routes.active_between(session, start - SPAN, end + SPAN)
    by_ticket: dict[int, list[RouteLeg]] = defaultdict(list)
    for leg in legs:
        if leg.ticket_id is not None:
            by_ticket[leg.ticket_id].append(leg)
    etas = routes.etas(session, by_ticket)
    booked = {
        t for t, mine in by_ticket.items()
        if all(g.depart_at > now for g in mine) and t in etas and start <= etas[t] < end
    }  # fmt: skip
    rows = session.scalars(select(Ticket).where(Ticket.id.in_(booked))).all()
    scope = {t.id for t in rows if t.status in CONFIRMED}
    for ticket in tickets.queue(session, UNCONFIRMED, 1000):
        due = ticket.deadline is not None and ticket.deadline < end
        starts = ticket.clock_start is not None and start <= ticket.clock_start < end
        if (
            (due or starts)
            and ticket.id not in by_ticket
            and plans.confirmed_option(session, ticket.id) is None
        ):
            scope.add(ticket.id)
    return sorted(scope)


def _befores(session: Session, ticket_ids: Sequence[int]) -> list[_Before]:
    """The tickets as booked, read a kind at a time (a day holds hundreds)."""
    ids = list(ticket_ids)
    rows = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    serials = {t.serial for t in rows.values()}
    session.scalars(select(Device).where(Device.serial.in_(serials))).all()  # for planning_ticket
    latest: dict[int, Plan] = {}
    for plan in session.scalars(select(Plan).where(Plan.ticket_id.in_(ids)).order_by(Plan.id)):
        latest[plan.ticket_id] = plan
    confirmed = {t: p for t, p in latest.items() if p.status == "confirmed"
                 and p.confirmed_rank is not None}  # fmt: skip
    rank_of = {p.id: p.confirmed_rank for p in confirmed.values()}
    chosen = {
        o.plan_id: o
        for o in session.scalars(select(PlanOption).where(PlanOption.plan_id.in_(list(rank_of))))
        if o.rank == rank_of[o.plan_id]
    }
    km: Counter[int] = Counter()
    for leg in session.scalars(
        select(RouteLeg).where(RouteLeg.ticket_id.in_(ids), RouteLeg.active.is_(True))
    ):
        if leg.kind != "return" and leg.ticket_id is not None:
            km[leg.ticket_id] += leg.distance_m
    etas = routes.etas(session, ids)
    held = SqlLedger(session).held_lines_of(ids)
    out = []
    for ticket_id in ids:
        ticket = rows[ticket_id]
        booked = confirmed.get(ticket_id)
        option = None if booked is None else chosen.get(booked.id)
        out.append(_Before(
            ticket, planning_ticket(session, ticket), option,
            etas.get(ticket_id) if option is not None else None,
            km[ticket_id] / 1000 if option is not None else 0.0,
            tuple((line.depot_id, line.sku) for line in held.get(ticket_id, [])),
        ))  # fmt: skip
    return out


def _rebook(
    planner: Planner, world: WorldSnapshot, before: Sequence[_Before]
) -> tuple[dict[int, ProposedOption | None], WorldSnapshot]:
    """A repair: the tickets hit, all taken out of ``world``, booked back one by one into the
    world the ones before left, those that were on time first, most urgent first (None: no
    option left); and the world once they are booked."""
    order = sorted(before, key=lambda b: (not _on_time(b), b.state.deadline, b.ticket.id))
    out: dict[int, ProposedOption | None] = {}
    for b in order:
        try:
            options = list(planner.plan(world, b.state))
        except Infeasible:
            options = []
        chosen = replace(options[0], route_digest=None) if options else None
        out[b.ticket.id] = chosen
        if chosen is not None:
            world = with_booked(world, chosen, b.state)
    return out, world


def _improve(
    planner: Planner, world: WorldSnapshot, before: Sequence[_Before], budget_s: float
) -> tuple[dict[int, ProposedOption | None], dict[int, int], int, WorldSnapshot]:
    """The day as booked, improved a ticket at a time: each gives up its booking and is
    inserted again among the engineers near its site (``_near``); the new place is kept when
    it is better (see ``_better``), else the booking stays. Booked stops never start past
    their promise, so no other ticket is made late; unconfirmed tickets take their best
    option. Tickets late as booked come first, then those without a plan, then the rest, most
    urgent first, until ``budget_s`` is spent (an anytime search: what was not tried stays as
    booked); the answer says how many were tried, and what keeping each moved ticket where it
    was costs in the day as it then is (``_kept_cost``).
    """
    out: dict[int, ProposedOption | None] = {}
    kept: dict[int, int] = {}
    began = clock.perf_counter()
    order = sorted(before, key=lambda b: (b.option is not None, _on_time(b), b.state.deadline))
    order = sorted(order, key=lambda b: b.option is not None and _on_time(b))
    tried = 0
    for b in order:
        if clock.perf_counter() - began > budget_s:
            break
        tried += 1
        van = None
        if b.option is not None and b.option.source == "van" and b.option.engineer_id:
            van = (b.option.engineer_id, b.option.sku)
        base = world if b.option is None else without(world, b.state.id, b.units, van)
        booked = None if b.option is None else b.option.engineer_id
        try:
            options = list(planner.plan(_near(base, b.state, booked), b.state))
        except Infeasible:
            continue
        if not options:
            continue
        chosen = replace(options[0], route_digest=None)
        moved = with_booked(base, chosen, b.state)
        keep = _Memo(partial(_kept_cost, planner, base, b))
        if _better(b, chosen, overtime_gr(world, moved), keep):
            out[b.ticket.id] = chosen
            if keep.value is not None:
                kept[b.ticket.id] = keep.value
            world = moved
    return out, kept, tried, world


class _Memo:
    """A price computed at most once, and only if asked for."""

    def __init__(self, compute: Callable[[], int]) -> None:
        self._compute = compute
        self.value: int | None = None

    def __call__(self) -> int:
        if self.value is None:
            self.value = self._compute()
        return self.value


def _kept_cost(planner: Planner, base: WorldSnapshot, b: _Before) -> int:
    """What keeping ``b`` as booked costs in the day as it is now: its booked way (engineer,
    part source, depot) inserted again at that engineer's best place in ``base`` (the day
    without it). Its booked place is among those tried, so this is no more than what that
    place adds now, and a change priced against it saves at least what it claims. The price
    it was booked at is not that: later bookings may share the trip it paid for. A parcel or
    a car costs what it was booked at."""
    o = b.option
    if o is None or o.engineer_id is None:
        return 0 if o is None else o.cost_gr
    alone = replace(base, engineers=tuple(e for e in base.engineers if e.id == o.engineer_id))
    try:
        options = planner.plan(alone, b.state)
    except Infeasible:
        return o.cost_gr
    way = (o.engineer_id, o.mode, o.source, o.depot_id)
    same = [x.cost_gr for x in options if (x.engineer_id, x.mode, x.source, x.depot_id) == way]
    return min(same, default=o.cost_gr)


NEAR_ENGINEERS = 12
"""A day's search re-inserts each ticket among this many engineers: the nearest to its site
with the skill (and the one it is booked with). An engineer across the country is neither on
time nor cheaper, and a dozen engineers' world plans in a fraction of the time of all 45 (or
120), so a big day is tried whole within its budget."""


def _near(world: WorldSnapshot, state: TicketState, booked: str | None) -> WorldSnapshot:
    """``world`` with only the engineers a ticket's insertion may choose from: the
    ``NEAR_ENGINEERS`` skilled ones nearest to its site (where they are now, else home), and
    ``booked``; everyone's route and stock stay as they are (the rest just are not offered)."""
    family = world.skus[state.sku].family
    skilled = [e for e in world.engineers if family in e.skills]
    if len(skilled) > NEAR_ENGINEERS:
        at = np.array([[(e.position or e.home).lat, (e.position or e.home).lon] for e in skilled])
        site = np.array([[state.site.lat, state.site.lon]])
        gap = haversine_m(at[:, 0], at[:, 1], site[:, 0], site[:, 1])
        skilled = [skilled[i] for i in np.argsort(gap, kind="stable")[:NEAR_ENGINEERS]]
    kept = {e.id for e in skilled} | ({booked} if booked else set())
    return replace(world, engineers=tuple(e for e in world.engineers if e.id in kept))


GAIN_GR = 1_000
"""A new place for a ticket that stays as punctual must save at least this much (10 zł)."""


def _better(b: _Before, option: ProposedOption, overtime: int, keep: Callable[[], int]) -> bool:
    """On time where it was late; else as punctual, elsewhere, and cheaper by ``GAIN_GR`` than
    ``keep()`` (what keeping it as booked costs now) once ``overtime`` (grosze: what the change
    adds to the engineers' overtime, priced; < 0 when it saves some) is counted. A ticket saved
    from lateness takes overtime if it must."""
    if b.option is None:
        return True
    on_time = option.arrival_at <= b.state.deadline
    if on_time != _on_time(b):
        return on_time
    o = b.option
    same = (o.engineer_id, o.mode, o.source, o.depot_id) == (
        option.engineer_id, option.mode, option.source, option.depot_id)  # fmt: skip
    return not same and option.cost_gr + overtime <= keep() - GAIN_GR


def overtime_rates(world: WorldSnapshot) -> dict[str, int]:
    """Each engineer's overtime rate, grosze an hour: the engine's own price of work past a
    shift (the on-call rate, ``Prices.on_call_permille`` of the hourly rate: 1.5x)."""
    permille = world.prices.on_call_permille
    return {e.id: e.rate_gr_h * permille // 1000 for e in world.engineers}


def overtime_gr(before: WorldSnapshot, after: WorldSnapshot) -> int:
    """What going from ``before`` to ``after`` (the same engineers) does to their overtime:
    booked work outside their shifts (``_outside``), after minus before, at their overtime
    rates. The option's own cost already pays its route's on-call time; this term weighs the
    whole change (the day a ticket leaves, visits pushed past a shift) and keeps a saving of a
    few złoty from buying an hour of overtime."""
    rates = overtime_rates(after)
    total = 0
    for old, new in zip(before.engineers, after.engineers, strict=True):
        if old.route == new.route:
            continue
        shifts = [(w.start, w.end) for w in new.windows if not w.on_call]
        extra = _outside(_work(new.route), shifts) - _outside(_work(old.route), shifts)
        total += extra * rates[new.id] // 3600
    return total


def _on_time(b: _Before) -> bool:
    return b.eta is not None and b.eta <= b.state.deadline


def _serving_before(b: _Before, cost_gr: int | None = None) -> Serving | None:
    """``b`` as booked, at ``cost_gr`` when given (what keeping it costs now), else at the
    price it was booked at."""
    if b.option is None or b.eta is None:
        return None
    o = b.option
    return Serving(
        engineer_id=o.engineer_id, mode=o.mode, source=o.source, depot_id=o.depot_id,
        eta=b.eta, on_time=_on_time(b), cost_gr=o.cost_gr if cost_gr is None else cost_gr,
    )  # fmt: skip


def _serving_after(o: ProposedOption | None, deadline: datetime) -> Serving | None:
    if o is None:
        return None
    return Serving(
        engineer_id=o.engineer_id, mode=o.mode, source=o.source, depot_id=o.depot_id,
        eta=o.arrival_at, on_time=o.arrival_at <= deadline, cost_gr=o.cost_gr,
    )  # fmt: skip


def _changed(a: Serving | None, b: Serving | None) -> bool:
    if a is None or b is None:
        return a is not b
    same = (a.engineer_id, a.mode, a.source, a.depot_id) == (b.engineer_id, b.mode, b.source,
                                                              b.depot_id)  # fmt: skip
    return not same or abs((a.eta - b.eta).total_seconds()) >= MOVED_S


def _overtime(
    session: Session,
    before: WorldSnapshot,
    after: WorldSnapshot,
    vehicles: set[str],
    replanned: set[str],
) -> list[EngineerOvertime]:
    """Each engineer the proposal touches (a vehicle of theirs, or a day that differs): the
    seconds of booked work (at a depot or on site, from the start of the work to its end)
    outside their shifts, as booked and as proposed (``replanned``: the tickets it plans)."""
    routes_before = {e.id: e.route for e in before.engineers}
    routes_after = {e.id: e.route for e in after.engineers}
    for e, route in routes_before.items():  # an engineer left out (absent) keeps what stays
        if e not in routes_after:
            routes_after[e] = tuple(s for s in route if s.ticket not in replanned)
    ids = sorted(
        e for e in routes_before.keys() | routes_after.keys()
        if e in vehicles or routes_before.get(e) != routes_after.get(e)
    )  # fmt: skip
    spans = [w for r in (routes_before, routes_after) for e in ids for w in _work(r.get(e, ()))]
    if not spans:
        return []
    first, last = min(a for a, _ in spans) - SPAN, max(b for _, b in spans) + SPAN
    shifts: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for shift in masterdata.shifts_between(session, None, first, last):
        if shift.engineer_id in ids:
            shifts[shift.engineer_id].append((shift.start_at, shift.end_at))
    return [
        EngineerOvertime(
            engineer_id=e,
            before_s=_outside(_work(routes_before.get(e, ())), shifts[e]),
            after_s=_outside(_work(routes_after.get(e, ())), shifts[e]),
        )
        for e in ids
    ]


def _work(route: Sequence[Stop]) -> list[tuple[datetime, datetime]]:
    """The booked stops' work: from its start to its end."""
    return [(s.start, s.depart) for s in route if s.start is not None and s.depart is not None]


def _outside(
    spans: Sequence[tuple[datetime, datetime]], shifts: Sequence[tuple[datetime, datetime]]
) -> int:
    """Seconds of ``spans`` outside every shift (shifts do not overlap)."""
    total = 0.0
    for begin, end in spans:
        inside = sum(
            max(0.0, (min(end, shift_end) - max(begin, shift_start)).total_seconds())
            for shift_start, shift_end in shifts
        )
        total += (end - begin).total_seconds() - inside
    return int(total)


def _totals(
    sides: list[tuple[Ticket, Serving | None, float]], overtime_s: int = 0
) -> dict[str, Any]:
    on_time = Counter(t.tier for t, s, _ in sides if s is not None and s.on_time)
    return Totals(
        tickets=len(sides), served=sum(s is not None for _, s, _ in sides),
        on_time=sum(on_time.values()), on_time_by_tier=dict(sorted(on_time.items())),
        cost_gr=sum(s.cost_gr for _, s, _ in sides if s is not None),
        km=round(sum(km for _, _, km in sides), 1), overtime_s=overtime_s,
    ).model_dump(mode="json")  # fmt: skip


def _body(
    before: Sequence[_Before],
    after: dict[int, ProposedOption | None],
    note: str | None,
    overtime: Sequence[EngineerOvertime],
    rates: dict[str, int],
    kept_cost: dict[int, int] | None = None,
) -> dict[str, Any]:
    """The diff, the totals of both sides (overtime: of the engineers touched) and (when
    anything is proposed) the options to book, in booking order. A moved ticket's cost before
    is ``kept_cost`` (what keeping it as booked costs in the day as it is) where known, so the
    saving shown is one the day really makes. It improves the day when more tickets are on
    time, or as many for less cost with the overtime priced (``rates``)."""
    proposed = not note
    rows_before, rows_after, changes = [], [], []
    for b in before:
        old = _serving_before(b, (kept_cost or {}).get(b.ticket.id))
        kept = not proposed or b.ticket.id not in after  # a day's ticket left as booked
        option = None if kept else after[b.ticket.id]
        new = old if kept else _serving_after(option, b.state.deadline)
        km = b.km if kept else _km(option, b.ticket.id)
        rows_before.append((b.ticket, old, b.km))
        rows_after.append((b.ticket, new, km))
        if _changed(old, new):
            changes.append(
                TicketChange(ticket_id=b.ticket.id, tier=b.ticket.tier,
                             deadline=b.state.deadline, before=old, after=new)
            )  # fmt: skip
    totals_before = _totals(rows_before, sum(o.before_s for o in overtime))
    totals_after = _totals(rows_after, sum(o.after_s for o in overtime))
    paid_before = sum(o.before_s * rates.get(o.engineer_id, 0) // 3600 for o in overtime)
    paid_after = sum(o.after_s * rates.get(o.engineer_id, 0) // 3600 for o in overtime)
    better = (totals_after["on_time"], -totals_after["cost_gr"] - paid_after) > (
        totals_before["on_time"], -totals_before["cost_gr"] - paid_before)  # fmt: skip
    return {
        "note": note, "improves": proposed and better and bool(changes),
        "before": totals_before, "after": totals_after,
        "changes": [c.model_dump(mode="json") for c in changes],
        "unchanged": len(before) - len(changes),
        "overtime": [o.model_dump(mode="json") for o in overtime],
        "book": [[t, _option_json(o)] for t, o in after.items() if o is not None],
    }  # fmt: skip


def _km(option: ProposedOption | None, ticket_id: int) -> float:
    if option is None:
        return 0.0
    own = [g for g in option.legs if g.ticket == str(ticket_id) and g.kind != "return"]
    return sum(g.distance_m for g in own) / 1000


def _vehicles(session: Session, ticket_ids: Sequence[int]) -> set[str]:
    """The vehicles whose legs the tickets hold now."""
    rows = session.scalars(
        select(RouteLeg.vehicle).where(
            RouteLeg.ticket_id.in_(list(ticket_ids)), RouteLeg.active.is_(True)
        )
    )
    return set(rows)


def _basis(
    session: Session, ticket_ids: Sequence[int], vehicles: set[str], now: datetime
) -> dict[str, Any]:
    """What a proposal rests on: each ticket's state and confirmed plan, each vehicle's legs."""
    ids = list(ticket_ids)
    query = select(Ticket.id, Ticket.status).where(Ticket.id.in_(ids))
    status: dict[int, str] = dict(session.execute(query).all())
    latest = (
        select(Plan.ticket_id, func.max(Plan.id))
        .where(Plan.ticket_id.in_(ids), Plan.status == "confirmed")
        .group_by(Plan.ticket_id)
    )
    confirmed: dict[int, int] = dict(session.execute(latest).all())
    states = {str(t): f"{status[t]}|{confirmed.get(t, '-')}" for t in ids}
    texts: dict[str, list[str]] = {v: [] for v in vehicles}
    for leg in session.scalars(
        select(RouteLeg)
        .where(
            RouteLeg.vehicle.in_(sorted(vehicles)), RouteLeg.active.is_(True),
            RouteLeg.depart_at < now + 4 * SPAN, RouteLeg.finish_at > now - SPAN,
        )
        .order_by(RouteLeg.vehicle, RouteLeg.depart_at, RouteLeg.id)
    ):  # fmt: skip
        texts[leg.vehicle].append(
            f"{leg.id}:{format_instant(leg.start_at)}:{format_instant(leg.finish_at)}"
        )
    digests = {v: hashlib.sha256("|".join(texts[v]).encode()).hexdigest()[:32]
               for v in sorted(vehicles)}  # fmt: skip
    return {"tickets": states, "vehicles": digests}


def apply(
    db: sessionmaker[Session], *, proposal_id: int, actor: str, now: datetime
) -> ProposalPublic:
    """Book the proposal whole, or refuse with 409 (and mark it stale) when anything it rests
    on changed since, or a unit it needs is gone.

    Raises
    ------
    Conflict
        When the proposal is not open, proposes nothing, or the world moved.
    """
    try:
        with transaction(db) as session:
            row = _proposal(session, proposal_id, for_update=True)
            if row.status != "proposed":
                raise Conflict(f"proposal {proposal_id} is {row.status}")
            if row.body.get("note"):
                raise Conflict(f"proposal {proposal_id} proposes nothing: {row.body['note']}")
            ids = [int(t) for t in row.basis["tickets"]]
            vehicles = set(row.basis["vehicles"])
            _lock(session, ids, vehicles)
            if _basis(session, ids, vehicles, now) != row.basis:
                raise _Stale("tickets or engineers' days it re-plans changed since")
            reason = f"re-plan proposal {row.id}: {row.trigger}"
            for ticket_id, raw in row.body["book"]:
                ticket = tickets.get(session, ticket_id, for_update=True)
                SqlLedger(session).release(ticket_id=ticket.id, now=now)
                plan = plans.store(session=session, ticket=ticket, options=[_option_of(raw)],
                                   actor=actor, now=now)  # fmt: skip
                reserve_and_confirm(session=session, ticket=ticket, plan=plan,
                                    chosen=plans.option(session, plan, 0), actor=actor,
                                    reason=reason, now=now)  # fmt: skip
            row.status, row.applied_at = "applied", now
            return proposal_public(row)
    except (_Stale, OutOfStock, VanEmpty, RouteChanged) as moved:
        with transaction(db) as session:
            stale = _proposal(session, proposal_id, for_update=True)
            if stale.status == "proposed":
                stale.status = "stale"
        raise Conflict(f"proposal {proposal_id} is stale: {moved}; propose again") from None


def _lock(session: Session, ticket_ids: Sequence[int], vehicles: set[str]) -> None:
    """Hold what a proposal rests on until it is booked: its tickets (rows), then its
    vehicles' days (:func:`routes.lock_vehicles`), the order a confirm takes them in. On
    PostgreSQL a confirm into one of those days now waits for the apply, or the apply for it
    and then finds the basis changed (409); SQLite's single writer does this already."""
    session.scalars(
        select(Ticket.id).where(Ticket.id.in_(sorted(ticket_ids))).order_by(Ticket.id)
        .with_for_update()
    ).all()  # fmt: skip
    routes.lock_vehicles(session, vehicles)


class _Stale(Conflict):
    """What a proposal rests on changed."""


def get(session: Session, proposal_id: int) -> ProposalPublic:
    """A stored proposal."""
    return proposal_public(_proposal(session, proposal_id))


def _proposal(session: Session, proposal_id: int, *, for_update: bool = False) -> Proposal:
    query = select(Proposal).where(Proposal.id == proposal_id)
    row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise NotFound("proposal", str(proposal_id))
    return row


def proposal_public(row: Proposal) -> ProposalPublic:
    """A proposal as the API shows it (the legs to book stay inside)."""
    body = row.body
    return ProposalPublic(
        id=row.id, kind=row.kind, trigger=row.trigger,  # type: ignore[arg-type]
        day=None if body.get("day") is None else date.fromisoformat(body["day"]),
        status=row.status, created_at=row.created_at, applied_at=row.applied_at,  # type: ignore[arg-type]
        improves=body["improves"], note=body["note"], runtime_ms=body["runtime_ms"],
        tried=body["tried"],
        before=Totals.model_validate(body["before"]), after=Totals.model_validate(body["after"]),
        changes=[TicketChange.model_validate(c) for c in body["changes"]],
        unchanged=body["unchanged"],
        overtime=[EngineerOvertime.model_validate(o) for o in body.get("overtime", [])],
    )  # fmt: skip


def _option_json(o: ProposedOption) -> dict[str, Any]:
    return {
        "mode": o.mode, "depot_id": o.depot_id, "sku": o.sku, "engineer_id": o.engineer_id,
        "depart_at": format_instant(o.depart_at), "arrival_at": format_instant(o.arrival_at),
        "finish_at": format_instant(o.finish_at), "cost_gr": o.cost_gr, "reason": o.reason,
        "source": o.source, "legs": [routes.leg_json(g) for g in o.legs],
        "moves": [routes.move_json(m) for m in o.moves], "route_key": o.route_key,
    }  # fmt: skip


def _option_of(raw: dict[str, Any]) -> ProposedOption:
    def at(name: str) -> datetime:
        return parse_instant(raw[name], field=name)

    return ProposedOption(
        mode=raw["mode"], depot_id=raw["depot_id"], sku=raw["sku"],
        engineer_id=raw["engineer_id"], depart_at=at("depart_at"), arrival_at=at("arrival_at"),
        finish_at=at("finish_at"), cost_gr=raw["cost_gr"], reason=raw["reason"],
        source=raw["source"], legs=tuple(routes.leg_of(g) for g in raw["legs"]),
        moves=tuple(Move(m["ticket"], parse_instant(m["before"], field="move.before"),
                         parse_instant(m["after"], field="move.after")) for m in raw["moves"]),
        route_key=raw["route_key"],
    )  # fmt: skip
