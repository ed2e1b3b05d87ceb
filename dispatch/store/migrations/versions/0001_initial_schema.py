"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 15:23:44.065640
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.store.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_clients")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "depots",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_depots")),
    )
    op.create_table(
        "engineers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("home_lat", sa.Double(), nullable=False),
        sa.Column("home_lon", sa.Double(), nullable=False),
        sa.Column("hourly_cost_gr", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engineers")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("created_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client"], ["clients.name"], name=op.f("fk_api_keys_client_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_table(
        "contracts",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("product", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("nbd_cutoff", sa.Time(), nullable=True),
        sa.CheckConstraint("product IN ('AHB', 'SOS')", name=op.f("ck_contracts_product")),
        sa.CheckConstraint("valid_from <= valid_to", name=op.f("ck_contracts_validity")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contracts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_contracts")),
    )
    op.create_table(
        "engineer_skills",
        sa.Column("engineer_id", sa.String(length=64), nullable=False),
        sa.Column("skill", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["engineer_id"],
            ["engineers.id"],
            name=op.f("fk_engineer_skills_engineer_id_engineers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("engineer_id", "skill", name=op.f("pk_engineer_skills")),
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engineer_id", sa.String(length=64), nullable=False),
        sa.Column("start_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("end_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("on_call", sa.Boolean(), nullable=False),
        sa.CheckConstraint("start_at < end_at", name=op.f("ck_shifts_order")),
        sa.ForeignKeyConstraint(
            ["engineer_id"],
            ["engineers.id"],
            name=op.f("fk_shifts_engineer_id_engineers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    op.create_index(op.f("ix_shifts_engineer_id"), "shifts", ["engineer_id"], unique=False)
    op.create_table(
        "stock_units",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("depot_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("kind IN ('spare', 'loaner')", name=op.f("ck_stock_units_kind")),
        sa.CheckConstraint("status IN ('available', 'issued')", name=op.f("ck_stock_units_status")),
        sa.ForeignKeyConstraint(
            ["depot_id"], ["depots.id"], name=op.f("fk_stock_units_depot_id_depots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_units")),
    )
    op.create_index("ix_stock_units_depot_sku", "stock_units", ["depot_id", "sku"], unique=False)
    op.create_table(
        "devices",
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("contract_number", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_number"],
            ["contracts.number"],
            name=op.f("fk_devices_contract_number_contracts"),
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_devices")),
    )
    op.create_index(
        op.f("ix_devices_contract_number"), "devices", ["contract_number"], unique=False
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("contract_number", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=3), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reaction_due", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("clock_start", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("deadline", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client"], ["clients.name"], name=op.f("fk_tickets_client_clients")
        ),
        sa.ForeignKeyConstraint(
            ["contract_number"],
            ["contracts.number"],
            name=op.f("fk_tickets_contract_number_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["serial"], ["devices.serial"], name=op.f("fk_tickets_serial_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index(op.f("ix_tickets_status"), "tickets", ["status"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client"], ["clients.name"], name=op.f("fk_idempotency_keys_client_clients")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_idempotency_keys_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("client", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confirmed_rank", sa.Integer(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'confirmed', 'superseded')", name=op.f("ck_plans_status")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_plans_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_index(op.f("ix_plans_ticket_id"), "plans", ["ticket_id"], unique=False)
    op.create_table(
        "rma_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("failed_serial", sa.String(length=64), nullable=False),
        sa.Column("due_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("waybill", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_rma_returns_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rma_returns")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_rma_returns_ticket_id")),
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index(
        op.f("ix_ticket_events_ticket_id"), "ticket_events", ["ticket_id"], unique=False
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engineer_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("depart_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("arrival_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finish_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["engineer_id"], ["engineers.id"], name=op.f("fk_assignments_engineer_id_engineers")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_assignments_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_assignments_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(
        "ix_assignments_engineer_start", "assignments", ["engineer_id", "depart_at"], unique=False
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client"], ["clients.name"], name=op.f("fk_outbox_client_clients")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["ticket_events.id"], name=op.f("fk_outbox_event_id_ticket_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"], unique=False)
    op.create_table(
        "plan_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("depot_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("engineer_id", sa.String(length=64), nullable=True),
        sa.Column("depart_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("arrival_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finish_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("cost_gr", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_options_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_options")),
        sa.UniqueConstraint("plan_id", "rank", name=op.f("uq_plan_options_plan_id")),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('active', 'consumed', 'released')", name=op.f("ck_reservations_state")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_reservations_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_reservations_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["stock_units.id"], name=op.f("fk_reservations_unit_id_stock_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    op.create_index(op.f("ix_reservations_plan_id"), "reservations", ["plan_id"], unique=False)
    op.create_index(op.f("ix_reservations_ticket_id"), "reservations", ["ticket_id"], unique=False)
    op.create_index(
        "uq_reservations_active_unit",
        "reservations",
        ["unit_id"],
        unique=True,
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_reservations_active_unit",
        table_name="reservations",
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
    )
    op.drop_index(op.f("ix_reservations_ticket_id"), table_name="reservations")
    op.drop_index(op.f("ix_reservations_plan_id"), table_name="reservations")
    op.drop_table("reservations")
    op.drop_table("plan_options")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_assignments_engineer_start", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index(op.f("ix_ticket_events_ticket_id"), table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_table("rma_returns")
    op.drop_index(op.f("ix_plans_ticket_id"), table_name="plans")
    op.drop_table("plans")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_tickets_status"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_index(op.f("ix_devices_contract_number"), table_name="devices")
    op.drop_table("devices")
    op.drop_index("ix_stock_units_depot_sku", table_name="stock_units")
    op.drop_table("stock_units")
    op.drop_index(op.f("ix_shifts_engineer_id"), table_name="shifts")
    op.drop_table("shifts")
    op.drop_table("engineer_skills")
    op.drop_table("contracts")
    op.drop_table("api_keys")
    op.drop_table("engineers")
    op.drop_table("depots")
    op.drop_table("customers")
    op.drop_table("clients")
