"""Field reports from engineers' and drivers' devices, and the live state of every vehicle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request

from api import field as field_flow
from api.deps import ClockDep, DbDep, Field, ReadDbDep, Staff
from api.jsonbody import StrictJSONRoute
from api.live import vehicles_live
from api.repairs import propose_repair
from api.schemas.field import FieldReportIn, FieldReportOut, VehicleLive
from dispatch.store import field
from dispatch.store.db import transaction
from dispatch.store.keys import Role

router = APIRouter(route_class=StrictJSONRoute, prefix="/field", tags=["field"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "A field key reporting for another vehicle"},
    409: {"description": "event_id used before for another report"},
    422: {"description": "Impossible report: unknown visit, out of sequence, in the future"},
}


@router.post("/events", responses=ERRORS)
def report_event(
    body: FieldReportIn,
    caller: Field,
    db: DbDep,
    reads: ReadDbDep,
    now: ClockDep,
    request: Request,
    later: BackgroundTasks,
) -> FieldReportOut:
    """A visit's progress (departed, arrived, finished, failed) or a position; idempotent on
    ``event_id``, accepted late and out of order when it fits what is known. A failed visit,
    or tickets the report makes late, are re-planned into a repair proposal once the answer
    is sent (the engine's search stays off the report's latency)."""
    if caller.role is Role.FIELD and body.vehicle != caller.client:
        raise HTTPException(403, f"this key reports for {caller.client}, not {body.vehicle}")
    stop = None if body.ticket_id is None else body.stop or field.default_stop(body.vehicle)
    new = field.Report(
        event_id=body.event_id, vehicle=body.vehicle, kind=body.kind, at=body.at,
        ticket_id=body.ticket_id, stop=stop, lat=body.lat, lon=body.lon, reason=body.reason,
    )  # fmt: skip
    threshold = timedelta(seconds=request.app.state.settings.eta_threshold_s)
    out = field_flow.report(db, reporter=caller.client, new=new, threshold=threshold, now=now)
    if out.replayed:
        return out
    hit = [c.ticket_id for c in out.eta_changes if c.newly_late]
    if body.kind == "failed" and body.ticket_id is not None:
        hit.append(body.ticket_id)
    planner = request.app.state.planner
    if not hit or planner is None:
        return out
    why = f"{body.vehicle} reported {body.kind}" + (f" ({body.reason})" if body.reason else "")
    later.add_task(propose_repair, db, reads, planner, ticket_ids=hit, trigger=why,
                   actor=caller.client, now=now)  # fmt: skip
    return out.model_copy(update={"repair_for": sorted(set(hit))})


@router.get("/vehicles")
def live_vehicles(_caller: Staff, db: ReadDbDep, now: ClockDep) -> list[VehicleLive]:
    """Every engineer now: reported or booked position, the visit under way, the next ETA."""
    with transaction(db) as session:
        return vehicles_live(session, now)
