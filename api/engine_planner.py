"""The dispatch engine behind the API's ``Planner`` protocol.

The API's world view (depots with free units, engineers with shifts and busy intervals) becomes
a one-ticket scenario for :func:`dispatch.engine.plan`; the engine's recommendation and its
alternatives come back as ranked options. Device models come from the SKU catalogue
(``data/demo/skus.csv`` by default, or ``DISPATCH_SKU_CATALOGUE``).

Approximations, stated: each engineer works the daily hours of their next shift and is free
no earlier than its start, except that an engineer on call (a shift up to the horizon flagged
``on_call``) is free now for round-the-clock tickets when that shift is their next working day's
(so the night or weekend before it is on-call time, as the engine treats on-call engineers);
confirmed visits make an engineer busy until the last one ends; parcels use one courier
(collection cutoff 16:00, delivery by 17:00, 60 zł). Without any engineer on shift or on call
ahead, an on-site ticket is refused as infeasible with that reason.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from pathlib import Path

from api.planning import EngineerView, PlanningTicket, WorldView
from dispatch.calendar import is_business_day
from dispatch.engine import default_travel, plan
from dispatch.errors import Infeasible
from dispatch.places import resolve
from dispatch.plans import Alternative, Assignment
from dispatch.scenario import Courier, Depot, Engineer, Scenario, TicketSpec
from dispatch.scenario_snapshot import snapshot
from dispatch.store.plans import ProposedOption
from dispatch.tiers import Tier
from dispatch.timeparse import WARSAW
from dispatch.world import Service, Sku

CATALOGUE = Path(__file__).resolve().parents[1] / "data" / "demo" / "skus.csv"
DEFAULT_ONSITE_MINUTES = 60
TIME_LIMIT_S = 0.2  # one ticket: phase 1 is already a full answer; routing polishes


def catalogue_path() -> Path:
    """The SKU catalogue the server plans with: ``DISPATCH_SKU_CATALOGUE`` or the embedded one."""
    return Path(os.environ.get("DISPATCH_SKU_CATALOGUE", CATALOGUE))


def load_catalogue(path: Path) -> dict[str, Sku]:
    """SKU -> family, on-site minutes and substitutes from a CSV catalogue."""
    with path.open(encoding="utf-8") as fh:
        return {
            row["sku"]: Sku(
                sku=row["sku"],
                family=row["family"],
                onsite_minutes=int(row["onsite_minutes"]),
                substitutes=tuple(s for s in row.get("substitutes", "").split(";") if s),
            )
            for row in csv.DictReader(fh)
        }


class EnginePlanner:
    """Plans one ticket with the real engine against the API's world view."""

    def __init__(self, catalogue: Mapping[str, Sku], time_limit_s: float = TIME_LIMIT_S) -> None:
        self.catalogue = dict(catalogue)
        self.time_limit_s = time_limit_s

    def plan(
        self, ticket: PlanningTicket, world: WorldView, now: datetime
    ) -> Sequence[ProposedOption]:
        """Ranked options: the engine's recommendation first, then its alternatives.

        Raises
        ------
        Infeasible
            With the engine's reason when the ticket cannot be served at all.
        """
        skus = self._skus_for(ticket.sku)
        engineers = tuple(e for e in (_engineer(view, now) for view in world.engineers) if e)
        if ticket.product == Service.SOS.value and not engineers:
            raise Infeasible(["no engineer has a shift or on-call duty ahead"])
        scenario = Scenario(
            now=now,
            skus=skus,
            depots=tuple(
                Depot(d.depot_id, f"{d.lat},{d.lon}", dict(d.free_units)) for d in world.depots
            ),
            couriers=(Courier("NBD"),),
            engineers=engineers,
            tickets=(
                TicketSpec(
                    id=str(ticket.ticket_id),
                    service=Service(ticket.product),
                    tier=Tier.parse(ticket.tier),
                    accepted_at=ticket.clock_start,
                    site=f"{ticket.site_lat},{ticket.site_lon}",
                    sku=ticket.sku,
                ),
            ),
        )
        result = plan(snapshot(scenario), time_limit_s=self.time_limit_s)
        if result.unassigned:
            raise Infeasible([u.reason for u in result.unassigned])
        (chosen,) = result.assignments
        onsite = timedelta(minutes=skus[ticket.sku].onsite_minutes)
        options = [_recommended(chosen, now, onsite)]
        options += [
            _alternative(alt, chosen, now, onsite)
            for alt in chosen.alternatives
            if alt.eta is not None and alt.depot is not None
        ]
        return options

    def _skus_for(self, sku: str) -> dict[str, Sku]:
        """The ticket's SKU and its substitutes (an uncatalogued SKU gets its own family)."""
        known = self.catalogue.get(sku, Sku(sku, sku, DEFAULT_ONSITE_MINUTES))
        out = {sku: known}
        for sub in known.substitutes:
            out[sub] = self.catalogue.get(sub, Sku(sub, known.family, known.onsite_minutes))
        return {
            k: Sku(v.sku, v.family, v.onsite_minutes, tuple(s for s in v.substitutes if s in out))
            for k, v in out.items()
        }


