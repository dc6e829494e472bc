"""tracking_events_no_fk: events follow their shipment by a delete trigger, not a foreign key

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 01:30:00

The foreign key tracking_events.shipment_id -> shipments.id (ON DELETE CASCADE) checked its
parent once per inserted event: on PostgreSQL a row-level RI trigger (a locking look-up in
shipments) that was about 40 % of the server's CPU for a batch of new events (measured,
docs/benchmarks.md). Bulk ingestion only ever writes events of shipments it created in the same
transaction or found and locked once per shipment (`event_store.insert_events`), so the check
per event is replaced by:
- a delete trigger on shipments that removes the shipment's events (the cascade kept, also
  when an organisation's deletion cascades to its shipments);
- on PostgreSQL, the ingestion's own lock (`FOR KEY SHARE`) of the known shipments it adds
  events to, one per shipment, which fails the batch if one was deleted meanwhile.
Events are kept as they are (SQLite rebuilds the table in batch mode, ids included). The
downgrade removes events whose shipment is gone (none unless a writer broke the rule; they
would fail the restored key) and restores the foreign key.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_tracking_events_shipment_id_shipments"
TRIGGER = "tracking_events_follow_shipment"
# SQLite fires it for each deleted shipment, also for deletes cascaded from organisations.
SQLITE_TRIGGER = (
    "CREATE TRIGGER tracking_events_follow_shipment AFTER DELETE ON shipments BEGIN "
    "DELETE FROM tracking_events WHERE shipment_id = old.id; END"
)
# PostgreSQL: once per statement, over the statement's deleted rows (a cascade from
# organisations is one statement per organisation), one join on the unique index's prefix.
PG_FUNCTION = (
    "CREATE FUNCTION tracking_events_follow_shipment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM tracking_events e USING gone WHERE e.shipment_id = gone.id; "
    "RETURN NULL; END $$"
)
PG_TRIGGER = (
    f"CREATE TRIGGER {TRIGGER} AFTER DELETE ON shipments REFERENCING OLD TABLE AS gone "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
)


def upgrade() -> None:
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON shipments")
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    op.execute(
        "DELETE FROM tracking_events WHERE NOT EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.id = tracking_events.shipment_id)"
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.create_foreign_key(FK, "shipments", ["shipment_id"], ["id"], ondelete="CASCADE")
