"""shipments_epoch_columns: summary times as generated epoch seconds; the sweep index re-cut

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-05 04:00:00

The sweep and the lane statistics compare and subtract the shipment's summary times millions
of times. Each time is now also a generated integer column (whole epoch seconds, UTC, the fraction dropped on both databases) that the
database computes from the time itself: virtual on SQLite (stored in the index only), stored on
PostgreSQL. No writer has to maintain them, and existing rows are filled by the database when
the columns are added. The covering index of 0020 holds the integers instead of the times.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EPOCHS = {
    "last_event_s": "last_event_at", "status_since_s": "status_since",
    "first_scan_s": "first_scan_at", "delivered_s": "delivered_at",
    "promised_s": "promised_by", "created_s": "created_at",
}  # fmt: skip
OLD_INDEX = [
    "organisation_id", "carrier", "dest_country", "last_event_at", "status", "status_since",
    "first_scan_at", "sub_status", "promised_by", "delivered_at", "unmapped_count",
    "carrier_service", "warehouse_id", "dest_postcode", "created_at", "id",
]  # fmt: skip
NEW_INDEX = [
    "organisation_id", "carrier", "dest_country", "last_event_s", "status", "status_since_s",
    "first_scan_s", "sub_status", "promised_s", "delivered_s", "unmapped_count",
    "carrier_service", "warehouse_id", "dest_postcode", "created_s", "id",
]  # fmt: skip


def _epoch(column: str, dialect: str) -> str:
    if dialect == "postgresql":  # EXTRACT from a timestamptz is only stable; from an interval,
        # immutable (a generated column needs that)
        return (
            f"CAST(FLOOR(EXTRACT(EPOCH FROM ({column} - TIMESTAMPTZ '1970-01-01 00:00:00+00'))) "
            "AS BIGINT)"
        )
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_shipments_sweep", table_name="shipments")
    for name, source in EPOCHS.items():
        # Not a batch operation: SQLite adds a virtual generated column in place.
        stored = True if dialect == "postgresql" else None  # None: SQLite's virtual
        generated = sa.Computed(_epoch(source, dialect), persisted=stored)
        op.add_column("shipments", sa.Column(name, sa.BigInteger(), generated))
    op.create_index("ix_shipments_sweep", "shipments", NEW_INDEX, unique=False)


def downgrade() -> None:
    op.drop_index("ix_shipments_sweep", table_name="shipments")
    for name in EPOCHS:
        op.drop_column("shipments", name)
    op.create_index("ix_shipments_sweep", "shipments", OLD_INDEX, unique=False)
