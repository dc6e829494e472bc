"""Bulk ingestion into the real database: de-duplication, event-time order, derived status."""

from __future__ import annotations

from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.tracking.ingest import dead_letter, ingest
from linkstar.tracking.models import Shipment, TrackingDeadLetter, TrackingEventRow
from tests.tracking.factories import impb
from tests.tracking.store import (
    ATTEMPT,
    DELIVERED,
    LABEL,
    OUT,
    PICKED_UP,
    PROCESSED,
    T0,
    UNKNOWN,
    update,
    usps,
)

NUMBER = "9400111899223100000001"


def _shipments(sessions, org_id):
    with sessions() as s:
        rows = s.scalars(select(Shipment).where(Shipment.organisation_id == org_id))
        return {r.tracking_number: r for r in rows}


def _event_count(sessions):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(TrackingEventRow))


def test_new_shipment_events_and_status_from_one_batch(sessions, tenant):
    journey = [usps(LABEL, 0), usps(PICKED_UP, 5), usps(PROCESSED, 20), usps(OUT, 40)]
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, [update(NUMBER, *journey, carrier_service="Ground")])
    assert report.as_dict() == {
        "updates": 1,
        "shipments_created": 1,
        "shipments_touched": 1,
        "events_received": 4,
        "events_inserted": 4,
        "duplicates": 0,
        "unmapped": 0,
        "rejected": [],
    }
    row = _shipments(sessions, tenant.org.id)[NUMBER]
    assert (row.carrier, row.carrier_service, row.status) == ("usps", "Ground", "out_for_delivery")
    assert row.status_since == journey[3].event_time
    assert row.first_scan_at == journey[1].event_time  # the label is not a scan
    assert row.last_event_at == journey[3].event_time
    assert row.event_count == 4 and row.delivered_at is None
    assert len(row.public_token) >= 40


def test_repeats_are_dropped_and_late_arrivals_are_placed_by_event_time(sessions, tenant):
    first = [usps(LABEL, 0), usps(PICKED_UP, 5), usps(DELIVERED, 50)]
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update(NUMBER, *first)])
    # An aggregator re-sends everything, plus two scans that happened before delivery.
    late = [*first, usps(PROCESSED, 20), usps(OUT, 40), usps(OUT, 40)]
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, [update(NUMBER, *late)])
    assert (report.events_received, report.events_inserted, report.duplicates) == (6, 2, 4)
    assert report.shipments_created == 0
    row = _shipments(sessions, tenant.org.id)[NUMBER]
    # Status follows event time, not arrival: the late "out for delivery" does not undo delivery.
    assert (row.status, row.delivered_at) == ("delivered", first[2].event_time)
    assert row.event_count == 5 == _event_count(sessions)


def test_a_return_after_delivery_replaces_it_and_unmapped_events_are_counted(sessions, tenant):
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update(NUMBER, usps(DELIVERED, 10))])
    with unit_of_work(sessions) as s:
        report = ingest(
            s,
            tenant.org.id,
            [update(NUMBER, usps(("09", "Return to Sender"), 30), usps(UNKNOWN, 31))],
        )
    assert report.unmapped == 1
    row = _shipments(sessions, tenant.org.id)[NUMBER]
    assert (row.status, row.unmapped_count, row.delivered_at) == ("returning_to_sender", 1, None)


def test_carrier_is_detected_when_absent_and_bad_updates_are_reported_not_stored(sessions, tenant):
    number = impb("940011189922310000001")
    good = update(number, usps(PICKED_UP, 1), carrier=None)
    nobody = update("HELLO", carrier=None, source="webhook")  # no events to say whose it is
    from_events = update("ZZ12345", usps(PICKED_UP, 2), carrier=None)  # the events say usps
    blank = update("---", usps(PICKED_UP, 1))
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, [good, nobody, blank, from_events])
    assert [(r.tracking_number, r.reason) for r in report.rejected] == [
        ("HELLO", "tracking number HELLO was not recognised as any carrier's; give `carrier`"),
        ("---", "not a tracking number"),
    ]
    assert report.events_received == 2 and report.events_inserted == 2
    shipments = _shipments(sessions, tenant.org.id)
    assert set(shipments) == {number, "ZZ12345"}
    assert {r.carrier for r in shipments.values()} == {"usps"}


