"""Migration 0032 drops the events' foreign key to shipments for a delete trigger: stored events
are kept, deleting a shipment or its organisation still removes its events, and the downgrade
restores the key (events kept)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import bindparam, inspect, text
from sqlalchemy.exc import OperationalError

from linkstar.db.base import UTCDateTime
from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import alembic_config, upgrade
from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import Conflict
from linkstar.tracking.event_store import insert_events
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment
from linkstar.workspace.access import create_organisation
from linkstar.workspace.models import Organisation
from tests.tracking.store import DELIVERED, LABEL, PICKED_UP, update, usps

AT = datetime(2026, 12, 1, 9, 30, 15, 250_000, tzinfo=UTC)
FK = "fk_tracking_events_shipment_id_shipments"
_SHIPMENT = text(
    "INSERT INTO shipments (id, organisation_id, tracking_number, carrier, status, event_count, "
    "unmapped_count, source, public_token, created_at, updated_at) "
    "VALUES (:id, :org, :id, 'usps', 'in_transit', 1, 0, 'api', :id, :at, :at)"
).bindparams(bindparam("at", type_=UTCDateTime()))
_EVENT = text(
    "INSERT INTO tracking_events (id, organisation_id, shipment_id, fingerprint, event_time, "
    "carrier, raw_code, raw_description, status, source, received_at) "
    "VALUES (:id, :org, :shipment, :fp, :at, 'usps', '10', 'Processed', 'in_transit', 'api', :at)"
).bindparams(bindparam("at", type_=UTCDateTime()))
_EVENTS = "SELECT id, shipment_id, fingerprint FROM tracking_events ORDER BY id"


def _fks(conn) -> set[str]:  # type: ignore[no-untyped-def]
    return {fk["name"] for fk in inspect(conn).get_foreign_keys("tracking_events")}


def test_events_are_kept_and_still_follow_their_shipment_and_organisation(empty_url):
    engine = make_engine(empty_url)  # the application's pragmas: SQLite foreign keys on
    upgrade(engine, "0031")
    with unit_of_work(make_session_factory(engine)) as session:
        orgs = [create_organisation(session, f"Org {i}", f"o{i}@x.example", "Bench-Pass-2026")[0]
                for i in (1, 2)]  # fmt: skip
        org, other = orgs[0].id, orgs[1].id
    with engine.begin() as conn:
        for shipment, owner in (("s1", org), ("s2", org), ("s3", other)):
            conn.execute(_SHIPMENT, {"id": shipment, "org": owner, "at": AT})
        for event_id, shipment, owner in ((1, "s1", org), (2, "s1", org), (3, "s2", org),
                                          (4, "s3", other)):  # fmt: skip
            conn.execute(_EVENT, {"id": event_id, "org": owner, "shipment": shipment,
                                  "fp": -event_id * 2**40, "at": AT})  # fmt: skip
    upgrade(engine, "0032")
    with engine.begin() as conn:
        assert FK not in _fks(conn)
        assert [tuple(r) for r in conn.execute(text(_EVENTS))] == [
            (1, "s1", -(2**40)), (2, "s1", -2 * 2**40), (3, "s2", -3 * 2**40),
            (4, "s3", -4 * 2**40),
        ]  # fmt: skip
        conn.execute(text("DELETE FROM shipments WHERE id = 's1'"))
        assert [r[0] for r in conn.execute(text(_EVENTS))] == [3, 4]
        conn.execute(text("DELETE FROM organisations WHERE id = :org"), {"org": org})
        assert [r[0] for r in conn.execute(text(_EVENTS))] == [4]
        # An event whose shipment is gone (only a broken writer could leave one) is what the
        # downgrade drops before it restores the key.
        conn.execute(_EVENT, {"id": 5, "org": other, "shipment": "gone", "fp": 5, "at": AT})
    command.downgrade(alembic_config(engine), "0031")
    with engine.begin() as conn:
        assert FK in _fks(conn)
        assert [tuple(r) for r in conn.execute(text(_EVENTS))] == [(4, "s3", -4 * 2**40)]
        conn.execute(text("DELETE FROM shipments WHERE id = 's3'"))
        assert list(conn.execute(text(_EVENTS))) == []
    engine.dispose()


def test_deleting_a_shipment_or_its_organisation_removes_its_events(sessions, make_tenant):
    acme, other = make_tenant("Acme"), make_tenant("Other")
    journey = [usps(LABEL, 0), usps(PICKED_UP, 5), usps(DELIVERED, 40)]
    for tenant in (acme, other):
        with unit_of_work(sessions) as s:
            ingest(s, tenant.org.id, [update(f"94001118992231000000{i:02d}", *journey)
                                      for i in range(3)])  # fmt: skip
    count = text("SELECT organisation_id, count(*) FROM tracking_events GROUP BY organisation_id")
    with unit_of_work(sessions) as s:
        assert dict(s.execute(count).all()) == {acme.org.id: 9, other.org.id: 9}
        s.delete(_one(s, acme))
    with unit_of_work(sessions) as s:
        assert dict(s.execute(count).all()) == {acme.org.id: 6, other.org.id: 9}
        s.delete(s.get(Organisation, acme.org.id))
    with unit_of_work(sessions) as s:
        assert dict(s.execute(count).all()) == {other.org.id: 9}


def _one(session, tenant):  # type: ignore[no-untyped-def]
    return session.query(Shipment).filter_by(organisation_id=tenant.org.id).first()


def test_postgres_events_of_a_shipment_deleted_meanwhile_fail_the_batch(sessions, tenant):
    journey = [usps(LABEL, 0), usps(PICKED_UP, 5)]
    number = "9400111899223100000099"
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update(number, *journey)])
    with sessions() as s:
        shipment_id = _one(s, tenant).id
    with unit_of_work(sessions) as s:
        s.execute(text("DELETE FROM shipments WHERE id = :id"), {"id": shipment_id})
    with sessions() as s:
        if s.connection().dialect.name == "sqlite":
            pytest.skip("SQLite serialises writers: a shipment found is there until commit")
        event = (tenant.org.id, shipment_id, 7, 0, "usps", None, "10", "x", "in_transit",
                 *[None] * 7, "api", 0)  # fmt: skip
        with pytest.raises(Conflict):
            insert_events(s, [event])
        s.rollback()


def test_postgres_a_shipment_getting_events_cannot_be_deleted_until_they_commit(
    sessions, engine, tenant
):
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: nothing deletes during a batch")
    number = "9400111899223100000098"
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update(number, usps(LABEL, 0))])
    with unit_of_work(sessions) as s:
        # Not committed yet: the shipment is locked (by the batch before its events go in, and
        # by its status update), so a delete waits, and then takes the new event along.
        ingest(s, tenant.org.id, [update(number, usps(PICKED_UP, 5))])
        with engine.connect() as other:
            other.execute(text("SET lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                other.execute(text("DELETE FROM shipments WHERE tracking_number = :n"),
                              {"n": number})  # fmt: skip
            other.rollback()
    with engine.begin() as other:  # committed now: the delete takes the new event along
        other.execute(text("DELETE FROM shipments WHERE tracking_number = :n"), {"n": number})
        assert other.execute(text("SELECT count(*) FROM tracking_events")).scalar() == 0
