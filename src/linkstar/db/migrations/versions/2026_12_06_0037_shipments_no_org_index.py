"""shipments_no_org_index: drop ix_shipments_organisation_id

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 04:45:00

The `OrgScoped` mixin indexes `organisation_id` on every tenant table. On shipments every other
index starts with it (the unique (organisation, carrier, number) key first of all), so the
planners have other ways in for an organisation's rows and for the cascade from
`organisations`, and the index only cost each shipment insert an entry (docs/tracking.md §1).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_shipments_organisation_id", table_name="shipments")


def downgrade() -> None:
    op.create_index("ix_shipments_organisation_id", "shipments", ["organisation_id"], unique=False)
