"""Bodies of the console's own endpoints: queue rows, the day board and the replan report."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from api.console.timeline import Kind, Phase
from api.schemas.common import ID_PATTERN, Instant, RequiredText, WarsawTime

QueueState = Literal["new", "on_track", "at_risk", "late"]
StateFilter = Literal["", "new", "on_track", "at_risk", "late"]  # "": every state


class PlanBrief(BaseModel):
    """The option a ticket is planned with: the confirmed one, else the recommendation."""

    plan_id: int
    confirmed: bool
    mode: str
    depot_id: str
    sku: str = Field(description="The SKU shipped: a substitute when it differs from the ticket's.")
    engineer_id: str | None
    engineer_name: str | None
    arrival_at: WarsawTime
    slack_s: int = Field(description="Seconds between arrival and the deadline (< 0: late).")


class QueueRow(BaseModel):
    """One open ticket with its site and plan, as the queue shows it."""

    id: int
    status: str
    state: QueueState = Field(description="new (not accepted), on_track, at_risk or late")
    tier: str
    product: str
    sku: str
    serial: str
    contract: str
    site: str
    lat: float
    lon: float
    voivodeship: str
    submitted_at: WarsawTime
    reaction_due: WarsawTime | None = Field(description="By when a new ticket must be answered.")
    contacted_at: WarsawTime | None = Field(description="First contact: the reaction clock stops.")
    deadline: WarsawTime | None
    time_left_s: int | None
    plan: PlanBrief | None


class Facets(BaseModel):
    """Open tickets per tier, voivodeship and state, before filtering (for the filter menus)."""

    tier: dict[str, int]
    voivodeship: dict[str, int]
    state: dict[str, int]


class ReactionBreaches(BaseModel):
    """Reaction-clock breaches since a moment (as ``GET /v1/reaction/breaches`` counts them)."""

    since: WarsawTime
    count: int
    not_contacted: int


class Queue(BaseModel):
    """One poll: the rows changed since ``since`` (all without it) and the order to show."""

    now: WarsawTime
    version: str = Field(description="Send it back as ``since`` to get only what changed.")
    changed: bool = Field(description="False: the page's rows are current; ``tickets`` is empty.")
    total: int = Field(description="Open tickets before filtering.")
    facets: Facets
    order: list[int] = Field(description="Ids of the filtered queue, in order.")
    tickets: list[QueueRow]
    breaches: ReactionBreaches = Field(description="Reaction breaches of the last 7 days.")


class StockBrief(BaseModel):
    sku: str
    on_hand: int
    reserved: int
    available: int


class DepotMarker(BaseModel):
    id: str
    name: str
    lat: float
    lon: float
    available: int = Field(description="Free units over all SKUs.")
    stock: list[StockBrief]


class Segment(BaseModel):
    """A stretch of an engineer's day on the timeline."""

    kind: Kind
    start: WarsawTime
    end: WarsawTime
    ticket_id: int | None = None
    place: str = Field(default="", description="Depot id for a pickup, site for a visit.")
    pinned: bool = Field(default=False, description="Under way: the engineer has left for it.")
    phase: Phase = Field(default="planned", description="done, under_way or planned at now.")
    overtime: bool = Field(default=False, description="Outside the engineer's shifts.")


class EngineerDay(BaseModel):
    id: str
    name: str
    lat: float
    lon: float
    voivodeship: str = Field(description="Of the engineer's home (nearest gazetteer locality).")
    skills: list[str]
    available: bool = Field(description="Has shift time left today.")
    shifts: list[tuple[WarsawTime, WarsawTime]]
    overtime_s: int = Field(description="Booked work and travel outside the shifts that day.")
    segments: list[Segment]


class Board(BaseModel):
    """Everything the map and the timeline draw for one day."""

    now: WarsawTime
    day: date
    depots: list[DepotMarker]
    engineers: list[EngineerDay]


class Unavailable(BaseModel):
    """Take an engineer off work from now until ``until`` (default: the end of today)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Sick leave"}]}
    )
    reason: RequiredText = Field(max_length=2000)
    until: Instant | None = None


class Replanned(BaseModel):
    """What happened to one of the engineer's visits after the replan."""

    ticket_id: int
    plan_id: int | None
    mode: str | None
    engineer_id: str | None
    arrival_at: WarsawTime | None
    error: str | None = Field(description="Why no new plan could be confirmed, else null.")


class ReplanReport(BaseModel):
    engineer_id: str
    shifts_cut: int = Field(description="Shifts shortened or removed.")
    tickets: list[Replanned]


class Move(BaseModel):
    """Move a ticket's visit to another engineer, to a time of day, or both (the engine checks
    it first). Without ``engineer_id`` the engine chooses the engineer for that time."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"engineer_id": "E-1"}, {"engineer_id": "E-1", "at": "14:30"}]
        },
    )
    engineer_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=ID_PATTERN)
    at: str | None = Field(
        default=None,
        max_length=40,
        description="Earliest start of the visit: ``HH:MM`` (today, Warsaw) or an ISO 8601 "
        "date-time (naive: Warsaw wall time).",
    )

    @model_validator(mode="before")
    @classmethod
    def _something_to_move(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("engineer_id") is None and data.get("at") is None:
            raise PydanticCustomError("missing", "give engineer_id, at or both")
        return data
