"""The console's queue at shift scale: open tickets in a handful of bulk reads, filtered on the
server, with counts per tier, voivodeship and state for the filter menus.

A poll of 250 tickets is five queries of plain columns (tickets with their devices, live
plans, the chosen options, the booked arrivals, engineers' names) whatever the queue's length;
the voivodeship of a site is looked up once per process.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.console.schemas import Facets, PlanBrief, QueueRow, QueueState
from dispatch.places import Gazetteer
from dispatch.sla import at_risk, time_left
from dispatch.store import plans, routes
from dispatch.store.lifecycle import TicketStatus
from dispatch.store.tables import Device, Engineer, Plan, PlanOption, Ticket

OPEN = (
    TicketStatus.SUBMITTED,
    TicketStatus.ACCEPTED,
    TicketStatus.PLANNED,
    TicketStatus.DISPATCHED,
    TicketStatus.ESCALATED,
    TicketStatus.UNSERVABLE,
)
QUEUE_LIMIT = 1000


@lru_cache(maxsize=20_000)
def voivodeship(lat: float, lon: float) -> str:
    """The voivodeship of the nearest known locality (a site's answer is kept)."""
    place, _ = Gazetteer.default().nearest(lat, lon)
    return place.voivodeship


def state_of(left_s: int | None, slack_s: int | None, risky: bool | None) -> QueueState:
    """new without a deadline; late when it passed or the plan arrives after it; at risk
    with under an hour left (rule 9: escalate); on track otherwise."""
    if left_s is None:
        return "new"
    if left_s < 0 or (slack_s is not None and slack_s < 0):
        return "late"
    return "at_risk" if risky else "on_track"


class Chosen(NamedTuple):
    """What the queue shows of a plan's chosen option."""

    mode: str
    depot_id: str
    sku: str
    engineer_id: str | None
    arrival_at: datetime


@dataclass(frozen=True)
class Filters:
    """What the dispatcher narrowed the queue to; empty fields do not filter."""

    q: str = ""
    tier: str = ""
    voivodeship: str = ""
    state: str = ""

    def keeps(self, row: QueueRow) -> bool:
        """Whether ``row`` passes every filter; ``q`` matches serial, site, contract or SKU
        (ignoring case) or the ticket number; ``#123`` is ticket 123 only."""
        if self.tier and row.tier != self.tier:
            return False
        if self.voivodeship and row.voivodeship != self.voivodeship:
            return False
        if self.state and row.state != self.state:
            return False
        needle = self.q.strip().casefold()
        if not needle:
            return True
        if needle.startswith("#"):
            return needle[1:] == str(row.id)
        haystack = (str(row.id), row.serial, row.site, row.contract, row.sku)
        return any(needle in text.casefold() for text in haystack)


class Held(NamedTuple):
    """A ticket's plan in force: its id, whether confirmed, and the rank chosen."""

    id: int
    confirmed: bool
    rank: int


def _chosen_options(session: Session, ticket_ids: list[int]) -> dict[int, tuple[Held, Chosen]]:
    """Each ticket's plan in force (confirmed, else its newest proposal) with the chosen option;
    plain columns, not the plans' legs (a poll draws no route)."""
    latest: dict[int, Held] = {}
    for plan_id, ticket_id, status, rank in session.execute(
        select(Plan.id, Plan.ticket_id, Plan.status, Plan.confirmed_rank)
        .where(Plan.ticket_id.in_(ticket_ids), Plan.status != plans.SUPERSEDED)
        .order_by(Plan.id)
    ):
        held = latest.get(ticket_id)
        confirmed = status == plans.CONFIRMED
        if held is None or not held.confirmed or confirmed:
            latest[ticket_id] = Held(plan_id, confirmed, rank if confirmed and rank else 0)
    by_plan = {held.id: (ticket_id, held) for ticket_id, held in latest.items()}
    out: dict[int, tuple[Held, Chosen]] = {}
    if not by_plan:
        return out
    fields = [getattr(PlanOption, name) for name in Chosen._fields]
    for plan_id, rank, *values in session.execute(
        select(PlanOption.plan_id, PlanOption.rank, *fields).where(
            PlanOption.plan_id.in_(list(by_plan))
        )
    ):
        ticket_id, held = by_plan[plan_id]
        if rank == held.rank:
            out[ticket_id] = (held, Chosen(*values))
    return out


def _brief(
    plan: Held,
    option: Chosen,
    deadline: datetime,
    booked: datetime | None,
    names: dict[str, str],
) -> PlanBrief:
    arrival = booked if plan.confirmed and booked is not None else option.arrival_at
    return PlanBrief(
        plan_id=plan.id,
        confirmed=plan.confirmed,
        mode=option.mode,
        depot_id=option.depot_id,
        sku=option.sku,
        engineer_id=option.engineer_id,
        engineer_name=names.get(option.engineer_id or ""),
        arrival_at=arrival,
        slack_s=int(time_left(deadline, arrival).total_seconds()),
    )


def queue_rows(session: Session, now: datetime) -> list[QueueRow]:
    """Every open ticket, the most urgent first: by deadline, or by reaction due for tickets
    not yet accepted (their SLA clock has not started, the reaction clock has)."""
    found = session.execute(
        select(
            Ticket.id,
            Ticket.status,
            Ticket.tier,
            Ticket.product,
            Ticket.sku,
            Ticket.serial,
            Ticket.contract_number,
            Ticket.submitted_at,
            Ticket.reaction_due,
            Ticket.contacted_at,
            Ticket.deadline,
            Device.address,
            Device.lat,
            Device.lon,
        )
        .join(Device, Device.serial == Ticket.serial)
        .where(Ticket.status.in_([s.value for s in OPEN]))
        .order_by(Ticket.deadline.is_(None), Ticket.deadline, Ticket.id)
        .limit(QUEUE_LIMIT)
    ).all()
    ids = [t.id for t in found]
    chosen = _chosen_options(session, ids) if ids else {}
    booked = routes.etas(session, ids)
    names = {e_id: name for e_id, name in session.execute(select(Engineer.id, Engineer.name))}
    rows = []
    for t in found:
        left = risky = None
        if t.deadline is not None and t.status != TicketStatus.SUBMITTED:
            left = int(time_left(t.deadline, now).total_seconds())
            risky = at_risk(t.deadline, now)
        brief = None
        if t.id in chosen and t.deadline is not None:
            plan, option = chosen[t.id]
            brief = _brief(plan, option, t.deadline, booked.get(t.id), names)
        rows.append(
            QueueRow(
                id=t.id,
                status=t.status,
                state=state_of(left, None if brief is None else brief.slack_s, risky),
                tier=t.tier,
                product=t.product,
                sku=t.sku,
                serial=t.serial,
                contract=t.contract_number,
                site=t.address,
                lat=t.lat,
                lon=t.lon,
                voivodeship=voivodeship(t.lat, t.lon),
                submitted_at=t.submitted_at,
                reaction_due=t.reaction_due,
                contacted_at=t.contacted_at,
                deadline=t.deadline,
                time_left_s=left,
                plan=brief,
            )
        )
    rows.sort(key=_urgency)
    return rows


def _urgency(row: QueueRow) -> tuple[bool, float, int]:
    """The nearer clock first: the SLA deadline, or the reaction due before acceptance."""
    due = row.deadline if row.deadline is not None else row.reaction_due
    return due is None, 0.0 if due is None else due.timestamp(), row.id


def facets(rows: list[QueueRow]) -> Facets:
    """How many open tickets each tier, voivodeship and state has (unfiltered)."""
    return Facets(
        tier=dict(sorted(Counter(r.tier for r in rows).items())),
        voivodeship=dict(sorted(Counter(r.voivodeship for r in rows).items())),
        state=dict(sorted(Counter(r.state for r in rows).items())),
    )
