"""PostgreSQL: bulk ingestion writes the rows of stored shipments in shipment-id order, whatever
order the batch names them in (`event_store_pg`): the status write-back updates them in that
order and the known shipments' events are copied in it. The sweep's two covering indexes keep
no duplicates (migration 0043)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from linkstar.db.uow import unit_of_work
from linkstar.tracking.ingest import ingest
from tests.tracking.store import LABEL, PICKED_UP, PROCESSED, update, usps

NUMBERS = [f"9400{i:018d}" for i in range(1, 41)]
# An after-update trigger that logs the order the write-back visits the shipments in.
_LOG = (
    "CREATE TEMP TABLE update_log (n serial, shipment_id text)",
    "CREATE FUNCTION pg_temp.log_update() RETURNS trigger LANGUAGE plpgsql AS "
    "$$BEGIN INSERT INTO update_log (shipment_id) VALUES (NEW.id); RETURN NULL; END$$",
    "CREATE TRIGGER log_update AFTER UPDATE ON shipments FOR EACH ROW "
    "EXECUTE FUNCTION pg_temp.log_update()",
)


@pytest.fixture
def stored(engine, sessions, tenant):  # type: ignore[no-untyped-def]
    if engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL's write order")
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update(n, usps(LABEL, 0)) for n in NUMBERS])
    with sessions() as s:
        ids = dict(s.execute(text("SELECT tracking_number, id FROM shipments")).all())
    assert len(ids) == len(NUMBERS)
    return ids


def _shuffled() -> list[str]:
    numbers = list(NUMBERS)
    random.Random(5).shuffle(numbers)
    assert numbers != sorted(numbers)
    return numbers


def test_postgres_write_back_updates_shipments_in_id_order(sessions, tenant, stored):
    s = sessions()
    try:
        for sql in _LOG:
            s.execute(text(sql))
        report = ingest(s, tenant.org.id, [update(n, usps(PICKED_UP, 5)) for n in _shuffled()])
        assert report.events_inserted == len(NUMBERS)
        visited = s.execute(text("SELECT shipment_id FROM update_log ORDER BY n")).scalars().all()
        assert visited == sorted(stored.values())
        statuses = s.execute(text("SELECT DISTINCT status, event_count FROM shipments")).all()
        assert statuses == [("in_transit", 2)]
    finally:
        s.rollback()  # the trigger and its function go with the transaction
        s.close()


def test_postgres_events_of_stored_shipments_are_copied_in_shipment_order(sessions, tenant, stored):
    later = [update(n, usps(PICKED_UP, 5), usps(PROCESSED, 9)) for n in _shuffled()]
    with unit_of_work(sessions) as s:
        assert ingest(s, tenant.org.id, later).events_inserted == 2 * len(NUMBERS)
    with sessions() as s:
        copied = s.execute(
            text(
                "SELECT shipment_id, event_time FROM tracking_events "
                "WHERE status <> 'info_received' ORDER BY ctid"
            )
        ).all()
    # an insert-only table: `COPY` fills its pages in row order, each shipment's events together
    # and in their batch order
    expected = [(i, t) for i in sorted(stored.values()) for t in sorted({t for _, t in copied})]
    assert copied == expected


def test_postgres_sweep_indexes_keep_no_duplicates(engine, sessions):
    if engine.dialect.name == "sqlite":
        pytest.skip("a PostgreSQL storage parameter")
    with sessions() as s:
        options = dict(
            s.execute(
                text(
                    "SELECT relname, reloptions FROM pg_class WHERE relname IN "
                    "('ix_shipments_sweep', 'ix_shipments_finished', 'ix_shipments_org_status')"
                )
            ).all()
        )
    assert options == {
        "ix_shipments_sweep": ["deduplicate_items=off"],
        "ix_shipments_finished": ["deduplicate_items=off"],
        "ix_shipments_org_status": None,
    }
