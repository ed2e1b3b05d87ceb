"""The live state of the engineers: where each is, the visit under way and the next ETA, read
from the booked legs as the field's reports re-time them (what the planner sees too)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.field import progress
from api.planning import HORIZON, POSITION_FRESH
from api.schemas.field import VehicleLive
from api.schemas.resources import PointPublic
from dispatch.progress import Actual
from dispatch.store import field, routes
from dispatch.store.tables import Engineer, RouteLeg
from dispatch.world import Point


def vehicles_live(session: Session, now: datetime) -> list[VehicleLive]:
    """One row per engineer, in id order."""
    booked = routes.active_between(session, now - timedelta(days=1), now + HORIZON)
    found = field.actuals(session, booked)
    legs = field.live_copies(session, booked, now)
    reported = field.positions(session, now - POSITION_FRESH)
    out = []
    for engineer in session.scalars(select(Engineer.id).order_by(Engineer.id)):
        mine = [leg for leg in legs if leg.vehicle == engineer]
        doing = next((g for g in mine if g.depart_at <= now < g.finish_at), None)
        done = [g for g in mine if g.finish_at <= now and g.kind != "return"]
        last = max(done, key=lambda g: g.finish_at) if done else None
        position, position_at = _where(last, reported.get(engineer))
        upcoming = [g for g in mine if g.kind == "visit" and g.start_at > now]
        following = min(upcoming, key=lambda g: g.start_at) if upcoming else None
        out.append(
            VehicleLive(
                vehicle=engineer, position=position, position_at=position_at,
                doing=None if doing is None or doing.ticket_id is None else progress(
                    engineer, doing.ticket_id, doing.kind, found.get(doing.id, Actual())
                ),
                free_from=None if doing is None else doing.finish_at,
                next_ticket_id=None if following is None else following.ticket_id,
                next_eta=None if following is None else following.start_at,
            )
        )  # fmt: skip
    return out


def _where(
    last: RouteLeg | None, reported: tuple[Point, datetime] | None
) -> tuple[PointPublic | None, datetime | None]:
    """The newer of the reported position and the end of the last finished leg."""
    if reported is not None and (last is None or reported[1] >= last.finish_at):
        point, at = reported
        return PointPublic(lat=point.lat, lon=point.lon, name=point.name), at
    if last is None:
        return None, None
    return PointPublic(lat=last.dest_lat, lon=last.dest_lon, name=last.dest_name), last.finish_at
