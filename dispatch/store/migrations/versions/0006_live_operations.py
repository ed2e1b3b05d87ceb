"""live operations: field events, re-plan proposals, the reaction clock's contact instant

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.store.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_INSTANT = dispatch.store.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "field_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("vehicle", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("stop", sa.String(length=16), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("at", _INSTANT, nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("received_at", _INSTANT, nullable=False),
        sa.CheckConstraint(
            "kind IN ('departed', 'arrived', 'finished', 'failed', 'position')",
            name=op.f("ck_field_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_field_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_events")),
        sa.UniqueConstraint("reporter", "event_id", name=op.f("uq_field_events_reporter")),
    )
    op.create_index("ix_field_events_visit", "field_events", ["vehicle", "ticket_id"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("created_at", _INSTANT, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("applied_at", _INSTANT, nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'applied', 'stale')", name=op.f("ck_proposals_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("contacted_at", _INSTANT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("contacted_at")
    op.drop_table("proposals")
    op.drop_index("ix_field_events_visit", table_name="field_events")
    op.drop_table("field_events")