def test_many_shipments_in_one_batch_and_tenants_stay_apart(sessions, make_tenant):
    a, b = make_tenant("Alpha Co"), make_tenant("Beta Co")
    batch = [
        update(f"94001118992231{i:08d}", usps(PICKED_UP, i % 7), usps(ATTEMPT, 30 + i % 5))
        for i in range(2_500)  # several IN-list chunks
    ]
    with unit_of_work(sessions) as s:
        report = ingest(s, a.org.id, batch)
    assert (report.shipments_created, report.events_inserted) == (2_500, 5_000)
    with unit_of_work(sessions) as s:
        again = ingest(s, b.org.id, batch[:3])
    assert (again.shipments_created, again.events_inserted) == (3, 6)  # B's own shipments
    shipments_a = _shipments(sessions, a.org.id)
    assert len(shipments_a) == 2_500
    assert {r.status for r in shipments_a.values()} == {"failed_attempt"}
    assert len(_shipments(sessions, b.org.id)) == 3


def test_a_failing_batch_writes_nothing(sessions, tenant):
    try:
        with unit_of_work(sessions) as s:
            ingest(s, tenant.org.id, [update(NUMBER, usps(PICKED_UP, 1))])
            raise RuntimeError("the request failed after ingesting")
    except RuntimeError:
        pass
    assert _shipments(sessions, tenant.org.id) == {}
    assert _event_count(sessions) == 0


def test_dead_letters_keep_the_payload_but_not_credentials(sessions, tenant):
    with unit_of_work(sessions) as s:
        dead_letter(
            s,
            tenant.org.id,
            source="17track",
            headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
            body='{"truncated": ',
            reason="malformed JSON at character 14",
        )
    with sessions() as s:
        row = s.scalars(select(TrackingDeadLetter)).one()
    assert (row.source, row.body, row.state) == ("17track", '{"truncated": ', "new")
    assert row.headers == {"Content-Type": "application/json"}
    assert row.received_at >= T0


def test_later_scans_continue_the_stored_state_exactly_like_a_full_recompute(sessions, make_tenant):
    in_two, at_once = make_tenant("Two Batches"), make_tenant("One Batch")
    early = [usps(LABEL, 0), usps(PICKED_UP, 5), usps(DELIVERED, 30)]
    later = [usps(("09", "Return to Sender"), 40), usps(UNKNOWN, 41), usps(PROCESSED, 42)]
    with unit_of_work(sessions) as s:
        ingest(s, in_two.org.id, [update(NUMBER, *early)])
    with unit_of_work(sessions) as s:
        report = ingest(s, in_two.org.id, [update(NUMBER, *later)])
    assert (report.events_inserted, report.duplicates) == (3, 0)
    with unit_of_work(sessions) as s:
        ingest(s, at_once.org.id, [update(NUMBER, *early, *later)])
    columns = (
        "status",
        "sub_status",
        "status_since",
        "last_event_at",
        "first_scan_at",
        "delivered_at",
        "event_count",
        "unmapped_count",
    )
    a = _shipments(sessions, in_two.org.id)[NUMBER]
    b = _shipments(sessions, at_once.org.id)[NUMBER]
    assert [getattr(a, c) for c in columns] == [getattr(b, c) for c in columns]
    # Returning replaces delivery (delivered is terminal, a return may follow it); returning is
    # not terminal, so the later scan decides, and the unmapped event before it no longer counts.
    assert (a.status, a.event_count, a.unmapped_count) == ("in_transit", 6, 0)
    assert a.delivered_at is None
