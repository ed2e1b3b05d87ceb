"""Re-plan proposals: the whole day planned again (or a repair), as a per-ticket diff."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Instant, RequiredText, WarsawTime


class DayReplanIn(BaseModel):
    """Which day to plan again (Warsaw calendar day; default today)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"day": "2026-12-22"}]}
    )
    day: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2099, 12, 31))
    budget_s: float | None = Field(
        default=None,
        gt=0,
        le=120,
        description="How long the search may try tickets (default: 3.5 s, or 50 ms a ticket "
        "for a bigger day, up to 11 s).",
    )


class UnavailableIn(BaseModel):
    """An engineer off work from now (sick, car broken) until ``until`` (default: day's end)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "sick"}]})
    reason: RequiredText = Field(max_length=500)
    until: Instant | None = None


class Serving(BaseModel):
    """How a ticket is served on one side of the diff."""

    engineer_id: str | None
    mode: str
    source: str
    depot_id: str
    eta: WarsawTime
    on_time: bool
    cost_gr: int


class TicketChange(BaseModel):
    """One ticket the proposal changes: before and after (null: not served)."""

    ticket_id: int
    tier: str
    deadline: WarsawTime
    before: Serving | None
    after: Serving | None


class Totals(BaseModel):
    """One side's figures over the tickets planned again."""

    tickets: int
    served: int
    on_time: int
    on_time_by_tier: dict[str, int]
    cost_gr: int = Field(description="The options' costs as the engine priced them.")
    km: float = Field(description="Driven to the tickets' stops (drives home not counted).")
    overtime_s: int = Field(
        default=0,
        description="Booked work outside the shifts of the engineers the proposal touches.",
    )


class EngineerOvertime(BaseModel):
    """One engineer's booked work outside their shifts, as booked and as proposed."""

    engineer_id: str
    before_s: int
    after_s: int


class ProposalPublic(BaseModel):
    """A re-plan proposal; apply it whole or not at all."""

    id: int
    kind: Literal["day", "repair"]
    trigger: str
    day: date | None
    status: Literal["proposed", "applied", "stale"]
    created_at: WarsawTime
    applied_at: WarsawTime | None
    improves: bool = Field(description="More on time (then cheaper) than the day as booked.")
    note: str | None = Field(description="Why nothing is proposed, when nothing is.")
    runtime_ms: int
    tried: int = Field(
        description="Tickets the search re-inserted within its time budget (the rest stay)."
    )
    before: Totals
    after: Totals
    changes: list[TicketChange] = Field(description="Only the tickets that change.")
    unchanged: int
    overtime: list[EngineerOvertime] = Field(
        default_factory=list,
        description="Each engineer the proposal touches: work outside their shifts, both sides.",
    )


class UnavailableOut(BaseModel):
    """Shifts cut, and the repair proposed for the engineer's visits not started."""

    engineer_id: str
    shifts_cut: int
    proposal: ProposalPublic | None
