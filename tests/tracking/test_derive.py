"""Current status from events: by event time, duplicates dropped, terminal statuses."""

from __future__ import annotations

from dataclasses import replace

from linkstar.tracking.core import Status, SubStatus, current_status, deduplicate, timeline
from tests.tracking.factories import event


def usps_journey():
    return [
        event("usps", "MA", "Pre-Shipment Info Sent to USPS", 0),
        event("usps", "03", "USPS in possession of item", 60),
        event("usps", "10", "Processed Through Facility", 600),
        event("usps", "07", "Arrival at Unit", 1400),
        event("usps", "OF", "Out for Delivery", 1500),
        event("usps", "01", "Delivered, In/At Mailbox", 1800),
    ]


def test_no_events_is_pending():
    result = current_status([])
    assert (result.status, result.event, result.terminal, result.since) == (
        Status.PENDING,
        None,
        False,
        None,
    )


def test_the_latest_event_by_event_time_decides_not_the_arrival_order():
    events = usps_journey()
    arrival_order = [events[5], events[0], events[3], events[1], events[4], events[2]]
    result = current_status(arrival_order)
    assert result.status is Status.DELIVERED
    assert result.terminal
    assert result.since == events[5].event_time
    assert list(timeline(arrival_order)) == events


def test_exact_duplicates_are_dropped():
    events = usps_journey()
    assert len(deduplicate(events + events[:3])) == len(events)
    assert timeline(events + list(reversed(events))) == tuple(events)


def test_a_re_normalised_copy_of_the_same_raw_event_counts_once():
    first = event("fedex", "DL/RS", "Returning package to shipper", 0)
    stale = replace(first, status=Status.DELIVERED, rule_id="fedex:old")
    assert len(deduplicate([first, stale])) == 1
    assert deduplicate([first, stale]) == deduplicate([stale, first])


def test_same_time_ties_go_to_the_further_advanced_status():
    out = event("usps", "OF", "Out for Delivery", 100)
    delivered = event("usps", "01", "Delivered, In/At Mailbox", 100)
    assert current_status([delivered, out]).status is Status.DELIVERED
    assert current_status([out, delivered]).status is Status.DELIVERED


def test_failed_attempt_then_redelivery():
    events = [
        event("ups", "O/OF", "Out For Delivery", 0),
        event("ups", "X/48", "The receiver was not available for delivery.", 300),
        event("ups", "O/OF", "Out For Delivery", 1440),
    ]
    assert current_status(events[:2]).status is Status.FAILED_ATTEMPT
    assert current_status(events[:2]).sub_status is SubStatus.RECIPIENT_UNAVAILABLE
    assert current_status(events).status is Status.OUT_FOR_DELIVERY


def test_return_journey_ends_returned_and_stays_returned():
    events = [
        event("usps", "02", "Notice Left", 0),
        event("usps", "27", "Unclaimed", 20000),
        event("usps", "10", "Processed Through Facility", 21000),
        event("usps", "01", "Delivered, To Original Sender", 25000),
        event("usps", "10", "Processed Through Facility", 26000),  # a late, stray scan
    ]
    assert current_status(events[:2]).status is Status.RETURNING_TO_SENDER
    assert current_status(events[:3]).status is Status.IN_TRANSIT
    final = current_status(events)
    assert final.status is Status.RETURNED
    assert final.terminal
    assert final.ignored_after_terminal == 1


def test_delivered_is_sticky_against_late_scans_but_not_against_returns():
    delivered = event("ups", "D/FS", "DELIVERED", 100)
    late_scan = event("ups", "I/AR", "Arrived at Facility", 200)
    result = current_status([delivered, late_scan])
    assert result.status is Status.DELIVERED
    assert result.ignored_after_terminal == 1
    returning = event("ups", "I/RT", "Returning to Sender: In Transit", 300)
    assert current_status([delivered, late_scan, returning]).status is (Status.RETURNING_TO_SENDER)
    damaged = event("ups", "X/DM", "Damage Reported", 300)
    assert current_status([delivered, damaged]).status is Status.EXCEPTION


def test_unmapped_events_never_decide_but_are_counted():
    events = [
        event("usps", "10", "Processed Through Facility", 0),
        event("usps", "Q1", "Some brand-new event", 100),
        event("usps", "Q2", "Another new event", 200),
    ]
    result = current_status(events)
    assert result.status is Status.IN_TRANSIT
    assert result.unmapped_after == 2
    assert current_status(events[:1]).unmapped_after == 0


def test_only_unmapped_events_give_unmapped():
    events = [event("usps", "Q1", "Mystery", 0), event("usps", "Q2", "Mystery", 5)]
    result = current_status(events)
    assert result.status is Status.UNMAPPED
    assert result.event == events[1]
    assert not result.terminal


def test_events_of_different_vocabularies_share_one_timeline():
    events = [
        event("yunexpress", "InTransit/InTransit_PickedUp", "", 0, code_source="17track"),
        event("usps", "07", "Arrival at Unit", 9000),
        event("usps", "01", "Delivered, Parcel Locker", 9500),
    ]
    assert current_status(reversed(events)).status is Status.DELIVERED
