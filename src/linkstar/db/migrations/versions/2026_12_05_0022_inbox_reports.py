"""inbox reports and A/B variants in replies

Threads keep their first SLA deadline and when they were closed (reports read them), a
reply keeps the A/B test and variant that chose its template, and A/B outcomes are found by
thread; orders are found by buyer e-mail.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import linkstar.db.base

# What the inbox reports read (an index-only scan on PostgreSQL; SQLite ignores INCLUDE).
REPORT_COLUMNS = [
    "channel",
    "intent",
    "status",
    "first_response_at",
    "first_response_due_at",
    "closed_at",
    "buyer_address",
    "id",
]

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_threads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "first_response_due_at",
                linkstar.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("closed_at", linkstar.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_inbox_threads_org_created",
            ["organisation_id", "created_at"],
            unique=False,
            postgresql_include=REPORT_COLUMNS,
        )
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ab_test_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("ab_variant", sa.String(length=40), nullable=True))
    with op.batch_alter_table("ab_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ab_outcomes_org_subject", ["organisation_id", "subject_id"], unique=False
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_org_buyer_email", ["organisation_id", "buyer_email"], unique=False
        )
    # Threads closed before this revision: their last activity is the best known close time.
    op.execute("UPDATE inbox_threads SET closed_at = last_activity_at WHERE status = 'closed'")


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_org_buyer_email")
    with op.batch_alter_table("ab_outcomes", schema=None) as batch_op:
        batch_op.drop_index("ix_ab_outcomes_org_subject")
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.drop_column("ab_variant")
        batch_op.drop_column("ab_test_id")
    with op.batch_alter_table("inbox_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_threads_org_created")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("first_response_due_at")
