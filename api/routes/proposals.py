"""Re-plan proposals: the whole day planned again on request, repairs made automatically;
each read as a per-ticket diff and applied whole (409 when anything it rests on moved)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select

from api import reoptimise, repairs
from api.deps import ClockDep, DbDep, Dispatcher, PlannerDep, ReadDbDep, Staff
from api.jsonbody import StrictJSONRoute
from api.schemas.common import ID_PATTERN
from api.schemas.proposals import DayReplanIn, ProposalPublic, UnavailableIn, UnavailableOut
from dispatch.store.db import transaction
from dispatch.store.tables import Proposal
from dispatch.timeparse import WARSAW

router = APIRouter(route_class=StrictJSONRoute, tags=["proposals"])
ProposalId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Proposal id")]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such proposal"},
    409: {"description": "Not open, proposes nothing, or what it re-plans changed since"},
}


@router.post("/days/reoptimise")
def reoptimise_day(
    body: DayReplanIn,
    caller: Staff,
    db: DbDep,
    reads: ReadDbDep,
    planner: PlannerDep,
    now: ClockDep,
) -> ProposalPublic:
    """Plan again every ticket whose work on the day has not started; answers the proposal
    (nothing is booked until it is applied)."""
    day = body.day or now.astimezone(WARSAW).date()
    return reoptimise.propose_day(db, reads, planner, day=day, actor=caller.client, now=now,
                                  budget_s=body.budget_s)  # fmt: skip


@router.post(
    "/engineers/{engineer_id}/unavailable",
    responses={404: {"description": "No such engineer"}, 422: {"description": "until"}},
)
def engineer_unavailable(
    engineer_id: Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)],
    body: UnavailableIn,
    caller: Dispatcher,
    db: DbDep,
    reads: ReadDbDep,
    now: ClockDep,
    request: Request,
) -> UnavailableOut:
    """Cut the engineer's shifts from now; their visits not started are re-planned into a
    repair proposal (nothing moves until a dispatcher applies it)."""
    cut, proposal = repairs.engineer_unavailable(
        db, reads, request.app.state.planner, engineer_id=engineer_id, reason=body.reason,
        until=body.until, actor=caller.client, now=now,
    )  # fmt: skip
    return UnavailableOut(engineer_id=engineer_id, shifts_cut=cut, proposal=proposal)


@router.get("/proposals")
def list_proposals(
    _caller: Staff,
    db: ReadDbDep,
    status: Annotated[Literal["proposed", "applied", "stale"], Query()] = "proposed",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ProposalPublic]:
    """Proposals in ``status``, newest first (the console's list of decisions to take)."""
    with transaction(db) as session:
        rows = session.scalars(
            select(Proposal).where(Proposal.status == status).order_by(Proposal.id.desc())
            .limit(limit)
        )  # fmt: skip
        return [reoptimise.proposal_public(row) for row in rows]


@router.get("/proposals/{proposal_id}", responses={404: ERRORS[404]})
def read_proposal(proposal_id: ProposalId, _caller: Staff, db: ReadDbDep) -> ProposalPublic:
    """One proposal with its diff and totals."""
    with transaction(db) as session:
        return reoptimise.get(session, proposal_id)


@router.post("/proposals/{proposal_id}/apply", responses=ERRORS)
def apply_proposal(
    proposal_id: ProposalId, caller: Dispatcher, db: DbDep, now: ClockDep
) -> ProposalPublic:
    """Book the proposal whole in one transaction, or 409 and nothing booked."""
    return reoptimise.apply(db, proposal_id=proposal_id, actor=caller.client, now=now)
