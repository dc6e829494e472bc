"""PostgreSQL: events of stored shipments are copied straight into the table; an event another
batch stored meanwhile sends the rows through `ON CONFLICT DO NOTHING` instead, with the
shipments still locked (`event_store_pg.copy_events`). Lists travel as one split text."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from linkstar.db.uow import unit_of_work
from linkstar.tracking.event_store import insert_events
from linkstar.tracking.event_store_pg import text_array
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment
from tests.tracking.store import LABEL, PICKED_UP, update, usps

NUMBER = "9400111899223100000097"
_EVENTS = "SELECT fingerprint FROM tracking_events ORDER BY fingerprint"


def _event(org: str, shipment_id: str, fingerprint: int) -> tuple[object, ...]:
    return (org, shipment_id, fingerprint, 0, "usps", None, "10", "x", "in_transit",
            *[None] * 7, "api", 0)  # fmt: skip


@pytest.fixture
def stored(engine, sessions, tenant):  # type: ignore[no-untyped-def]
    if engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL's COPY path")
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update(NUMBER, usps(LABEL, 0))])
    with sessions() as s:
        shipment_id = s.execute(text("SELECT id FROM shipments")).scalar_one()
        label = s.execute(text(_EVENTS)).scalar_one()
    return shipment_id, label


def test_postgres_new_events_of_a_stored_shipment_are_copied(sessions, tenant, stored):
    shipment_id, label = stored
    with unit_of_work(sessions) as s:
        rows = [_event(tenant.org.id, shipment_id, fp) for fp in (7, 8)]
        assert insert_events(s, rows) == 2
    with sessions() as s:
        assert s.execute(text(_EVENTS)).scalars().all() == sorted([label, 7, 8])


def test_postgres_an_event_stored_meanwhile_is_skipped_and_the_shipment_stays_locked(
    sessions, engine, tenant, stored
):
    shipment_id, label = stored
    with unit_of_work(sessions) as s:  # another batch stored fingerprint 7 first
        assert insert_events(s, [_event(tenant.org.id, shipment_id, 7)]) == 1
    with unit_of_work(sessions) as s:
        rows = [_event(tenant.org.id, shipment_id, fp) for fp in (7, 8)]
        assert insert_events(s, rows) == 1
        # The copy was undone and the rows staged, the shipment lock (taken before) kept.
        with engine.connect() as other:
            other.execute(text("SET lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                other.execute(text("DELETE FROM shipments WHERE id = :id"), {"id": shipment_id})
            other.rollback()
    with sessions() as s:
        assert s.execute(text(_EVENTS)).scalars().all() == sorted([label, 7, 8])


def test_postgres_two_batches_of_the_same_later_scan_at_once_store_it_once(
    sessions, tenant, stored
):
    later = [update(NUMBER, usps(PICKED_UP, 5))]
    first = sessions()
    assert ingest(first, tenant.org.id, later).events_inserted == 1  # not committed yet
    reports: list[Any] = []

    def second() -> None:
        with unit_of_work(sessions) as s:
            reports.append(ingest(s, tenant.org.id, later))

    other = threading.Thread(target=second)
    other.start()
    time.sleep(0.5)
    assert other.is_alive()  # its copy waits on the first batch's uncommitted event
    first.commit()
    first.close()
    other.join(10)
    assert [(r.events_inserted, r.duplicates) for r in reports] == [(0, 1)]
    with sessions() as s:
        assert len(s.execute(text(_EVENTS)).scalars().all()) == 2
        shipment = s.query(Shipment).one()
        assert (shipment.event_count, shipment.status) == (2, "in_transit")


@pytest.mark.parametrize(
    ("items", "joined"),
    [
        (["A1", "", "B2"], True),
        (["A1"], True),
        ([""], False),
        (["A\n1", "B2"], False),
        ([], False),
    ],
)
def test_postgres_text_arrays_round_trip(engine, items, joined):  # type: ignore[no-untyped-def]
    if engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL arrays")
    expression, param = text_array(items)
    assert isinstance(param, str) is joined
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(f"SELECT {expression}", [param])
            assert cursor.fetchone()[0] == items
