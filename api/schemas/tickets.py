"""Ticket bodies: creation, actions (accept, refuse, status, RMA) and the public view."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import ID_PATTERN, Instant, RequiredText, Text, WarsawTime

Text64 = Field(min_length=1, max_length=64, pattern=ID_PATTERN)


class TicketCreate(BaseModel):
    """A failure report from the ticketing system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contract_number": "C-2026-001",
                    "serial": "SN-X465-0001",
                    "description": "Switch reboots in a loop; PSU fault in logs.",
                    "submitted_at": "2026-12-23T15:40:00+01:00",
                    "product": "SOS",
                }
            ]
        },
    )

    contract_number: str = Text64
    serial: str = Text64
    description: Text = Field(default="", max_length=4000)
    submitted_at: Instant | None = Field(
        default=None, description="When the customer reported it; defaults to now."
    )
    product: Literal["AHB", "SOS"] | None = Field(
        default=None, description="Requested service; must be the one the contract covers."
    )


class TicketAccept(BaseModel):
    """Verification passed: the SLA clock starts from ``accepted_at`` (default now)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})
    accepted_at: Instant | None = None


class TicketRefuse(BaseModel):
    """Verification failed: the ticket ends refused."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "No fault found in the logs."}]}
    )
    reason: RequiredText = Field(max_length=2000)


class StatusUpdate(BaseModel):
    """A reported state change: delivered (or engineer on site), resolved, closed, escalated."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "delivered", "note": "Signed by J. Nowak"}]},
    )
    status: Literal["delivered", "resolved", "closed", "escalated", "contacted"] = Field(
        description="contacted: the customer was reached, which stops the reaction clock; "
        "the ticket's state does not change."
    )
    at: Instant | None = Field(default=None, description="When it happened; defaults to now.")
    note: Text = Field(default="", max_length=2000)


class RmaReceipt(BaseModel):
    """The customer's failed unit arrived back."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"waybill": "DPD-0001234"}]}
    )
    received_at: Instant | None = None
    waybill: RequiredText | None = Field(default=None, max_length=64)


class EventPublic(BaseModel):
    id: int
    at: WarsawTime
    kind: str
    status: str
    actor: str
    data: dict[str, Any]


class RmaPublic(BaseModel):
    failed_serial: str
    due_at: WarsawTime
    received_at: WarsawTime | None
    waybill: str | None
    overdue: bool = Field(description="Not received by its due time (7 days after delivery).")


class OptionLeftPublic(BaseModel):
    kind: Literal["another_sku", "dedicated_car", "order", "escalate"]
    detail: str
    sku: str | None
    depot: str | None


class Decision(BaseModel):
    """Why no option serves the ticket, and what a dispatcher can still decide."""

    reasons: list[str]
    options_left: list[OptionLeftPublic]
    at: WarsawTime


class BreachPublic(BaseModel):
    """A ticket whose reaction clock ran out."""

    ticket_id: int
    tier: str
    status: str
    submitted_at: WarsawTime
    reaction_due: WarsawTime
    contacted_at: WarsawTime | None
    late_by_s: int = Field(description="Past reaction_due at contact (or now, if none yet).")


class Breaches(BaseModel):
    """Reaction-clock breaches since a moment: counted and listed."""

    since: WarsawTime
    count: int
    not_contacted: int
    contacted_late: int
    tickets: list[BreachPublic]


class TicketPublic(BaseModel):
    """A ticket with its clocks, time left, RMA state and full history."""

    id: int
    status: str
    contract_number: str
    serial: str
    sku: str
    product: str
    tier: str
    description: str
    submitted_at: WarsawTime
    reaction_due: WarsawTime | None
    contacted_at: WarsawTime | None = Field(description="First contact: the reaction clock stops.")
    reaction_breached: bool | None = Field(
        description="No contact by reaction_due (so far, while not contacted)."
    )
    accepted_at: WarsawTime | None
    clock_start: WarsawTime | None
    deadline: WarsawTime | None
    time_left_s: int | None = Field(description="Seconds to the deadline; negative when missed.")
    at_risk: bool | None = Field(description="Less than an hour left (rule 9: escalate).")
    delivered_at: WarsawTime | None
    plan_id: int | None = Field(description="The confirmed plan, else the newest proposal.")
    rma: RmaPublic | None
    decision: Decision | None = Field(
        description="When unservable: the engine's reasons and the decisions left."
    )
    history: list[EventPublic]


class TicketSummary(BaseModel):
    """A queue row."""

    id: int
    status: str
    tier: str
    product: str
    deadline: WarsawTime | None
    time_left_s: int | None
    at_risk: bool | None
