"""Events of new shipments are copied as their rows are built (`Events.rows` is lazy,
`event_store_pg.copy_rows` writes each row as it is taken): every row of a batch larger than
one build chunk is stored exactly once, the count is the server's, and a failure in the
middle of the copy, raised by the rows or by the server, leaves nothing of the batch stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from linkstar.db.uow import unit_of_work
from linkstar.tracking.event_store import insert_events
from linkstar.tracking.ingest import ingest
from linkstar.tracking.ingest_events import _CHUNK
from linkstar.tracking.models import Shipment
from tests.tracking.store import DELIVERED, LABEL, OUT, PICKED_UP, PROCESSED, update, usps

_STEPS = (LABEL, PICKED_UP, PROCESSED, OUT, DELIVERED)
_PER_SHIPMENT = (
    "SELECT count(*), count(DISTINCT fingerprint) FROM tracking_events GROUP BY shipment_id"
)
_COUNTS = "SELECT (SELECT count(*) FROM shipments), (SELECT count(*) FROM tracking_events)"


def _batch(parcels: int) -> list:
    """Five events a parcel; every third parcel reports its label scan twice (dropped)."""
    out = []
    for p in range(parcels):
        events = [usps(step, 10 * k + p % 7) for k, step in enumerate(_STEPS)]
        if p % 3 == 0:
            events.append(events[0])
        out.append(update(f"9400111899223{p:09d}", *events))
    return out


def _event(org: str, shipment_id: str, fingerprint: int, raw_code: str | None = "10") -> tuple:
    return (org, shipment_id, fingerprint, 0, "usps", None, raw_code, "x", "in_transit",
            *[None] * 7, "api", 0)  # fmt: skip


def test_a_batch_of_several_row_chunks_stores_every_event_once(sessions, tenant):
    parcels = 2 * _CHUNK // len(_STEPS) + 41  # three build chunks of event rows
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, _batch(parcels))
    assert report.events_received == parcels * 5 + (parcels + 2) // 3
    assert report.events_inserted == parcels * 5
    assert report.shipments_created == parcels
    with sessions() as s:
        assert tuple(s.execute(text(_COUNTS)).one()) == (parcels, parcels * 5)
        per_shipment = s.execute(text(_PER_SHIPMENT)).all()
        assert {tuple(row) for row in per_shipment} == {(5, 5)}


@pytest.fixture
def shipment(sessions, tenant) -> str:
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update("9400111899223100000097", usps(LABEL, 0))])
    with sessions() as s:
        return str(s.execute(text("SELECT id FROM shipments")).scalar_one())


def test_fresh_rows_taken_lazily_are_counted_by_the_server(sessions, tenant, shipment):
    taken = []

    def rows() -> Iterator[tuple]:
        for fp in range(10, 10 + 3 * _CHUNK):
            taken.append(fp)
            yield _event(tenant.org.id, shipment, fp)

    with unit_of_work(sessions) as s:
        assert insert_events(s, rows(), fresh=True) == 3 * _CHUNK
    assert len(taken) == 3 * _CHUNK
    with sessions() as s:
        assert tuple(s.execute(text(_COUNTS)).one()) == (1, 1 + 3 * _CHUNK)


def test_no_rows_send_no_statement(sessions, tenant, shipment):
    with unit_of_work(sessions) as s:
        assert insert_events(s, iter(()), fresh=True) == 0
        assert insert_events(s, []) == 0


class _Broken(RuntimeError):
    pass


def test_rows_failing_mid_copy_leave_nothing_of_the_batch(sessions, tenant, shipment):
    def rows() -> Iterator[tuple]:
        for fp in range(10, 10 + 2 * _CHUNK):
            yield _event(tenant.org.id, shipment, fp)
        raise _Broken("the source failed")

    with pytest.raises(_Broken), unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, _batch(3))  # shipments created in the same transaction
        insert_events(s, rows(), fresh=True)
    with sessions() as s:
        assert tuple(s.execute(text(_COUNTS)).one()) == (1, 1)
        assert s.query(Shipment.id).scalar() == shipment


def test_a_row_the_server_refuses_mid_copy_leaves_nothing_of_the_batch(
    sessions, engine, tenant, shipment
):
    if engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL's COPY (SQLite's INSERT OR IGNORE skips such a row)")
    from psycopg.errors import NotNullViolation

    refused = 2 * _CHUNK  # after several hundred kilobytes were sent
    rows = [
        _event(tenant.org.id, shipment, fp, None if fp == refused else "10")
        for fp in range(10, 10 + 3 * _CHUNK)
    ]
    with pytest.raises(NotNullViolation, match="raw_code"), unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, _batch(3))
        insert_events(s, iter(rows), fresh=True)
    with sessions() as s:  # the pooled connection is usable again, nothing of the batch kept
        assert tuple(s.execute(text(_COUNTS)).one()) == (1, 1)
