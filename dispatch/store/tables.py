"""SQLAlchemy tables for master data, tickets, plans, the event log, keys and the outbox.

These rows are storage only: API schemas live in ``api/schemas`` and domain values in
``dispatch``. Depots, stock units and reservations are in ``depots/tables.py`` on the same
metadata, so one Alembic history covers the whole database.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dispatch.store.db import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations are reproducible."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("product IN ('AHB', 'SOS')", name="product"),
        CheckConstraint("valid_from <= valid_to", name="validity"),
    )
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    tier: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    nbd_cutoff: Mapped[time | None] = mapped_column(Time)


class Device(Base):
    """A device covered by a contract, at the site where it is installed."""

    __tablename__ = "devices"
    serial: Mapped[str] = mapped_column(String(64), primary_key=True)
    contract_number: Mapped[str] = mapped_column(ForeignKey("contracts.number"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float]
    lon: Mapped[float]


class Engineer(Base):
    __tablename__ = "engineers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    home_lat: Mapped[float]
    home_lon: Mapped[float]
    hourly_cost_gr: Mapped[int]


class VanStock(Base):
    """Spare units an engineer carries in the van: a count per SKU (used units are counted off
    when their ticket is delivered)."""

    __tablename__ = "van_stock"
    __table_args__ = (CheckConstraint("units >= 0", name="units"),)
    engineer_id: Mapped[str] = mapped_column(
        ForeignKey("engineers.id", ondelete="CASCADE"), primary_key=True
    )
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    units: Mapped[int]


class SkuModel(Base):
    """The SKU catalogue: a device model's family (for skills), on-site work and substitutes."""

    __tablename__ = "skus"
    __table_args__ = (CheckConstraint("onsite_minutes >= 0", name="onsite"),)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(String(64))
    onsite_minutes: Mapped[int]
    substitutes: Mapped[str] = mapped_column(String(500), default="")  # ';'-separated SKUs


