"""Plan bodies: the recommendation with alternatives, and the dispatcher's override."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import RequiredText, WarsawTime
from api.schemas.resources import LegPublic
from solver.candidates import PLAN_NAMES, Mode


class MovePublic(BaseModel):
    """Another ticket's visit this option moves on the engineer's day."""

    ticket_id: int
    before: WarsawTime
    after: WarsawTime


class OptionPublic(BaseModel):
    rank: int = Field(description="0 is the recommendation.")
    mode: str = Field(description=", ".join(PLAN_NAMES))
    source: str = Field(description="; ".join(f"{m.source}: {m.sentence}" for m in Mode))
    depot_id: str
    sku: str
    engineer_id: str | None
    depart_at: WarsawTime
    arrival_at: WarsawTime
    finish_at: WarsawTime
    cost_gr: int = Field(description="Cost in grosze (1/100 zł).")
    slack_s: int = Field(description="Seconds between arrival and the deadline (< 0: late).")
    reason: str
    legs: list[LegPublic] = Field(description="What confirming books, as the engine timed it.")
    moves: list[MovePublic] = Field(description="Other visits this option moves.")


class PlanPublic(BaseModel):
    """A planning run: recommendation first, then alternatives."""

    id: int
    ticket_id: int
    status: str = Field(description="proposed, confirmed or superseded")
    created_at: WarsawTime
    deadline: WarsawTime
    confirmed_rank: int | None
    override_reason: str | None
    reserved_units: list[str]
    recommendation: OptionPublic
    alternatives: list[OptionPublic]


class PlanOverride(BaseModel):
    """A dispatcher confirms another option than the recommendation, and says why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"rank": 1, "reason": "Customer asked for an engineer."}]},
    )
    rank: int = Field(ge=0, le=1000, strict=True, description="A JSON integer, not text.")
    reason: RequiredText = Field(max_length=2000)


class PlanConflictPublic(BaseModel):
    """409 body when the stock went to another plan: a fresh plan to choose from."""

    detail: str
    plan: PlanPublic | None = None
