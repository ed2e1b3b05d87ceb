"""Plans: read, confirm the recommendation, override with an alternative, or release a confirm."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api import workflows
from api.deps import ClockDep, DbDep, Dispatcher, OwnPlanId, PlanId, PlannerDep, ReadDbDep
from api.jsonbody import StrictJSONRoute
from api.release import release_plan
from api.schemas.plans import PlanConflictPublic, PlanOverride, PlanPublic
from api.views import plan_public
from dispatch.store import plans
from dispatch.store.db import transaction

router = APIRouter(route_class=StrictJSONRoute, prefix="/plans", tags=["plans"])
CONFIRM_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such plan"},
    409: {
        "model": PlanConflictPublic,
        "description": "The unit went to another plan (a fresh plan is included), the plan "
        "was superseded, or the ticket's state does not allow dispatch",
    },
    422: {"description": "No such option rank"},
}


@router.get("/{plan_id}", responses={404: {"description": "No such plan"}})
def read_plan(plan_id: OwnPlanId, db: ReadDbDep) -> PlanPublic:
    """A plan with its recommendation and alternatives."""
    with transaction(db) as session:
        return plan_public(session, plans.get(session, plan_id))


@router.post("/{plan_id}/confirm", responses=CONFIRM_ERRORS)
def confirm_plan(
    plan_id: PlanId, caller: Dispatcher, db: DbDep, planner: PlannerDep, now: ClockDep
) -> PlanPublic:
    """Confirm the recommendation: its stock unit is reserved atomically, the ticket dispatched."""
    return workflows.confirm(
        db, planner, plan_id=plan_id, rank=0, actor=caller.client, reason=None, now=now
    )


@router.post("/{plan_id}/override", responses=CONFIRM_ERRORS)
def override_plan(
    plan_id: PlanId,
    body: PlanOverride,
    caller: Dispatcher,
    db: DbDep,
    planner: PlannerDep,
    now: ClockDep,
) -> PlanPublic:
    """Confirm another option instead (also after a confirm: the old unit is given back)."""
    return workflows.confirm(
        db,
        planner,
        plan_id=plan_id,
        rank=body.rank,
        actor=caller.client,
        reason=body.reason,
        now=now,
    )


@router.post(
    "/{plan_id}/release",
    responses={
        404: {"description": "No such plan"},
        409: {
            "description": "The plan is not the ticket's confirmed one, the visit has started "
            "(a field report, or its first leg has left), or the engineer's day moved on"
        },
    },
)
def release_confirmed_plan(
    plan_id: PlanId, caller: Dispatcher, db: DbDep, now: ClockDep
) -> PlanPublic:
    """Take back a confirm or override while nothing of it has started: the reserved unit goes
    back to stock, the engineer's day is as before the confirm, the ticket is planned again with
    this plan to confirm (a ``released`` event). Releasing again changes nothing."""
    return release_plan(db, plan_id=plan_id, actor=caller.client, now=now)
