"""shipments_finished_index: the sweep's covering index split by whether a shipment is finished

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 23:30:00

The exception sweep checks the shipments not finished (delivered or returned) and those finished
within its recent days; the lane statistics read those finished within their look-back. Both
walked the one covering index of every shipment (0025, 0029), of which most were finished long
ago. It becomes two partial covering indexes over the same columns: `ix_shipments_sweep` of the
unfinished shipments, and `ix_shipments_finished` of the finished ones by (organisation, when
they finished), which the sweep and the statistics seek from their first day.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "organisation_id", "carrier", "dest_country", "last_event_s", "status", "status_since_s",
    "first_scan_s", "sub_status", "promised_s", "delivered_s", "unmapped_count",
    "carrier_service", "warehouse_id", "dest_postcode", "created_s", "lane_id", "id",
]  # fmt: skip
FINISHED = "status IN ('delivered', 'returned')"
UNFINISHED = "status NOT IN ('delivered', 'returned')"


def _partial(name: str, columns: list[str], where: str) -> None:
    clause = sa.text(where)
    op.create_index(
        name, "shipments", columns, unique=False, sqlite_where=clause, postgresql_where=clause
    )


def upgrade() -> None:
    op.drop_index("ix_shipments_sweep", table_name="shipments")
    _partial("ix_shipments_sweep", COLUMNS, UNFINISHED)
    rest = [c for c in COLUMNS if c not in ("organisation_id", "status_since_s")]
    _partial("ix_shipments_finished", ["organisation_id", "status_since_s", *rest], FINISHED)


def downgrade() -> None:
    op.drop_index("ix_shipments_finished", table_name="shipments")
    op.drop_index("ix_shipments_sweep", table_name="shipments")
    op.create_index("ix_shipments_sweep", "shipments", COLUMNS, unique=False)
