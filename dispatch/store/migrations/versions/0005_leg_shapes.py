"""route legs keep the road's shape (an encoded polyline) when OSRM timed them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("route_legs") as batch:
        batch.add_column(sa.Column("shape", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("route_legs") as batch:
        batch.drop_column("shape")
