"""Booked legs in the database: what a confirm stores, what the world and the day plans read.

An engineer option carries the whole working window's route after its insertion; confirming
it replaces that window's booked legs with the option's (the other tickets' visits at their
new times) and checks first that nobody changed the window since it was planned (its digest).
A dedicated car's trip and a parcel are legs of their ticket.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from dispatch.errors import Conflict
from dispatch.plans import Leg, Move
from dispatch.store.tables import RouteLeg
from dispatch.timeparse import format_instant, parse_instant
from dispatch.world import Point

WORK_KINDS = ("pickup", "visit")


class RouteChanged(Conflict):
    """Another confirm changed the engineer's window since the option was planned."""


def leg_json(leg: Leg) -> dict[str, Any]:
    """A leg as stored with a plan option (and shown by the API)."""
    return {
        "vehicle": leg.vehicle,
        "kind": leg.kind,
        "ticket": leg.ticket,
        "ref": leg.ref,
        "origin": {"lat": leg.origin.lat, "lon": leg.origin.lon, "name": leg.origin.name},
        "destination": {
            "lat": leg.destination.lat,
            "lon": leg.destination.lon,
            "name": leg.destination.name,
        },
        "depart": format_instant(leg.depart),
        "arrive": format_instant(leg.arrive),
        "start": format_instant(leg.start),
        "finish": format_instant(leg.finish),
        "drive_s": leg.drive_s,
        "distance_m": leg.distance_m,
        "shape": leg.shape,
    }


def leg_of(raw: dict[str, Any]) -> Leg:
    """The leg ``leg_json`` stored."""
    return Leg(
        vehicle=raw["vehicle"],
        kind=raw["kind"],
        ticket=raw["ticket"],
        ref=raw["ref"],
        origin=Point(raw["origin"]["lat"], raw["origin"]["lon"], raw["origin"]["name"]),
        destination=Point(
            raw["destination"]["lat"], raw["destination"]["lon"], raw["destination"]["name"]
        ),
        depart=parse_instant(raw["depart"], field="leg.depart"),
        arrive=parse_instant(raw["arrive"], field="leg.arrive"),
        start=parse_instant(raw["start"], field="leg.start"),
        finish=parse_instant(raw["finish"], field="leg.finish"),
        drive_s=int(raw["drive_s"]),
        distance_m=int(raw["distance_m"]),
        shape=raw.get("shape"),
    )


def move_json(move: Move) -> dict[str, Any]:
    """A move as stored with a plan option."""
    return {
        "ticket": move.ticket,
        "before": format_instant(move.before),
        "after": format_instant(move.after),
    }


def window_of_key(route_key: str) -> tuple[str, datetime, datetime]:
    """(engineer, window start, window end) of a route key ``E-12@start/end``."""
    engineer, _, span = route_key.rpartition("@")
    start, _, end = span.partition("/")
    return (
        engineer,
        parse_instant(start, field="route_key"),
        parse_instant(end, field="route_key"),
    )


def _in_window(session: Session, route_key: str, excluding: int | None) -> Sequence[RouteLeg]:
    """Active work legs (pickups, visits) of the key's engineer starting inside its window."""
    engineer, start, end = window_of_key(route_key)
    query = select(RouteLeg).where(
        RouteLeg.vehicle == engineer,
        RouteLeg.active.is_(True),
        RouteLeg.kind.in_(WORK_KINDS),
        RouteLeg.start_at >= start,
        RouteLeg.start_at <= end,
    )
    if excluding is not None:
        query = query.where(or_(RouteLeg.ticket_id.is_(None), RouteLeg.ticket_id != excluding))
    return session.scalars(query.order_by(RouteLeg.start_at, RouteLeg.id)).all()


