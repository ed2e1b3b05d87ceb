"""Field reports (engineers' and drivers' devices) and the live state they give."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import Instant, WarsawTime
from api.schemas.resources import PointPublic

VEHICLE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9:_.#/+-]*$"


class FieldReportIn(BaseModel):
    """One report from the field: a visit's progress, or where the vehicle is."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"event_id": "dev-7-000123", "vehicle": "E-WAW-1", "kind": "arrived",
                 "ticket_id": 12, "at": "2026-12-22T11:05:00+01:00"},
                {"event_id": "dev-7-000124", "vehicle": "E-WAW-1", "kind": "failed",
                 "ticket_id": 12, "at": "2026-12-22T11:40:00+01:00", "reason": "wrong_part"},
                {"event_id": "dev-7-000125", "vehicle": "E-WAW-1", "kind": "position",
                 "lat": 52.23, "lon": 21.01, "at": "2026-12-22T11:45:00+01:00"},
            ]
        },
    )  # fmt: skip
    event_id: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:/+-]+$",
        description="The device's own id of the report: a retry with the same id is a replay.",
    )  # fmt: skip
    vehicle: str = Field(min_length=1, max_length=80, pattern=VEHICLE_PATTERN)
    kind: Literal["departed", "arrived", "finished", "failed", "position"]
    at: Instant
    ticket_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    stop: Literal["visit", "pickup", "deliver"] | None = Field(
        default=None, description="Which booked stop of the ticket; visit (engineer) or "
        "deliver (car) by default.",
    )  # fmt: skip
    lat: float | None = Field(default=None, ge=49.0, le=54.9)
    lon: float | None = Field(default=None, ge=14.1, le=24.2)
    reason: Literal["wrong_part", "site_closed", "second_visit"] | None = None

    @model_validator(mode="after")
    def _fields_of_kind(self) -> FieldReportIn:
        if self.kind == "position":
            if self.lat is None or self.lon is None:
                raise ValueError("a position needs lat and lon")
            if self.ticket_id is not None or self.reason is not None:
                raise ValueError("a position names no ticket_id or reason")
            return self
        if self.ticket_id is None:
            raise ValueError(f"{self.kind} needs the ticket_id of the visit")
        if (self.kind == "failed") != (self.reason is not None):
            raise ValueError("reason is given with failed, and only with failed")
        return self


class VisitProgress(BaseModel):
    """A visit as the field has reported it."""

    vehicle: str
    ticket_id: int
    stop: str
    state: Literal["booked", "driving", "on_site", "finished", "failed"]
    departed_at: WarsawTime | None
    arrived_at: WarsawTime | None
    ended_at: WarsawTime | None


class EtaChange(BaseModel):
    """A ticket whose ETA this report moved (sent as ``eta_changed`` past the threshold)."""

    ticket_id: int
    before: WarsawTime
    after: WarsawTime
    deadline: WarsawTime | None
    on_time: bool
    newly_late: bool = Field(description="Late now, on time before: an at_risk event.")


class FieldReportOut(BaseModel):
    """The stored report, the visit it updated and the ETAs it moved."""

    id: int
    event_id: str
    vehicle: str
    kind: str
    at: WarsawTime
    ticket_id: int | None
    replayed: bool = Field(description="A retry of a report already stored: nothing changed.")
    visit: VisitProgress | None
    eta_changes: list[EtaChange]
    repair_for: list[int] = Field(
        default_factory=list,
        description="Tickets being re-planned into a repair proposal (failed, or made late); "
        "the proposal follows as GET /v1/proposals and a repair_proposed event.",
    )


class VehicleLive(BaseModel):
    """Where a vehicle is and what it is doing, as the planner sees it now."""

    vehicle: str
    position: PointPublic | None = Field(
        description="Last reported position, else the end of its last finished leg; null at home."
    )
    position_at: WarsawTime | None
    doing: VisitProgress | None = Field(description="The visit under way, if any.")
    free_from: WarsawTime | None = Field(description="When the work under way should end.")
    next_ticket_id: int | None
    next_eta: WarsawTime | None
