"""stock publishing: pending bulk feeds, cached platform ids, runs' submitted count

Revision ID: 0027
Revises: 0023
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import linkstar.db.base

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org_and_store(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f(f"fk_{table}_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f(f"fk_{table}_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    with op.batch_alter_table("stock_publish_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submitted", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("stock_publish_runs", schema=None) as batch_op:
        batch_op.alter_column("submitted", server_default=None)

    op.create_table(
        "stock_publish_feeds",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("feed_id", sa.String(length=200), nullable=False),
        sa.Column("skus", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("submitted_at", linkstar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", linkstar.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["stock_publish_runs.id"],
            name=op.f("fk_stock_publish_feeds_run_id_stock_publish_runs"),
            ondelete="CASCADE",
        ),
        *_org_and_store("stock_publish_feeds"),
    )
    with op.batch_alter_table("stock_publish_feeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_publish_feeds_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_stock_publish_feeds_store_status", ["store_id", "status"], unique=False
        )

    op.create_table(
        "stock_channel_ids",
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("channel_sku", sa.String(length=120), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("warehouse_id", sa.String(length=64), nullable=False),
        sa.Column("looked_up_at", linkstar.db.base.UTCDateTime(timezone=True), nullable=False),
        *_org_and_store("stock_channel_ids"),
        sa.UniqueConstraint(
            "store_id", "channel_sku", name=op.f("uq_stock_channel_ids_store_id_channel_sku")
        ),
    )
    with op.batch_alter_table("stock_channel_ids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_channel_ids_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_channel_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_channel_ids_organisation_id"))
    op.drop_table("stock_channel_ids")
    with op.batch_alter_table("stock_publish_feeds", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_publish_feeds_store_status")
        batch_op.drop_index(batch_op.f("ix_stock_publish_feeds_organisation_id"))
    op.drop_table("stock_publish_feeds")
    with op.batch_alter_table("stock_publish_runs", schema=None) as batch_op:
        batch_op.drop_column("submitted")
