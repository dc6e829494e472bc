"""shipments_epochs_written: the six epoch columns become plain columns the application writes

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 04:30:00

Migration 0025 made them generated columns. On SQLite every status write-back paid for them
(20-25 µs of CPU a shipment against 11-20 µs with plain columns, measured): SQLite's handling
of generated columns on UPDATE, not the expression. They are now plain BIGINT columns, and
every writer of a source time writes its epoch too (`linkstar.tracking.core.epochs`, held by
tests/tracking/test_epoch_columns.py). Existing rows keep their values: PostgreSQL drops the
expression in place; SQLite, whose columns were virtual (nothing stored), drops them and adds
plain ones filled from the stored times (no table rebuild). The two covering indexes that
hold them are dropped first and rebuilt. The downgrade restores the generated columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EPOCHS = {
    "last_event_s": "last_event_at", "status_since_s": "status_since",
    "first_scan_s": "first_scan_at", "delivered_s": "delivered_at",
    "promised_s": "promised_by", "created_s": "created_at",
}  # fmt: skip
COLUMNS = [
    "organisation_id", "carrier", "dest_country", "last_event_s", "status", "status_since_s",
    "first_scan_s", "sub_status", "promised_s", "delivered_s", "unmapped_count",
    "carrier_service", "warehouse_id", "dest_postcode", "created_s", "lane_id", "id",
]  # fmt: skip
FINISHED = "status IN ('delivered', 'returned')"
UNFINISHED = "status NOT IN ('delivered', 'returned')"


def _epoch(column: str, dialect: str) -> str:
    """0025's generated expression (the downgrade's)."""
    if dialect == "postgresql":
        return (
            f"CAST(FLOOR(EXTRACT(EPOCH FROM ({column} - TIMESTAMPTZ '1970-01-01 00:00:00+00'))) "
            "AS BIGINT)"
        )
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _drop_indexes() -> None:
    op.drop_index("ix_shipments_finished", table_name="shipments")
    op.drop_index("ix_shipments_sweep", table_name="shipments")


def _create_indexes() -> None:
    for name, columns, where in (
        ("ix_shipments_sweep", COLUMNS, UNFINISHED),
        ("ix_shipments_finished",
         ["organisation_id", "status_since_s",
          *(c for c in COLUMNS if c not in ("organisation_id", "status_since_s"))], FINISHED),
    ):  # fmt: skip
        clause = sa.text(where)
        op.create_index(
            name, "shipments", columns, unique=False, sqlite_where=clause, postgresql_where=clause
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":  # stored values kept; the indexes stay as they are
        for name in EPOCHS:
            op.execute(f"ALTER TABLE shipments ALTER COLUMN {name} DROP EXPRESSION")
        return
    _drop_indexes()
    for name in EPOCHS:
        # Not a batch operation: SQLite drops a virtual column and adds a plain one in place.
        op.drop_column("shipments", name)
        op.add_column("shipments", sa.Column(name, sa.BigInteger(), nullable=True))
    # The seconds of the stored text (`YYYY-MM-DD HH:MM:SS.ffffff`), its fraction cut off
    # first: strftime rounds a time to the millisecond, so 0025's columns were one second
    # ahead for the last half millisecond of a second; `core.epochs` rounds down, as
    # PostgreSQL did.
    sets = ", ".join(
        f"{name} = CAST(strftime('%s', substr({source}, 1, 19)) AS INTEGER)"
        for name, source in EPOCHS.items()
    )
    op.execute(f"UPDATE shipments SET {sets}")  # noqa: S608
    _create_indexes()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_indexes()
    for name, source in EPOCHS.items():
        op.drop_column("shipments", name)
        stored = True if dialect == "postgresql" else None  # None: SQLite's virtual
        generated = sa.Computed(_epoch(source, dialect), persisted=stored)
        op.add_column("shipments", sa.Column(name, sa.BigInteger(), generated))
    _create_indexes()
