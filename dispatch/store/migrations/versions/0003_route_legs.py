"""plans carry their legs; master data completes the world (depots, vans, SKUs, couriers)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 09:00:00

Confirmed engineer visits (``assignments``) become legs of ``route_legs``: each old visit is
kept as a visit leg from the engineer's home (its booked departure, arrival and finish), on a
route of its own, so nothing booked is lost; new confirms store the engine's legs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.store.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

UTC = dispatch.store.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("depots") as batch:
        batch.add_column(
            sa.Column("pick_minutes", sa.Integer(), nullable=False, server_default="20")
        )
        batch.add_column(
            sa.Column(
                "courier_cutoff",
                sa.Time(),
                nullable=False,
                server_default=sa.text("'16:00:00'"),
            )
        )
        batch.add_column(sa.Column("drivers", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "van_stock",
        sa.Column("engineer_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.CheckConstraint("units >= 0", name=op.f("ck_van_stock_units")),
        sa.ForeignKeyConstraint(
            ["engineer_id"],
            ["engineers.id"],
            name=op.f("fk_van_stock_engineer_id_engineers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("engineer_id", "sku", name=op.f("pk_van_stock")),
    )
    op.create_table(
        "skus",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=64), nullable=False),
        sa.Column("onsite_minutes", sa.Integer(), nullable=False),
        sa.Column("substitutes", sa.String(length=500), nullable=False),
        sa.CheckConstraint("onsite_minutes >= 0", name=op.f("ck_skus_onsite")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_skus")),
    )
    op.create_table(
        "couriers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("delivery_by", sa.Time(), nullable=False),
        sa.Column("price_gr", sa.Integer(), nullable=False),
        sa.CheckConstraint("price_gr >= 0", name=op.f("ck_couriers_price")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_couriers")),
    )
    with op.batch_alter_table("plan_options") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=8), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("legs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("moves", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("route_key", sa.String(length=160), nullable=True))
        batch.add_column(sa.Column("route_digest", sa.String(length=64), nullable=True))
    op.create_table(
        "route_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle", sa.String(length=80), nullable=False),
        sa.Column("route_key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("origin_lat", sa.Double(), nullable=False),
        sa.Column("origin_lon", sa.Double(), nullable=False),
        sa.Column("origin_name", sa.String(length=200), nullable=False),
        sa.Column("dest_lat", sa.Double(), nullable=False),
        sa.Column("dest_lon", sa.Double(), nullable=False),
        sa.Column("dest_name", sa.String(length=200), nullable=False),
        sa.Column("depart_at", UTC, nullable=False),
        sa.Column("arrive_at", UTC, nullable=False),
        sa.Column("start_at", UTC, nullable=False),
        sa.Column("finish_at", UTC, nullable=False),
        sa.Column("drive_s", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_route_legs_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_route_legs_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_legs")),
    )
    op.create_index("ix_route_legs_route", "route_legs", ["route_key", "active"])
    op.create_index("ix_route_legs_ticket", "route_legs", ["ticket_id", "active"])
    op.create_index("ix_route_legs_vehicle_depart", "route_legs", ["vehicle", "depart_at"])
    op.execute(
        """
        INSERT INTO route_legs (vehicle, route_key, kind, ticket_id, plan_id, ref,
            origin_lat, origin_lon, origin_name, dest_lat, dest_lon, dest_name,
            depart_at, arrive_at, start_at, finish_at, drive_s, distance_m, active)
        SELECT a.engineer_id, a.engineer_id || '@visit-' || CAST(a.id AS VARCHAR(20)), 'visit',
            a.ticket_id, a.plan_id, CAST(a.ticket_id AS VARCHAR(20)),
            e.home_lat, e.home_lon, e.name, d.lat, d.lon, d.address,
            a.depart_at, a.arrival_at, a.arrival_at, a.finish_at, 0, 0, a.active
        FROM assignments a
        JOIN engineers e ON e.id = a.engineer_id
        JOIN tickets t ON t.id = a.ticket_id
        JOIN devices d ON d.serial = t.serial
        """
    )
    op.drop_index("ix_assignments_engineer_start", table_name="assignments")
    op.drop_table("assignments")


def downgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engineer_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("depart_at", UTC, nullable=False),
        sa.Column("arrival_at", UTC, nullable=False),
        sa.Column("finish_at", UTC, nullable=False),
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
    op.create_index("ix_assignments_engineer_start", "assignments", ["engineer_id", "depart_at"])
    op.execute(
        """
        INSERT INTO assignments (engineer_id, ticket_id, plan_id, depart_at, arrival_at,
            finish_at, active)
        SELECT vehicle, ticket_id, plan_id, depart_at, start_at, finish_at, active
        FROM route_legs WHERE kind = 'visit' AND ticket_id IS NOT NULL AND plan_id IS NOT NULL
            AND vehicle NOT LIKE 'car:%'
        """
    )
    op.drop_index("ix_route_legs_vehicle_depart", table_name="route_legs")
    op.drop_index("ix_route_legs_ticket", table_name="route_legs")
    op.drop_index("ix_route_legs_route", table_name="route_legs")
    op.drop_table("route_legs")
    with op.batch_alter_table("plan_options") as batch:
        for column in ("route_digest", "route_key", "moves", "legs", "source"):
            batch.drop_column(column)
    op.drop_table("couriers")
    op.drop_table("skus")
    op.drop_table("van_stock")
    with op.batch_alter_table("depots") as batch:
        for column in ("drivers", "courier_cutoff", "pick_minutes"):
            batch.drop_column(column)