def digest(session: Session, route_key: str, excluding: int | None) -> str:
    """What an engineer's window holds now (tickets, kinds, booked starts), as a short hash."""
    parts = [
        f"{leg.ticket_id}:{leg.kind}:{format_instant(leg.start_at)}"
        for leg in _in_window(session, route_key, excluding)
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


VEHICLE_LOCKS = 19
"""The first key of the PostgreSQL advisory locks on vehicles' days (the second: a hash of the
vehicle), so that they cannot clash with another use of advisory locks."""


def lock_vehicles(session: Session, vehicles: Iterable[str]) -> None:
    """Hold the vehicles' booked days until the transaction ends, taken in one order (so two
    writers cannot deadlock over them).

    A confirm, an applied proposal and a field report each read a day (its digest, the
    proposal's basis, the reports) and then rewrite it: on PostgreSQL a transaction advisory
    lock per vehicle makes them take the day one at a time, so the read is still true when the
    write commits. SQLite's single writer serialises them already.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    for vehicle in sorted(set(vehicles)):
        connection.execute(_LOCK_VEHICLE, {"vehicle": vehicle})


_LOCK_VEHICLE = select(
    func.pg_advisory_xact_lock(VEHICLE_LOCKS, func.hashtext(bindparam("vehicle", type_=String)))
)
"""Built once: every field report takes its vehicle's lock."""


def vehicles_of(legs: Sequence[Leg], route_key: str | None) -> set[str]:
    """The vehicles whose days booking ``legs`` (and the window ``route_key``) rewrites."""
    out = {leg.vehicle for leg in legs}
    return out if route_key is None else out | {window_of_key(route_key)[0]}


def book(
    *,
    session: Session,
    ticket_id: int,
    plan_id: int,
    legs: Sequence[Leg],
    route_key: str | None,
    route_digest: str | None,
) -> None:
    """Store a confirmed option's legs, replacing the ticket's old ones and, for an engineer,
    the window's booked legs the option re-times (legs under way or done stay as they were).

    Raises
    ------
    RouteChanged
        When the engineer's window changed since the option was planned (re-plan first).
    """
    session.execute(
        update(RouteLeg)
        .where(RouteLeg.ticket_id == ticket_id, RouteLeg.active.is_(True))
        .values(active=False)
    )
    lock_vehicles(session, vehicles_of(legs, route_key))
    plans_of: dict[int, int | None] = {}
    if route_key is not None:
        if route_digest is not None and digest(session, route_key, ticket_id) != route_digest:
            engineer = window_of_key(route_key)[0]
            raise RouteChanged(f"engineer {engineer}'s day changed since this plan was made")
        booked = {(leg.ticket, leg.kind) for leg in legs}
        replaced = [
            leg
            for leg in _in_window(session, route_key, ticket_id)
            if (None if leg.ticket_id is None else str(leg.ticket_id), leg.kind) in booked
        ]
        plans_of = {leg.ticket_id: leg.plan_id for leg in replaced if leg.ticket_id is not None}
        engineer = window_of_key(route_key)[0]
        own = [leg for leg in legs if leg.vehicle == engineer]
        first, last = min(g.depart for g in own), max(g.finish for g in own)
        session.execute(
            update(RouteLeg)
            .where(
                RouteLeg.active.is_(True),
                or_(
                    RouteLeg.id.in_([leg.id for leg in replaced]),
                    and_(  # a drive home the new work starts before or during is not made
                        RouteLeg.vehicle == engineer,
                        RouteLeg.kind == "return",
                        RouteLeg.depart_at >= first,
                        RouteLeg.depart_at <= last,
                    ),
                ),
            )
            .values(active=False)
        )
    for leg in legs:
        owner = None if leg.ticket is None else int(leg.ticket)
        session.add(
            RouteLeg(
                vehicle=leg.vehicle,
                route_key=route_key if leg.vehicle == _engineer(route_key) else _own_key(leg),
                kind=leg.kind,
                ticket_id=owner,
                plan_id=plan_id if owner == ticket_id else plans_of.get(owner or -1),
                ref=leg.ref,
                origin_lat=leg.origin.lat,
                origin_lon=leg.origin.lon,
                origin_name=leg.origin.name[:200],
                dest_lat=leg.destination.lat,
                dest_lon=leg.destination.lon,
                dest_name=leg.destination.name[:200],
                depart_at=leg.depart,
                arrive_at=leg.arrive,
                start_at=leg.start,
                finish_at=leg.finish,
                drive_s=leg.drive_s,
                distance_m=leg.distance_m,
                shape=leg.shape,
                active=True,
            )
        )


def _engineer(route_key: str | None) -> str | None:
    return None if route_key is None else window_of_key(route_key)[0]


def _own_key(leg: Leg) -> str:
    """The key of a car trip's or a parcel's legs: the vehicle and the ticket."""
    return f"{leg.vehicle}#{leg.ticket}"


def release(session: Session, ticket_id: int) -> None:
    """The ticket no longer holds its legs (re-planned or closed)."""
    session.execute(
        update(RouteLeg)
        .where(RouteLeg.ticket_id == ticket_id, RouteLeg.active.is_(True))
        .values(active=False)
    )


def active_between(session: Session, start: datetime, end: datetime) -> Sequence[RouteLeg]:
    """Active legs that touch [start, end): departed before its end, finishing after its start."""
    return session.scalars(
        select(RouteLeg)
        .where(RouteLeg.active.is_(True), RouteLeg.depart_at < end, RouteLeg.finish_at > start)
        .order_by(RouteLeg.vehicle, RouteLeg.depart_at, RouteLeg.id)
    ).all()


def of_vehicle(
    session: Session, vehicle: str, start: datetime, end: datetime
) -> Sequence[RouteLeg]:
    """A vehicle's active legs that touch [start, end), in order."""
    return session.scalars(
        select(RouteLeg)
        .where(
            RouteLeg.vehicle == vehicle,
            RouteLeg.active.is_(True),
            RouteLeg.depart_at < end,
            RouteLeg.finish_at > start,
        )
        .order_by(RouteLeg.depart_at, RouteLeg.id)
    ).all()


def etas(session: Session, ticket_ids: Iterable[int]) -> dict[int, datetime]:
    """When each ticket's part (or engineer with it) is booked to be on site: the start of its
    booked visit, or the arrival of its car or parcel (moves by later confirms included)."""
    wanted = list(ticket_ids)
    if not wanted:
        return {}
    session.flush()  # as the session's own queries do: legs it changed are read as changed
    rows = session.connection().execute(_ETAS, {"tickets": wanted})
    out: dict[int, datetime] = {}
    for ticket_id, kind, arrive, start in rows:
        if ticket_id is None:
            continue
        at = start if kind == "visit" else arrive
        if kind == "visit" or ticket_id not in out:  # an engineer's visit outranks its car
            out[ticket_id] = at
    return out


_ETAS = select(RouteLeg.ticket_id, RouteLeg.kind, RouteLeg.arrive_at, RouteLeg.start_at).where(
    RouteLeg.ticket_id.in_(bindparam("tickets", expanding=True)),
    RouteLeg.active.is_(True),
    RouteLeg.kind.in_(("visit", "deliver", "parcel")),
)
"""Built once: a field report that moves a day reads the ETAs it moved."""


def of_ticket(session: Session, ticket_id: int) -> Sequence[RouteLeg]:
    """A ticket's active legs, in order."""
    return session.scalars(
        select(RouteLeg)
        .where(RouteLeg.ticket_id == ticket_id, RouteLeg.active.is_(True))
        .order_by(RouteLeg.depart_at, RouteLeg.id)
    ).all()


def release_after(session: Session, ticket_id: int, at: datetime) -> None:
    """The ticket's legs not started by ``at`` are not driven (its visit failed)."""
    session.execute(
        update(RouteLeg)
        .where(
            RouteLeg.ticket_id == ticket_id,
            RouteLeg.active.is_(True),
            RouteLeg.depart_at > at,
        )
        .values(active=False)
    )