def _engineer(view: EngineerView, now: datetime) -> Engineer | None:
    """The engineer with the daily hours of the next shift that has not ended.

    The engineer is free no earlier than that shift's start (so a shift tomorrow is not
    mistaken for today's hours) and than the end of their confirmed work.
    """
    upcoming = sorted(s for s in view.shifts if s[1] > now)
    if not upcoming:
        return None
    start, end = upcoming[0]
    if end.date() != start.date():
        end = start.replace(hour=23, minute=59)
    hours = (start.timetz().replace(tzinfo=None), end.timetz().replace(tzinfo=None))
    on_call_now = view.on_call and not _works_before(now, start, hours[1])
    busy_until = max((b_end for b_start, b_end in view.busy if b_start <= end), default=now)
    free_from = busy_until if on_call_now else max(start, busy_until)
    return Engineer(
        id=view.engineer_id,
        home=f"{view.home_lat},{view.home_lon}",
        skills=view.skills,
        shift=hours,
        on_call=view.on_call,
        cost_per_hour=view.hourly_cost_gr / 100,
        available_from=free_from if free_from > now else None,
    )


def _works_before(now: datetime, start: datetime, shift_end: time) -> bool:
    """Whether daily hours ending at ``shift_end`` would put the engineer on a business-day
    shift between ``now`` and ``start`` (a day off the engine cannot otherwise know about)."""
    day = now.astimezone(WARSAW).date()
    while day < start.astimezone(WARSAW).date():
        if is_business_day(day) and datetime.combine(day, shift_end, WARSAW) > now:
            return True
        day += timedelta(days=1)
    return False


def _recommended(a: Assignment, now: datetime, onsite: timedelta) -> ProposedOption:
    slack = a.deadline - a.eta
    return ProposedOption(
        mode=a.mode,
        depot_id=a.depot or "",
        sku=a.sku,
        engineer_id=a.engineer,
        depart_at=min(now, a.eta),
        arrival_at=a.eta,
        finish_at=a.eta + (onsite if a.mode == "engineer" else timedelta(0)),
        cost_gr=round(a.cost * 100),
        reason=(
            f"recommended: on time, {_hours(slack)} before the deadline"
            if a.on_time
            else f"recommended: fastest possible, {_hours(-slack)} late"
        ),
    )


def _alternative(
    alt: Alternative, chosen: Assignment, now: datetime, onsite: timedelta
) -> ProposedOption:
    assert alt.eta is not None and alt.depot is not None
    return ProposedOption(
        mode=alt.mode,
        depot_id=alt.depot,
        sku=chosen.sku,
        engineer_id=alt.engineer if alt.mode == "engineer" else None,
        depart_at=min(now, alt.eta),
        arrival_at=alt.eta,
        finish_at=alt.eta + (onsite if alt.mode == "engineer" else timedelta(0)),
        cost_gr=round(alt.cost * 100),
        reason=alt.why_not,
    )


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def engine_planner() -> EnginePlanner:
    """The factory ``Settings.planner`` names: the engine with the embedded SKU catalogue.

    The road network and the gazetteer load here, at start-up, not in the first request.
    """
    default_travel()
    resolve("Kraków", field="warm-up")
    return EnginePlanner(load_catalogue(catalogue_path()))
