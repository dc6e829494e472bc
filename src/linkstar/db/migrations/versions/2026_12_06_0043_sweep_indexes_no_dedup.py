"""The sweep's covering indexes keep no duplicates on PostgreSQL (deduplicate_items off)

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 13:40:00

`ix_shipments_sweep` and `ix_shipments_finished` end in the shipment id, so no two of their
entries are equal, and ingestion's write-back changes their keys (`last_event_s`) on every
update: a version of a shipment is never a duplicate of the one before. PostgreSQL's
deduplication still runs a pass over a full leaf page before splitting it, and finds nothing
to merge (about 5 % of a write-back's profile). Measured on 20,000 later scans: the
write-back's server CPU 0.92 to 1.21 → 0.76 to 0.78 s in three pairs, not confirmed by three
more at a heavier load (docs/benchmarks.md, pg14): a modest gain. A storage parameter: no
rebuild, it applies to the pages written from now on. SQLite has no such option: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = ("ix_shipments_sweep", "ix_shipments_finished")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _INDEXES:
            op.execute(f"ALTER INDEX {name} SET (deduplicate_items = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _INDEXES:
            op.execute(f"ALTER INDEX {name} RESET (deduplicate_items)")
