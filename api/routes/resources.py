"""Reads for the console and the ticketing system: depots' stock, engineers' day plans."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import AnyRole, ClockDep, ReadDbDep, Staff
from api.jsonbody import StrictJSONRoute
from api.schemas.common import ID_PATTERN
from api.schemas.resources import (
    DayPlanPublic,
    LegPublic,
    ShiftPublic,
    StockLevelPublic,
    VisitPublic,
)
from api.views import leg_public
from depots.ledger.sql import SqlLedger
from dispatch.errors import NotFound
from dispatch.store import masterdata, routes
from dispatch.store.db import transaction
from dispatch.store.tables import Engineer
from dispatch.timeparse import WARSAW

router = APIRouter(route_class=StrictJSONRoute, tags=["resources"])
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
Ident = Annotated[str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)]
Vehicle = Annotated[str | None, Query(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9:_.#-]+$")]
Day = Annotated[date, Query(ge=FIRST_DAY, le=LAST_DAY, description="Local (Warsaw) calendar day")]


@router.get("/depots/stock")
def depot_stock(_caller: AnyRole, db: ReadDbDep, depot_id: Ident = None) -> list[StockLevelPublic]:
    """Units per depot and SKU: on hand, reserved by confirmed plans, available."""
    with transaction(db) as session:
        levels = SqlLedger(session).levels(depot_id)
        return [StockLevelPublic.model_validate(level, from_attributes=True) for level in levels]


@router.get("/engineers/day-plans", responses={404: {"description": "No such engineer"}})
def day_plans(
    _caller: AnyRole,
    db: ReadDbDep,
    now: ClockDep,
    day: Day,
    engineer_id: Ident = None,
) -> list[DayPlanPublic]:
    """Each engineer's shifts, visits and legs on ``day`` (Warsaw), in order, as booked."""
    start, end = _day_bounds(day)
    with transaction(db) as session:
        query = select(Engineer).order_by(Engineer.id)
        if engineer_id is not None:
            query = query.where(Engineer.id == engineer_id)
        engineers = session.scalars(query).all()
        if engineer_id is not None and not engineers:
            raise NotFound("engineer", engineer_id)
        out = []
        for e in engineers:
            legs = routes.of_vehicle(session, e.id, start, end)
            out.append(
                DayPlanPublic(
                    engineer_id=e.id,
                    name=e.name,
                    day=day,
                    skills=masterdata.skills_of(session, e.id),
                    shifts=[
                        ShiftPublic(start_at=s.start_at, end_at=s.end_at, on_call=s.on_call)
                        for s in masterdata.shifts_between(session, e.id, start, end)
                    ],
                    visits=[
                        VisitPublic(
                            ticket_id=leg.ticket_id,
                            plan_id=leg.plan_id,
                            depart_at=leg.depart_at,
                            arrival_at=leg.start_at,
                            finish_at=leg.finish_at,
                        )
                        for leg in legs
                        if leg.kind == "visit" and leg.ticket_id is not None
                    ],
                    legs=[leg_public(leg, now) for leg in legs],
                )
            )
        return out


@router.get("/legs")
def day_legs(
    _caller: Staff, db: ReadDbDep, now: ClockDep, day: Day, vehicle: Vehicle = None
) -> list[LegPublic]:
    """Every booked leg touching ``day`` (Warsaw): engineers', dedicated cars' and parcels',
    by vehicle and departure."""
    start, end = _day_bounds(day)
    with transaction(db) as session:
        found = (
            routes.of_vehicle(session, vehicle, start, end)
            if vehicle is not None
            else routes.active_between(session, start, end)
        )
        return [leg_public(leg, now) for leg in found]


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, time(0), WARSAW),
        datetime.combine(day + timedelta(days=1), time(0), WARSAW),
    )
