"""shipments_number_index: shipments by (organisation, tracking number), whatever the carrier

Revision ID: 0030
Revises: 0027
Create Date: 2026-12-05 22:00:00

The inbox linker (a tracking number in a buyer's message) and shipment creation look shipments
up by organisation and number without knowing the carrier. The only index on numbers was the
unique (organisation, carrier, number), which needs the carrier first: on PostgreSQL such a
look-up read every shipment of the organisation.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipments_org_number", ["organisation_id", "tracking_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_org_number")
