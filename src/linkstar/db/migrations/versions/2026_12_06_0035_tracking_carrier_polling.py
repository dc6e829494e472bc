"""tracking_carrier_polling: carrier API accounts per workspace and poll state per shipment

Revision ID: 0035
Revises: 0031
Create Date: 2026-12-06 02:30:00

`tracking_carrier_accounts` holds a workspace's credentials for the USPS, UPS, FedEx and DHL
tracking APIs (encrypted with the workspace SecretBox, one account per carrier) with the
API's saved token bucket, last run and last error. `tracking_poll_state` is a narrow table
keyed by shipment (not columns on the hot `shipments` table): when the poller last asked
about the parcel, when it is next due and what came back (docs/tracking.md, "Carrier
polling").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import linkstar.db.base

revision: str = "0035"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = linkstar.db.base.UTCDateTime(timezone=True)


def _organisation(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f(f"fk_{table}_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "tracking_carrier_accounts",
        sa.Column("carrier", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("credentials_encrypted", sa.Text(), nullable=False),
        sa.Column("credentials_hint", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bucket", sa.JSON(), nullable=True),
        sa.Column("last_run_at", UTC_TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        *_organisation("tracking_carrier_accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_carrier_accounts")),
        sa.UniqueConstraint(
            "organisation_id",
            "carrier",
            name=op.f("uq_tracking_carrier_accounts_organisation_id_carrier"),
        ),
    )
    with op.batch_alter_table("tracking_carrier_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracking_carrier_accounts_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
    op.create_table(
        "tracking_poll_state",
        sa.Column("id", sa.String(length=32), nullable=False),  # the shipment's id
        sa.Column("last_polled_at", UTC_TIME, nullable=False),
        sa.Column("next_poll_at", UTC_TIME, nullable=True),
        sa.Column("last_outcome", sa.String(length=20), nullable=False),
        *_organisation("tracking_poll_state"),
        sa.ForeignKeyConstraint(
            ["id"],
            ["shipments.id"],
            name=op.f("fk_tracking_poll_state_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_poll_state")),
    )
    with op.batch_alter_table("tracking_poll_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracking_poll_state_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_poll_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_poll_state_organisation_id"))
    op.drop_table("tracking_poll_state")
    with op.batch_alter_table("tracking_carrier_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_carrier_accounts_organisation_id"))
    op.drop_table("tracking_carrier_accounts")
