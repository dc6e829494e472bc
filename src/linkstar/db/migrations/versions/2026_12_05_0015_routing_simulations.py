"""routing simulations

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import linkstar.db.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_simulations",
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=True),
        sa.Column("policy_label", sa.String(length=160), nullable=False),
        sa.Column("cards_on", sa.Date(), nullable=True),
        sa.Column("cards_label", sa.String(length=200), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", linkstar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("orders_total", sa.Integer(), nullable=False),
        sa.Column("orders_done", sa.Integer(), nullable=False),
        sa.Column("tallies", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("started_at", linkstar.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", linkstar.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", linkstar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linkstar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_routing_simulations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_simulations")),
    )
    with op.batch_alter_table("routing_simulations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_routing_simulations_org_created", ["organisation_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_routing_simulations_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_simulations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_simulations_organisation_id"))
        batch_op.drop_index("ix_routing_simulations_org_created")
    op.drop_table("routing_simulations")
