"""Ingestion and registration remember a carrier correction (issue #6): the old (carrier,
number) becomes an alias of the corrected shipment, and updates or registrations naming it land
on that shipment, normalised and keyed as its current carrier's, never in another workspace."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from linkstar.db.uow import unit_of_work
from linkstar.tracking import file_ingest, ingest_batch
from linkstar.tracking.aliases import aliases_of
from linkstar.tracking.carrier_correction import correct_carrier
from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.core.correction import recarried_columns
from linkstar.tracking.core.events import event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.file_ingest import ingest_events_file
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment, ShipmentCarrierAlias, TrackingEventRow
from linkstar.tracking.schemas import ShipmentCreate
from linkstar.tracking.shipments import register_shipments
from linkstar.workspace.models import Organisation
from tests.tracking.test_file_ingest import _file, _row

UPS = "1ZA1B2C30312345673"
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def scan(carrier: str, hours: int, code: str, text: str, source: str | None = None):  # type: ignore[no-untyped-def]
    return event_from_raw(carrier=carrier, event_time=T0 + timedelta(hours=hours), raw_code=code,
                          raw_description=text, code_source=source)  # fmt: skip


PICKUP = ("I/OR", "Pickup Scan")
ATTEMPT = ("X/48", "The receiver was not available for delivery.")
DELIVERED = ("D/FS", "DELIVERED")
AGGREGATOR = ("InTransit/InTransit_PickedUp", "Picked up")


def corrected(sessions, tenant) -> str:  # type: ignore[no-untyped-def]
    """A UPS parcel first fed as USPS, corrected to UPS. Returns its id."""
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [TrackingUpdate(UPS, "usps", (scan("usps", 0, *PICKUP),), "feed")])
        shipment_id = s.scalars(select(Shipment.id)).one()
        correct_carrier(s, tenant.principal, shipment_id, "ups")
        return shipment_id


def events_of(s, shipment_id: str) -> list[tuple[str, str | None, str, str]]:  # type: ignore[no-untyped-def]
    e = TrackingEventRow
    rows = s.execute(select(e.carrier, e.code_source, e.raw_code, e.status)
                     .where(e.shipment_id == shipment_id).order_by(e.event_time)).all()  # fmt: skip
    return [tuple(r) for r in rows]


def aliases(s, org_id: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    a = ShipmentCarrierAlias
    rows = s.execute(select(a.carrier, a.tracking_number, a.shipment_id)
                     .where(a.organisation_id == org_id).order_by(a.carrier)).all()  # fmt: skip
    return [tuple(r) for r in rows]


def test_a_correction_records_the_old_key_and_going_back_removes_it(sessions, tenant):
    shipment_id = corrected(sessions, tenant)
    with unit_of_work(sessions) as s:
        assert aliases(s, tenant.org.id) == [("usps", UPS, shipment_id)]
        correct_carrier(s, tenant.principal, shipment_id, "fedex")  # A → B → C keeps A and B
    with unit_of_work(sessions) as s:
        assert aliases(s, tenant.org.id) == [("ups", UPS, shipment_id), ("usps", UPS, shipment_id)]
        assert aliases_of(s, tenant.org.id, shipment_id) == [("usps", UPS), ("ups", UPS)]
        correct_carrier(s, tenant.principal, shipment_id, "usps")  # back: its alias goes
    with unit_of_work(sessions) as s:
        assert aliases(s, tenant.org.id) == [("fedex", UPS, shipment_id), ("ups", UPS, shipment_id)]
        correct_carrier(s, tenant.principal, shipment_id, "usps")  # the same carrier: no change
    with unit_of_work(sessions) as s:
        assert len(aliases(s, tenant.org.id)) == 2


def test_a_feed_naming_the_old_carrier_lands_on_the_corrected_shipment(sessions, tenant):
    shipment_id = corrected(sessions, tenant)
    feed = TrackingUpdate(UPS, "usps", (
        scan("usps", 0, *PICKUP), scan("usps", 5, *ATTEMPT),
        scan("usps", 3, *AGGREGATOR, source="17track"),
    ), "feed", "Priority Mail")  # fmt: skip
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, [feed])
        assert (report.shipments_created, report.shipments_touched) == (0, 1)
        assert (report.events_received, report.events_inserted, report.duplicates) == (3, 2, 1)
        assert report.unmapped == 0
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Shipment)) == 1
        row = s.get(Shipment, shipment_id)
        assert (row.carrier, row.carrier_service) == ("ups", None)  # the old service ignored
        assert (row.status, row.sub_status, row.event_count) == (
            "failed_attempt", "recipient_unavailable", 3)  # fmt: skip
        assert events_of(s, shipment_id) == [
            ("ups", None, "I/OR", "in_transit"),
            ("usps", "17track", "InTransit/InTransit_PickedUp", "in_transit"),  # kept as sent
            ("ups", None, "X/48", "failed_attempt"),
        ]
    # UPS's own answer later: the same scans are repeats (the fingerprint of the UPS identity).
    own = TrackingUpdate(UPS, "ups", (scan("ups", 0, *PICKUP), scan("ups", 5, *ATTEMPT),
                                      scan("ups", 9, *DELIVERED)), "ups")  # fmt: skip
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, [own])
        assert (report.events_inserted, report.duplicates, report.shipments_created) == (1, 2, 0)
        assert s.get(Shipment, shipment_id).status == "delivered"


def test_one_batch_mixing_an_alias_its_shipment_and_a_new_key(sessions, tenant, monkeypatch):
    shipment_id = corrected(sessions, tenant)
    calls: list[int] = []
    real = ingest_batch.find_aliased

    def counted(session, organisation_id, keys):  # type: ignore[no-untyped-def]
        calls.append(len(keys))
        return real(session, organisation_id, keys)

    monkeypatch.setattr(ingest_batch, "find_aliased", counted)
    batch = [
        TrackingUpdate(UPS, "usps", (scan("usps", 5, *ATTEMPT),), "feed"),
        TrackingUpdate(UPS, "ups", (scan("ups", 5, *ATTEMPT), scan("ups", 9, *DELIVERED)), "ups"),
        TrackingUpdate("9400111899223100000077", "usps", (scan("usps", 1, "03", "Picked up"),),
                       "feed"),
    ]  # fmt: skip
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, batch)
        assert calls == [2]  # one look-up, of the two keys no shipment has
        assert (report.updates, report.shipments_created, report.shipments_touched) == (3, 1, 2)
        assert (report.events_received, report.events_inserted) == (4, 3)
    with unit_of_work(sessions) as s:
        assert s.scalars(select(Shipment.carrier).order_by(Shipment.carrier)).all() == [
            "ups", "usps"]  # fmt: skip
        assert s.get(Shipment, shipment_id).status == "delivered"
        assert [e[3] for e in events_of(s, shipment_id)] == [
            "in_transit", "failed_attempt", "delivered"]  # fmt: skip
    calls.clear()
    with unit_of_work(sessions) as s:  # every key known: no look-up at all
        ingest(s, tenant.org.id, [TrackingUpdate(UPS, "ups", (scan("ups", 9, *DELIVERED),), "x")])
        assert calls == []


def test_another_workspaces_alias_is_never_used(sessions, tenant, make_tenant):
    shipment_id = corrected(sessions, tenant)
    other = make_tenant("Other Org")
    feed = TrackingUpdate(UPS, "usps", (scan("usps", 5, *ATTEMPT),), "feed")
    with unit_of_work(sessions) as s:
        report = ingest(s, other.org.id, [feed])
        assert report.shipments_created == 1
        created = register_shipments(s, other.principal, [ShipmentCreate(
            tracking_number=UPS, carrier="usps", order_ref="O-2")])[0]  # fmt: skip
    with unit_of_work(sessions) as s:
        theirs = s.scalars(select(Shipment).where(Shipment.organisation_id == other.org.id)).one()
        assert (theirs.id, theirs.carrier, theirs.order_ref) == (created.id, "usps", "O-2")
        assert [e[1:] for e in events_of(s, theirs.id)] == [(None, "X/48", "unmapped")]
        ours = s.get(Shipment, shipment_id)
        assert (ours.event_count, ours.order_ref) == (1, None)  # untouched
        assert aliases(s, other.org.id) == []


def test_registering_under_the_old_carrier_returns_the_corrected_shipment(sessions, tenant):
    shipment_id = corrected(sessions, tenant)
    item = ShipmentCreate(tracking_number=UPS.lower(), carrier="USPS", order_ref="A-1",
                          carrier_service="Priority Mail", dest_country="US")  # fmt: skip
    with unit_of_work(sessions) as s:
        found = register_shipments(s, tenant.principal, [item])
        assert [r.id for r in found] == [shipment_id]
    with unit_of_work(sessions) as s:
        row = s.get(Shipment, shipment_id)
        assert (row.carrier, row.carrier_service, row.order_ref, row.dest_country) == (
            "ups", None, "A-1", "US")  # fmt: skip
        assert s.scalar(select(func.count()).select_from(Shipment)) == 1


@pytest.mark.parametrize("what", ["shipment", "organisation"])
def test_deleting_the_shipment_or_the_workspace_removes_its_aliases(sessions, tenant, what):
    shipment_id = corrected(sessions, tenant)
    with unit_of_work(sessions) as s:
        if what == "shipment":
            s.execute(delete(Shipment).where(Shipment.id == shipment_id))
        else:
            s.execute(delete(Organisation).where(Organisation.id == tenant.org.id))
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(ShipmentCarrierAlias)) == 0


def test_core_recarries_only_the_aliased_updates_old_vocabulary():
    cols = from_updates([
        TrackingUpdate(UPS, "usps", (scan("usps", 0, *PICKUP),
                                     scan("usps", 1, *AGGREGATOR, source="17track")), "feed"),
        TrackingUpdate("X1", None, (scan("usps", 2, *PICKUP),), "feed"),
    ])  # fmt: skip
    moved = recarried_columns(cols, {0: ("usps", "ups")})
    assert list(moved.update_carrier) == ["ups", None]
    assert list(moved.carrier_service) == [None, None]
    assert list(moved.carrier) == ["ups", "usps", "usps"]
    assert list(moved.code_source) == [None, "17track", None]
    assert list(moved.status) == ["in_transit", "in_transit", "unmapped"]
    assert replace(moved, update_carrier=cols.update_carrier).raw_code == cols.raw_code


def test_an_events_file_in_chunks_naming_the_old_carrier_lands_on_the_shipment(
    sessions, tenant, monkeypatch
):
    monkeypatch.setattr(file_ingest, "CHUNK_ROWS", 2)
    with unit_of_work(sessions) as s:
        ingest_events_file(s, tenant.org.id, _file([_row(0, "usps", e) for e in (0, 1)], "csv"),
                           "csv", worker=False)  # fmt: skip
        shipment_id = s.scalars(select(Shipment.id)).one()
        correct_carrier(s, tenant.principal, shipment_id, "ups")
    rows = [_row(0, "usps", e) for e in range(5)]
    with unit_of_work(sessions) as s:
        report, _outcome = ingest_events_file(
            s, tenant.org.id, _file(rows, "csv"), "csv", worker=True
        )
        assert (report.shipments_created, report.shipments_touched) == (0, 1)
        assert (report.events_inserted, report.duplicates) == (3, 2)
    with unit_of_work(sessions) as s:
        assert s.scalars(select(Shipment.id)).all() == [shipment_id]
        stored = events_of(s, shipment_id)
        assert len(stored) == s.get(Shipment, shipment_id).event_count == 5
        assert {(carrier, source) for carrier, source, _code, _status in stored} == {("ups", None)}
