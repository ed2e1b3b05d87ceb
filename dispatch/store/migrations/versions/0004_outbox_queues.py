"""per-client outbox queues: leases, back-off, delivery sequence and dead letters

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 03:00:00

Back-off moves from each message to its client's queue (a failure holds back only that
client's later messages, each of which keeps its own attempt count); messages get a per-client
``seq`` and may end ``dead`` after too many attempts. Every client that has a webhook or
pending messages gets its queue, so nothing queued before the upgrade is stranded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.store.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_queues",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("next_attempt_at", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("leased_until", dispatch.store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client"], ["clients.name"], name=op.f("fk_outbox_queues_client_clients")
        ),
        sa.PrimaryKeyConstraint("client", name=op.f("pk_outbox_queues")),
    )
    op.execute(
        "INSERT INTO outbox_queues (client, last_seq) SELECT name, 0 FROM clients "
        "WHERE webhook_url IS NOT NULL OR name IN (SELECT client FROM outbox)"
    )
    op.drop_index("ix_outbox_due", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("next_attempt_at")
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.create_unique_constraint(op.f("uq_outbox_client"), ["client", "seq"])
        batch.create_check_constraint(
            op.f("ck_outbox_state"), "state IN ('pending', 'delivered', 'dead')"
        )
        batch.create_index("ix_outbox_client_state", ["client", "state", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_client_state")
        batch.drop_constraint("ck_outbox_state", type_="check")
        batch.drop_constraint("uq_outbox_client", type_="unique")
        batch.drop_column("seq")
        batch.add_column(
            sa.Column(
                "next_attempt_at",
                dispatch.store.db.UtcDateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"], unique=False)
    op.drop_table("outbox_queues")
