"""A world snapshot with one more option booked into it, in memory: what the database would
hold after confirming the option, so the next ticket of a batch is planned around it.

The same reading as ``api.planning`` gives booked legs (a stop per pickup or visit, at its
booked times, never later than its promise), applied to the option's legs instead of rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from dispatch.plans import Leg
from dispatch.store.plans import ProposedOption
from dispatch.store.routes import WORK_KINDS
from dispatch.world import EngineerState, Stop, TicketState, WorldSnapshot


def with_booked(world: WorldSnapshot, option: ProposedOption, ticket: TicketState) -> WorldSnapshot:
    """``world`` once ``option`` for ``ticket`` is confirmed: the engineer's window replaced
    by the option's (other visits at their new times), its unit taken, a car out."""
    engineers = tuple(_engineer(e, option, ticket) for e in world.engineers)
    depots = []
    for depot in world.depots:
        if depot.id == option.depot_id and option.source != "van":
            stock = dict(depot.stock)
            stock[option.sku] = stock.get(option.sku, 0) - 1
            back = [g.arrive for g in option.legs if g.vehicle == f"car:{depot.id}"
                    and g.kind == "return"]  # fmt: skip
            depot = dataclasses.replace(
                depot, stock=stock, cars_back=tuple(sorted((*depot.cars_back, *back)))
            )
        depots.append(depot)
    return dataclasses.replace(world, engineers=engineers, depots=tuple(depots))


def _engineer(e: EngineerState, option: ProposedOption, ticket: TicketState) -> EngineerState:
    own = [leg for leg in option.legs if leg.vehicle == e.id and leg.kind in WORK_KINDS]
    if not own:
        return e
    before = {(s.ticket, s.kind): s for s in e.route}
    kept = [s for key, s in before.items() if key not in {(g.ticket, g.kind) for g in own}]
    stops = kept + [_stop(leg, before.get((leg.ticket, leg.kind)), ticket) for leg in own]
    van = dict(e.van_stock)
    if option.source == "van" and option.engineer_id == e.id:
        van[option.sku] = van.get(option.sku, 0) - 1
    return dataclasses.replace(
        e, route=tuple(sorted(stops, key=lambda s: _at(s.start))), van_stock=van
    )


def _stop(leg: Leg, booked: Stop | None, ticket: TicketState) -> Stop:
    """A leg as a route stop: a stop already booked keeps its promise, the new visit's is its
    deadline (or its start, when that is already late)."""
    latest = booked.latest if booked is not None else None
    if booked is None and leg.kind == "visit":
        latest = max(ticket.deadline, leg.start)
    return Stop(
        kind=leg.kind,
        ref=leg.ref,
        ticket=leg.ticket,
        at=leg.destination,
        service_s=int((leg.finish - leg.start).total_seconds()),
        arrive=leg.arrive,
        start=leg.start,
        depart=leg.finish,
        ready=leg.start if booked is None else booked.ready,
        latest=latest,
        under_way=booked.under_way if booked is not None else False,
    )


def _at(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment


def without(
    world: WorldSnapshot,
    ticket_id: str,
    units: Sequence[tuple[str, str]],
    van: tuple[str, str] | None,
) -> WorldSnapshot:
    """``world`` with a ticket's booking given up: its stops gone, its depot ``units`` (depot,
    SKU) and its ``van`` unit (engineer, SKU) free again."""
    engineers = []
    for e in world.engineers:
        route = tuple(s for s in e.route if s.ticket != ticket_id)
        stock = dict(e.van_stock)
        if van is not None and van[0] == e.id:
            stock[van[1]] = stock.get(van[1], 0) + 1
        engineers.append(dataclasses.replace(e, route=route, van_stock=stock))
    depots = []
    for depot in world.depots:
        free = dict(depot.stock)
        for depot_id, sku in units:
            if depot_id == depot.id:
                free[sku] = free.get(sku, 0) + 1
        depots.append(dataclasses.replace(depot, stock=free))
    return dataclasses.replace(world, engineers=tuple(engineers), depots=tuple(depots))
