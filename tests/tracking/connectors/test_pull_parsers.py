"""USPS v3, UPS Track, FedEx Track and DHL Unified responses parsed from recordings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from linkstar.tracking.connectors import (
    PullFailure,
    TrackingPayloadError,
    parse_dhl,
    parse_fedex,
    parse_ups,
    parse_usps,
)
from linkstar.tracking.core import Status, SubStatus
from tests.tracking.connectors.recorded import body, data


def test_usps_v3_detail():
    update = parse_usps(body("usps_tracking_v3.json"))
    assert (update.tracking_number, update.carrier, update.source) == (
        "9400111201080805483016",
        "usps",
        "usps",
    )
    assert update.carrier_service == "USPS Ground Advantage"
    assert update.promised_by == datetime(2025, 3, 5, 21, 0, tzinfo=UTC)
    assert [e.raw_code for e in update.events] == ["01", "OF", "07", "10", "82", "03", "GX"]
    assert [e.status for e in update.events] == [
        Status.DELIVERED,
        Status.OUT_FOR_DELIVERY,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.INFO_RECEIVED,
    ]
    delivered = update.events[0]
    # eventTimestamp is local: 13:45 at GMTOffset -05:00
    assert delivered.event_time == datetime(2025, 3, 5, 18, 45, tzinfo=UTC)
    assert (delivered.city, delivered.state, delivered.postcode, delivered.country) == (
        "LOUISVILLE",
        "KY",
        "40213",
        "US",
    )


def test_usps_gmt_timestamp_is_used_without_an_offset():
    payload = data("usps_tracking_v3.json")
    payload["trackingEvents"][0]["GMTOffset"] = None
    payload["trackingEvents"][0]["eventTimestamp"] = "2025-03-05T13:45:00"
    update = parse_usps(json.dumps(payload))
    assert update.events[0].event_time == datetime(2025, 3, 5, 18, 45, tzinfo=UTC)


def test_usps_event_that_cannot_be_placed_in_time_is_refused():
    payload = data("usps_tracking_v3.json")
    payload["trackingEvents"][2].update(GMTOffset=None, GMTTimestamp=None)
    with pytest.raises(TrackingPayloadError) as error:
        parse_usps(json.dumps(payload))
    assert error.value.path == "$.trackingEvents[2].eventTimestamp"
    assert error.value.reason == "time '2025-03-05T05:58:00' has no UTC offset"


def test_usps_international_country_name_is_kept_as_location():
    payload = data("usps_tracking_v3.json")
    payload["trackingEvents"][-1].update(eventCountry="CHINA", eventZIP=None, eventState=None)
    update = parse_usps(json.dumps(payload))
    assert (update.events[-1].country, update.events[-1].location) == (None, "CHINA")


def test_ups_activities_with_local_time_and_offset():
    result = parse_ups(body("ups_track_delivered.json"))
    assert result.failures == ()
    (update,) = result.updates
    assert (update.tracking_number, update.carrier, update.carrier_service) == (
        "1ZA1B2C30312345673",
        "ups",
        "UPS Ground",
    )
    assert [e.raw_code for e in update.events] == [
        "D/FS", "I/OT", "X/48", "I/AR", "I/DP", "I/OR", "M/MP",
    ]  # fmt: skip
    assert [(e.status, e.sub_status) for e in update.events] == [
        (Status.DELIVERED, None),
        (Status.OUT_FOR_DELIVERY, None),
        (Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_UNAVAILABLE),
        (Status.IN_TRANSIT, SubStatus.ARRIVED_AT_FACILITY),
        (Status.IN_TRANSIT, SubStatus.DEPARTED_FACILITY),
        (Status.IN_TRANSIT, SubStatus.PICKED_UP),
        (Status.INFO_RECEIVED, SubStatus.LABEL_CREATED),
    ]
    assert update.events[0].event_time == datetime(2025, 3, 6, 19, 23, 11, tzinfo=UTC)
    assert update.events[0].raw_description == "DELIVERED"  # trailing space tidied


def test_ups_gmt_fields_are_used_when_the_offset_is_missing():
    payload = data("ups_track_delivered.json")
    activity = payload["trackResponse"]["shipment"][0]["package"][0]["activity"][0]
    activity.update(gmtOffset=None, gmtDate="20250306", gmtTime="19:23:11")
    (update,) = parse_ups(json.dumps(payload)).updates
    assert update.events[0].event_time == datetime(2025, 3, 6, 19, 23, 11, tzinfo=UTC)


def test_ups_warning_only_shipment_is_a_not_found_failure():
    result = parse_ups(body("ups_track_not_found.json"))
    assert result.updates == ()
    assert result.failures == (
        PullFailure("1Z5R89390357567127", "TW0001 Tracking Information Not Found", True),
    )


def test_fedex_batch_found_not_found_and_returning():
    result = parse_fedex(body("fedex_track_batch.json"))
    assert result.failures == (
        PullFailure(
            "123456789012",
            "TRACKING.TRACKINGNUMBER.NOTFOUND Tracking number cannot be found. "
            "Please correct the tracking number and try again.",
            True,
        ),
    )
    delivered, returning = result.updates
    assert delivered.tracking_number == "794843185271"
    assert delivered.carrier_service == "FedEx 2Day"
    assert delivered.promised_by == datetime(2025, 3, 6, 2, 0, tzinfo=UTC)
    assert [e.raw_code for e in delivered.events] == [
        "DL/DL", "IT/OD", "DE/DE", "IT/AR", "IT/DP", "PU/PU", "IN/OC",
    ]  # fmt: skip
    exception = delivered.events[2]
    assert exception.raw_description == (
        "Delivery exception Customer not available or business closed"
    )
    assert (exception.status, exception.sub_status) == (
        Status.FAILED_ATTEMPT,
        SubStatus.RECIPIENT_UNAVAILABLE,
    )
    # RS carries derivedStatusCode DL: it must read as a return, never as delivered
    assert returning.events[0].raw_code == "DL/RS"
    assert returning.events[0].status is Status.RETURNING_TO_SENDER
    assert returning.events[1].sub_status is SubStatus.ADDRESS_ISSUE


def test_dhl_parcel_de_events():
    result = parse_dhl(body("dhl_parcel_de.json"))
    (update,) = result.updates
    assert (update.tracking_number, update.carrier, update.source) == (
        "00340434161094042557",
        "dhl_parcel",
        "dhl",
    )
    assert update.carrier_service == "DHL PAKET"
    assert update.promised_by == datetime(2025, 3, 5, 13, 0, tzinfo=UTC)
    assert [(e.status, e.sub_status) for e in update.events] == [
        (Status.DELIVERED, SubStatus.DELIVERED_TO_AGENT),
        (Status.OUT_FOR_DELIVERY, None),
        (Status.IN_TRANSIT, SubStatus.PROCESSED_AT_FACILITY),
        (Status.IN_TRANSIT, SubStatus.PROCESSED_AT_FACILITY),
        (Status.INFO_RECEIVED, SubStatus.LABEL_CREATED),
    ]
    first = update.events[0]
    assert first.raw_description == (
        "DELIVERED The shipment has been delivered to the recipient's neighbour."
    )
    assert (first.city, first.postcode, first.country) == ("Berlin", "10115", "DE")


def test_dhl_express_status_equal_to_description_is_not_doubled():
    (update,) = parse_dhl(body("dhl_express.json")).updates
    assert update.carrier == "dhl_express"
    assert update.events[0].raw_description == "Shipment on hold"
    assert update.events[0].status is Status.EXCEPTION
    assert update.events[0].sub_status is SubStatus.HELD_AT_FACILITY


def test_dhl_service_without_own_table_reads_codes_with_the_dhl_table():
    payload = data("dhl_express.json")
    payload["shipments"][0]["service"] = "freight"
    (update,) = parse_dhl(json.dumps(payload)).updates
    assert update.carrier == "dhl_freight"
    assert {e.code_source for e in update.events} == {"dhl"}
    assert update.events[-1].status is Status.IN_TRANSIT


@pytest.mark.parametrize(
    ("parse", "name", "mutate", "reason", "path"),
    [
        (
            parse_usps,
            "usps_tracking_v3.json",
            lambda p: p.pop("trackingNumber"),
            "is required",
            "$.trackingNumber",
        ),
        (
            parse_ups,
            "ups_track_delivered.json",
            lambda p: p.pop("trackResponse"),
            "expected an object, got null",
            "$.trackResponse",
        ),
        (
            parse_ups,
            "ups_track_delivered.json",
            lambda p: p["trackResponse"]["shipment"][0]["package"][0]["activity"][1].update(
                date="2025-03-06"
            ),
            "date '2025-03-06' time '084011' is not YYYYMMDD HHMMSS",
            "$.trackResponse.shipment[0].package[0].activity[1]",
        ),
        (
            parse_fedex,
            "fedex_track_batch.json",
            lambda p: p["output"]["completeTrackResults"][0]["trackResults"][0]["scanEvents"][
                0
            ].update(date="2025-03-05T11:27:00"),
            "time '2025-03-05T11:27:00' has no UTC offset",
            "$.output.completeTrackResults[0].trackResults[0].scanEvents[0].date",
        ),
        (
            parse_dhl,
            "dhl_parcel_de.json",
            lambda p: p.update(shipments=None),
            "is required",
            "$.shipments",
        ),
        (
            parse_dhl,
            "dhl_parcel_de.json",
            lambda p: p["shipments"][0]["events"][0].update(timestamp="2025-03-05T11:03:00"),
            "time '2025-03-05T11:03:00' has no UTC offset",
            "$.shipments[0].events[0].timestamp",
        ),
    ],
)
def test_malformed_responses_name_the_culprit(parse, name, mutate, reason, path):
    payload = data(name)
    mutate(payload)
    with pytest.raises(TrackingPayloadError) as error:
        parse(json.dumps(payload))
    assert (error.value.reason, error.value.path) == (reason, path)
