"""The TrackingEvent value: raw fields kept, times in UTC, normalised by the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from linkstar.tracking.core import Status, SubStatus, TrackingEvent, event_from_raw
from tests.tracking.factories import T0

SHANGHAI = timezone(timedelta(hours=8))


def test_event_from_raw_normalises_and_keeps_the_raw_values():
    event = event_from_raw(
        carrier="UPS",
        event_time=datetime(2025, 3, 3, 16, 30, tzinfo=SHANGHAI),
        raw_code=" X/48 ",
        raw_description="The receiver was not available for delivery.\n",
        city=" Paramus ",
        state="NJ",
        postcode="07652",
        country="us",
    )
    assert event.event_time == datetime(2025, 3, 3, 8, 30, tzinfo=UTC)
    assert event.event_time.tzinfo is UTC
    assert event.carrier == "ups"
    assert (event.raw_code, event.raw_description) == (
        "X/48",
        "The receiver was not available for delivery.",
    )
    assert (event.status, event.sub_status) == (
        Status.FAILED_ATTEMPT,
        SubStatus.RECIPIENT_UNAVAILABLE,
    )
    assert event.rule_id == "ups:recipient-unavailable"
    assert (event.city, event.country) == ("Paramus", "US")


def test_aggregator_events_keep_the_carrier_and_use_the_aggregator_vocabulary():
    event = event_from_raw(
        carrier="yunexpress",
        code_source="17track",
        event_time=T0,
        raw_code="Exception/Exception_Returning",
        raw_description="Return to sender",
    )
    assert event.carrier == "yunexpress"
    assert event.vocabulary == "17track"
    assert event.status is Status.RETURNING_TO_SENDER


def test_unknown_code_becomes_an_explicit_unmapped_event():
    event = event_from_raw(
        carrier="usps", event_time=T0, raw_code="Q7", raw_description="Something new"
    )
    assert event.status is Status.UNMAPPED
    assert event.sub_status is None and event.rule_id is None
    assert event.raw_code == "Q7"


def test_a_country_name_is_kept_as_location_not_guessed_into_a_code():
    event = event_from_raw(
        carrier="dhl",
        event_time=T0,
        raw_code="transit",
        raw_description="Arrived",
        location="Leipzig",
        country="Germany",
    )
    assert event.country is None
    assert event.location == "Leipzig, GERMANY"


def test_naive_times_and_bad_values_are_refused():
    naive = datetime(2025, 3, 3, 8, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        TrackingEvent(naive, "ups", "D/FS", "DELIVERED", Status.DELIVERED)
    with pytest.raises(ValueError, match="carrier"):
        TrackingEvent(T0, "  ", "D/FS", "DELIVERED", Status.DELIVERED)
    with pytest.raises(ValueError, match="ISO 3166"):
        TrackingEvent(T0, "ups", "D/FS", "DELIVERED", Status.DELIVERED, country="USA")
    with pytest.raises(ValueError, match="unmapped"):
        TrackingEvent(T0, "ups", "?", "?", Status.UNMAPPED, SubStatus.LOST)
    with pytest.raises(ValueError):
        TrackingEvent(T0, "ups", "?", "?", "teleported")  # type: ignore[arg-type]


def test_statuses_given_as_strings_become_enums():
    event = TrackingEvent(T0, "ups", "D/FS", "DELIVERED", "delivered", "delivered_to_agent")  # type: ignore[arg-type]
    assert event.status is Status.DELIVERED
    assert event.sub_status is SubStatus.DELIVERED_TO_AGENT


def test_renormalising_applies_the_current_tables_and_is_stable():
    stale = TrackingEvent(T0, "fedex", "DL/RS", "Returning package to shipper", Status.DELIVERED)
    fresh = stale.renormalised()
    assert fresh.status is Status.RETURNING_TO_SENDER
    assert fresh.rule_id == "fedex:RS"
    assert fresh.renormalised() == fresh
    assert (fresh.raw_code, fresh.raw_description, fresh.event_time) == (
        stale.raw_code,
        stale.raw_description,
        stale.event_time,
    )
