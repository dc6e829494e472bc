"""carrier_account_environment: a carrier account's API environment and its run claim

Revision ID: 0038
Revises: 0035
Create Date: 2026-12-06 04:30:00

`environment` says which of the carrier's base URLs the account's credentials belong to:
`production` (every existing account) or `sandbox` (the carrier's test environment).
`polling_until` is the claim a poll run puts on the account in its first short transaction, so
a second run of the same workspace leaves the carrier alone while the first is calling it; the
run clears it when it stores the answers, and a run that died lets it lapse (docs/tracking.md,
"Carrier polling").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import linkstar.db.base

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tracking_carrier_accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "environment", sa.String(length=10), nullable=False, server_default="production"
            )
        )
        batch_op.add_column(
            sa.Column("polling_until", linkstar.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_carrier_accounts", schema=None) as batch_op:
        batch_op.drop_column("polling_until")
        batch_op.drop_column("environment")