class CourierService(Base):
    """A parcel service: collected before a depot's cut-off, delivered next business day."""

    __tablename__ = "couriers"
    __table_args__ = (CheckConstraint("price_gr >= 0", name="price"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivery_by: Mapped[time] = mapped_column(Time)
    price_gr: Mapped[int]


class EngineerSkill(Base):
    __tablename__ = "engineer_skills"
    engineer_id: Mapped[str] = mapped_column(
        ForeignKey("engineers.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(64), primary_key=True)


class Shift(Base):
    __tablename__ = "shifts"
    __table_args__ = (CheckConstraint("start_at < end_at", name="order"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[str] = mapped_column(
        ForeignKey("engineers.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    on_call: Mapped[bool] = mapped_column(default=False)


class Client(Base):
    """A system calling the API (the ticketing system, a console); owns keys and a webhook."""

    __tablename__ = "clients"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    """Key of the HMAC that signs every delivery (see ``dispatch.store.outbox.signature``)."""


class ApiKey(Base):
    """An API key, stored as a SHA-256 digest; ``prefix`` finds the row without the secret."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    client: Mapped[str] = mapped_column(ForeignKey("clients.name"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(ForeignKey("clients.name"))
    contract_number: Mapped[str] = mapped_column(ForeignKey("contracts.number"))
    serial: Mapped[str] = mapped_column(ForeignKey("devices.serial"))
    sku: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(3))
    tier: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    submitted_at: Mapped[datetime]
    reaction_due: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    clock_start: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    contacted_at: Mapped[datetime | None]
    """When the customer was first contacted: this stops the reaction clock (rule 1)."""


class TicketEvent(Base):
    """Append-only history of a ticket: every state change and action, with who and when."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]


class IdempotencyKey(Base):
    """A client's ``Idempotency-Key`` and a digest of the request it first came with."""

    __tablename__ = "idempotency_keys"
    client: Mapped[str] = mapped_column(ForeignKey("clients.name"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime]


class Plan(Base):
    """One planning run for a ticket; its options are ranked, rank 0 being the recommendation."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'confirmed', 'superseded')", name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    confirmed_rank: Mapped[int | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    override_reason: Mapped[str | None] = mapped_column(Text)


class PlanOption(Base):
    __tablename__ = "plan_options"
    __table_args__ = (UniqueConstraint("plan_id", "rank"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    rank: Mapped[int]
    mode: Mapped[str] = mapped_column(String(16))
    depot_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(64))
    engineer_id: Mapped[str | None] = mapped_column(String(64))
    depart_at: Mapped[datetime]
    arrival_at: Mapped[datetime]
    finish_at: Mapped[datetime]
    cost_gr: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8), default="")  # parcel, car, depot, van, meet
    legs: Mapped[list[Any] | None] = mapped_column(JSON)  # the engine's legs, as stored on confirm
    moves: Mapped[list[Any] | None] = mapped_column(JSON)  # other visits the option moves
    route_key: Mapped[str | None] = mapped_column(String(160))  # the engineer route it replaces
    route_digest: Mapped[str | None] = mapped_column(String(64))  # that route when planned


class RouteLeg(Base):
    """One leg of a vehicle's booked day as the engine timed it: the drive to a stop, then the
    work there. Engineers' legs form routes (``route_key``, one per working window); a
    dedicated car's trip and a parcel are legs of their own."""

    __tablename__ = "route_legs"
    __table_args__ = (
        Index("ix_route_legs_vehicle_depart", "vehicle", "depart_at"),
        Index("ix_route_legs_route", "route_key", "active"),
        Index("ix_route_legs_ticket", "ticket_id", "active"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle: Mapped[str] = mapped_column(String(80))  # engineer id, car:DEPOT, courier:ID
    route_key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))  # pickup visit return deliver parcel
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    ref: Mapped[str] = mapped_column(String(64))
    origin_lat: Mapped[float]
    origin_lon: Mapped[float]
    origin_name: Mapped[str] = mapped_column(String(200))
    dest_lat: Mapped[float]
    dest_lon: Mapped[float]
    dest_name: Mapped[str] = mapped_column(String(200))
    depart_at: Mapped[datetime]
    arrive_at: Mapped[datetime]
    start_at: Mapped[datetime]
    finish_at: Mapped[datetime]
    drive_s: Mapped[int]
    distance_m: Mapped[int]
    shape: Mapped[str | None] = mapped_column(Text)  # encoded polyline of the road (OSRM)
    active: Mapped[bool] = mapped_column(default=True)


class FieldEvent(Base):
    """A report from the field (``departed``, ``arrived``, ``finished``, ``failed`` about a
    vehicle's visit, or a ``position``), kept once per reporter and event id."""

    __tablename__ = "field_events"
    __table_args__ = (
        UniqueConstraint("reporter", "event_id"),
        Index("ix_field_events_visit", "vehicle", "ticket_id"),
        CheckConstraint(
            "kind IN ('departed', 'arrived', 'finished', 'failed', 'position')", name="kind"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reporter: Mapped[str] = mapped_column(String(64))  # the key's client
    event_id: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))  # of the report, to tell a retry from a clash
    vehicle: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    stop: Mapped[str | None] = mapped_column(String(16))  # pickup, visit or deliver
    plan_id: Mapped[int | None]  # the visit's plan: a visit planned again starts afresh
    at: Mapped[datetime]
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]


class Proposal(Base):
    """A re-plan offered to the dispatcher (the whole day, or the repair of what an event broke):
    the per-ticket changes it would make and what it was based on, applied atomically or not at
    all."""

    __tablename__ = "proposals"
    __table_args__ = (CheckConstraint("status IN ('proposed', 'applied', 'stale')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # day | repair
    trigger: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    applied_at: Mapped[datetime | None]
    body: Mapped[dict[str, Any]]
    basis: Mapped[dict[str, Any]]  # ticket id -> fingerprint of what it held when proposed


class RmaReturn(Base):
    """The failed unit the customer owes back, due 7 days after the replacement's delivery."""

    __tablename__ = "rma_returns"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    failed_serial: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
    waybill: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Base):
    """An event waiting for delivery to a client's webhook, written with the change it reports.

    ``seq`` numbers a client's messages 1, 2, 3, ... in the order they are delivered; the
    delivery worker assigns it when it first sees the message committed (see
    ``dispatch.store.delivery``).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'delivered', 'dead')", name="state"),
        UniqueConstraint("client", "seq"),
        Index("ix_outbox_client_state", "client", "state", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(ForeignKey("clients.name"))
    event_id: Mapped[int] = mapped_column(ForeignKey("ticket_events.id"))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxQueue(Base):
    """One client's delivery queue: its back-off, the lease of the worker sending it, and the
    last ``seq`` given out. A lease lets any number of workers share the queues, each queue
    being sent by one worker at a time, in order."""

    __tablename__ = "outbox_queues"
    client: Mapped[str] = mapped_column(ForeignKey("clients.name"), primary_key=True)
    next_attempt_at: Mapped[datetime | None]
    """Not before this instant (back-off after a failure); None when never tried."""
    leased_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(default=0)
