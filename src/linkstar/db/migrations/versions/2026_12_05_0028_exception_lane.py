"""exception_lane: exceptions record the lane they were opened on

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 22:00:00

A tracking exception now carries the shipment's carrier, destination country and last scan as
they were when the exception opened, so the disruption judgement counts exceptions per lane
without a join to the shipments (docs/tracking.md, "Exceptions record their lane"). Existing
rows are filled from their shipment as it is now. Two indexes follow the sweep's set-based
reads: exceptions by (organisation, kind, shipment, state) for its NOT EXISTS probes and its read
of the open stalled ones, and by (organisation, opened at) holding what the per-lane counts
read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import linkstar.db.base

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANE_INDEX = ["organisation_id", "opened_at", "kind", "carrier", "dest_country", "last_scan_at"]
OPEN_INDEX = ["organisation_id", "kind", "shipment_id", "state"]


def upgrade() -> None:
    op.add_column("tracking_exceptions", sa.Column("carrier", sa.String(length=40)))
    op.add_column("tracking_exceptions", sa.Column("dest_country", sa.String(length=2)))
    op.add_column(
        "tracking_exceptions",
        sa.Column("last_scan_at", linkstar.db.base.UTCDateTime(timezone=True)),
    )
    op.execute(
        "UPDATE tracking_exceptions SET "
        "carrier = (SELECT s.carrier FROM shipments s WHERE s.id = shipment_id), "
        "dest_country = (SELECT s.dest_country FROM shipments s WHERE s.id = shipment_id), "
        "last_scan_at = (SELECT s.last_event_at FROM shipments s WHERE s.id = shipment_id)"
    )
    op.create_index("ix_tracking_exceptions_open", "tracking_exceptions", OPEN_INDEX)
    op.create_index("ix_tracking_exceptions_lane", "tracking_exceptions", LANE_INDEX)


def downgrade() -> None:
    op.drop_index("ix_tracking_exceptions_lane", table_name="tracking_exceptions")
    op.drop_index("ix_tracking_exceptions_open", table_name="tracking_exceptions")
    with op.batch_alter_table("tracking_exceptions") as batch_op:
        batch_op.drop_column("last_scan_at")
        batch_op.drop_column("dest_country")
        batch_op.drop_column("carrier")
