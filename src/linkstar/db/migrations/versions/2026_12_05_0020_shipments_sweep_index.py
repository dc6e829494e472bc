"""shipments_sweep_index: one covering index for the exception sweep and the lane statistics

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-05 00:50:00

The sweep (candidate read, count in scope, moving parcels per carrier and country) and the
statistics refresh read only the columns listed here; with all of them in one index ordered by
organisation, carrier and country, both databases answer from the index alone (a narrow copy of
the summary columns ingestion already keeps), and the per-carrier grouping needs no sort.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "organisation_id", "carrier", "dest_country", "last_event_at", "status", "status_since",
    "first_scan_at", "sub_status", "promised_by", "delivered_at", "unmapped_count",
    "carrier_service", "warehouse_id", "dest_postcode", "created_at", "id",
]  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index("ix_shipments_sweep", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_sweep")
