"""Read models for depots' stock, engineers' day plans and master data import results."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from api.schemas.common import WarsawTime


class StockLevelPublic(BaseModel):
    depot_id: str
    sku: str
    on_hand: int = Field(description="Units in the depot (not yet issued).")
    reserved: int = Field(description="Units held by confirmed plans.")
    available: int


class PointPublic(BaseModel):
    lat: float
    lon: float
    name: str


class LegPublic(BaseModel):
    """A stretch of a vehicle's day as the engine timed it: drive, then work at the stop."""

    vehicle: str = Field(description="Engineer id, car:DEPOT (dedicated car) or courier:ID.")
    kind: str = Field(description="pickup, visit, return, deliver or parcel")
    ticket_id: int | None = Field(description="The ticket served; null for a drive home.")
    plan_id: int | None
    origin: PointPublic
    destination: PointPublic
    depart_at: WarsawTime
    arrive_at: WarsawTime
    start_at: WarsawTime = Field(description="Work starts (after any wait on arrival).")
    finish_at: WarsawTime
    drive_s: int
    distance_m: int
    under_way: bool = Field(description="The leg has started (its departure is past).")
    shape: str | None = Field(
        default=None,
        description="The road driven as an encoded polyline (precision 5) when the travel "
        "model knows roads (OSRM); null: only the ends are known, draw a straight line.",
    )


class VisitPublic(BaseModel):
    ticket_id: int
    plan_id: int | None
    depart_at: WarsawTime
    arrival_at: WarsawTime = Field(description="Work on site starts (what the deadline measures).")
    finish_at: WarsawTime


class ShiftPublic(BaseModel):
    start_at: WarsawTime
    end_at: WarsawTime
    on_call: bool


class DayPlanPublic(BaseModel):
    engineer_id: str
    name: str
    day: date
    skills: list[str]
    shifts: list[ShiftPublic]
    visits: list[VisitPublic]
    legs: list[LegPublic] = Field(description="The day's legs in order, as the engine booked them.")


class ImportResult(BaseModel):
    kind: str
    rows: int


class WebhookSet(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": "https://ticketing.example.com/hooks/dispatch"}]},
    )
    url: HttpUrl | None = Field(description="Where status events are POSTed; null stops them.")


class WebhookPublic(BaseModel):
    url: HttpUrl | None
    secret: str | None = Field(
        description="Signing secret of every delivery (X-Dispatch-Signature), shown once: "
        "each PUT with a URL issues a new one; null when deliveries are stopped."
    )


class OutboxMessagePublic(BaseModel):
    """A message of a client's webhook queue, as an admin sees it."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    event_id: int
    seq: int | None = Field(description="Position in the client's stream, once numbered.")
    state: str = Field(description="pending, delivered or dead")
    attempts: int
    last_error: str | None
    payload: dict[str, Any]


class Replay(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{}, {"message_ids": [12, 13]}]}
    )
    message_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(
        default=None, max_length=10_000, description="Dead letters to replay; all when omitted."
    )


class ReplayResult(BaseModel):
    replayed: int = Field(description="Dead letters put back in the queue.")
