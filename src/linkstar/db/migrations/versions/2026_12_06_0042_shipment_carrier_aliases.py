"""shipment_carrier_aliases: the (carrier, number) a shipment had before a carrier correction

Revision ID: 0042
Revises: 0038
Create Date: 2026-12-06 07:20:00

A carrier correction (docs/tracking.md, "Correcting the carrier") writes the shipment's old
(carrier, number) here; ingestion and shipment registration that name the old key land on the
corrected shipment instead of creating a second one. Unique per (organisation, carrier,
number); the rows go with their shipment (`ON DELETE CASCADE`) and their organisation.

`ix_shipments_org_created` (organisation, created_at, id) serves the shipment lists'
newest-first order within an organisation, so SQLite reads a small workspace's page from the
index instead of scanning every workspace's shipments and sorting them;
`ix_shipments_org_status` gains (created_at, id) for the same order within a status (a
status-filtered page of a large workspace would otherwise walk all its shipments).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import linkstar.db.base

revision: str = "0042"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = linkstar.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "shipment_carrier_aliases",
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("shipment_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_shipment_carrier_aliases_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_carrier_aliases_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_carrier_aliases")),
        sa.UniqueConstraint(
            "organisation_id",
            "carrier",
            "tracking_number",
            name=op.f("uq_shipment_carrier_aliases_organisation_id_carrier_tracking_number"),
        ),
    )
    op.create_index(
        "ix_shipment_carrier_aliases_shipment_id",
        "shipment_carrier_aliases",
        ["shipment_id"],
        unique=False,
    )
    op.create_index(
        "ix_shipments_org_created", "shipments", ["organisation_id", "created_at", "id"]
    )
    op.drop_index("ix_shipments_org_status", table_name="shipments")
    op.create_index(
        "ix_shipments_org_status", "shipments", ["organisation_id", "status", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_shipments_org_status", table_name="shipments")
    op.create_index("ix_shipments_org_status", "shipments", ["organisation_id", "status"])
    op.drop_index("ix_shipments_org_created", table_name="shipments")
    op.drop_index("ix_shipment_carrier_aliases_shipment_id", table_name="shipment_carrier_aliases")
    op.drop_table("shipment_carrier_aliases")
