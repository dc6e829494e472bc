"""17TRACK push, AfterShip webhook and generic JSON parsers on recorded bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from linkstar.tracking.connectors import (
    TrackingPayloadError,
    parse_17track,
    parse_aftership,
    parse_generic,
)
from linkstar.tracking.core import Status, SubStatus
from tests.tracking.connectors.recorded import body, data


def _raises(parse, payload, reason, path):
    with pytest.raises(TrackingPayloadError) as error:
        parse(json.dumps(payload).encode() if not isinstance(payload, bytes) else payload)
    assert (error.value.reason, error.value.path) == (reason, path)


# 17TRACK ------------------------------------------------------------------------------------


def test_17track_update_keeps_every_provider_event_with_its_scanning_carrier():
    (update,) = parse_17track(body("17track_tracking_updated.json"))
    assert update.tracking_number == "YT2229521272164446"
    assert update.carrier == "yunexpress"  # data.carrier 190008
    assert update.source == "17track"
    assert update.carrier_service == "YunExpress Global Direct line with Battery"
    assert update.promised_by == datetime(2025, 3, 13, 7, 59, 59, tzinfo=UTC)
    assert [e.carrier for e in update.events] == ["usps"] * 3 + ["yunexpress"] * 5
    assert {e.code_source for e in update.events} == {"17track"}
    first = update.events[0]
    assert first.event_time == datetime(2025, 3, 11, 17, 48, tzinfo=UTC)
    assert first.raw_code == "Delivered/Delivered_Other"
    assert first.raw_description == "Delivered, In/At Mailbox"
    assert (first.status, first.rule_id) == (Status.DELIVERED, "17track:Delivered_Other")
    assert (first.city, first.state, first.postcode, first.country) == (
        "LOS ANGELES",
        "CA",
        "90017",
        "US",
    )
    assert first.location == "LOS ANGELES, CA 90017"
    last = update.events[-1]
    assert (last.raw_code, last.status) == ("InfoReceived/InfoReceived", Status.INFO_RECEIVED)
    assert last.event_time == datetime(2025, 3, 2, 3, 30, tzinfo=UTC)  # +08:00 local time


def test_17track_returns_and_failed_attempts_keep_their_meaning():
    (update,) = parse_17track(body("17track_returning.json"))
    assert update.carrier == "china_post"
    assert [(e.status, e.sub_status) for e in update.events] == [
        (Status.RETURNING_TO_SENDER, None),
        (Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_UNAVAILABLE),
        (Status.IN_TRANSIT, SubStatus.CUSTOMS_PROCESSING),
        (Status.IN_TRANSIT, SubStatus.DEPARTED_ORIGIN_COUNTRY),
    ]
    assert update.promised_by is None  # estimated_delivery_date from/to are null


def test_17track_tracking_stopped_gives_an_update_without_events():
    (update,) = parse_17track(body("17track_tracking_stopped.json"))
    assert (update.tracking_number, update.carrier, update.events) == (
        "RR123456785CN",
        "china_post",
        (),
    )


def test_17track_unknown_carrier_key_is_kept_recognisable_and_the_number_detected():
    payload = data("17track_returning.json")
    payload["data"]["carrier"] = 999999
    payload["data"]["track_info"]["tracking"]["providers"][0]["provider"]["key"] = 999999
    (update,) = parse_17track(json.dumps(payload))
    assert update.carrier == "china_post"  # RR…CN detected from the S10 number
    assert {e.carrier for e in update.events} == {"17track:999999"}
    assert update.events[0].status is Status.RETURNING_TO_SENDER  # 17TRACK codes still map


def test_17track_time_utc_is_used_when_time_iso_is_missing():
    payload = data("17track_returning.json")
    event = payload["data"]["track_info"]["tracking"]["providers"][0]["events"][0]
    event["time_iso"] = None
    (update,) = parse_17track(json.dumps(payload))
    assert update.events[0].event_time == datetime(2025, 2, 27, 9, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mutate", "reason", "path"),
    [
        (
            lambda p: p.update(event="TRACKING_DELETED"),
            "unknown event 'TRACKING_DELETED' (expected TRACKING_STOPPED or TRACKING_UPDATED)",
            "$.event",
        ),
        (lambda p: p.pop("event"), "is required", "$.event"),
        (lambda p: p.update(data=[]), "expected an object, got a list", "$.data"),
        (lambda p: p["data"].pop("number"), "is required", "$.data.number"),
        (
            lambda p: p["data"].update(carrier=True),
            "expected a carrier key (number)",
            "$.data.carrier",
        ),
        (
            lambda p: p["data"]["track_info"]["tracking"].update(providers={}),
            "expected a list, got an object",
            "$.data.track_info.tracking.providers",
        ),
        (
            lambda p: p["data"]["track_info"]["tracking"]["providers"][0]["events"][1].update(
                time_iso="2025-02-14 15:44", time_utc=None
            ),
            "time '2025-02-14 15:44' has no UTC offset",
            "$.data.track_info.tracking.providers[0].events[1].time_iso",
        ),
        (
            lambda p: p["data"]["track_info"]["tracking"]["providers"][0]["events"][2].update(
                time_iso=None, time_utc=None
            ),
            "event has neither time_iso nor time_utc",
            "$.data.track_info.tracking.providers[0].events[2]",
        ),
    ],
)
def test_17track_malformed_payloads_name_the_culprit(mutate, reason, path):
    payload = data("17track_returning.json")
    mutate(payload)
    _raises(parse_17track, payload, reason, path)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "body is not JSON (Expecting value: line 1 column 1 (char 0))"),
        (b"\xff\xfe", "body is not UTF-8 (byte 0)"),
        (b"[1, 2]", "expected an object, got a list"),
    ],
)
def test_webhook_bodies_that_are_not_json_objects(raw, reason):
    for parse in (parse_17track, parse_aftership, parse_generic):
        with pytest.raises(TrackingPayloadError) as error:
            parse(raw)
        assert (error.value.reason, error.value.path) == (reason, "$")


# AfterShip ----------------------------------------------------------------------------------


def test_aftership_checkpoints_become_events_with_iso2_countries():
    (update,) = parse_aftership(body("aftership_tracking_update.json"))
    assert (update.tracking_number, update.carrier, update.source) == (
        "1ZA1B2C30312345673",
        "ups",
        "aftership",
    )
    assert update.carrier_service == "UPS Ground"
    assert update.promised_by == datetime(2025, 3, 7, 0, 0, tzinfo=UTC)
    assert [e.raw_code for e in update.events] == [
        "InfoReceived/InfoReceived_001",
        "InTransit/InTransit_002",
        "InTransit/InTransit_007",
        "OutForDelivery/OutForDelivery_001",
        "AttemptFail/AttemptFail_001",
    ]
    assert [e.status for e in update.events] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.FAILED_ATTEMPT,
    ]
    attempt = update.events[-1]
    assert (attempt.city, attempt.state, attempt.postcode, attempt.country) == (
        "Philadelphia",
        "PA",
        "19103",
        "US",
    )
    assert attempt.event_time == datetime(2025, 3, 5, 21, 2, tzinfo=UTC)
    assert {e.code_source for e in update.events} == {"aftership"}


def test_aftership_unknown_slug_is_kept_on_the_events():
    payload = data("aftership_tracking_update.json")
    payload["msg"]["slug"] = "la-poste-colissimo"
    for checkpoint in payload["msg"]["checkpoints"]:
        checkpoint["slug"] = "la-poste-colissimo"
    (update,) = parse_aftership(json.dumps(payload))
    assert update.carrier == "ups"  # the 1Z number is detected
    assert {e.carrier for e in update.events} == {"la-poste-colissimo"}


def test_aftership_expected_delivery_without_offset_is_not_guessed():
    payload = data("aftership_tracking_update.json")
    payload["msg"]["expected_delivery"] = "2025-03-06"
    (update,) = parse_aftership(json.dumps(payload))
    assert update.promised_by is None


@pytest.mark.parametrize(
    ("mutate", "reason", "path"),
    [
        (
            lambda p: p.update(event="return_update"),
            "event 'return_update' carries no tracking (expected tracking_update)",
            "$.event",
        ),
        (lambda p: p.pop("msg"), "expected an object, got null", "$.msg"),
        (lambda p: p["msg"].update(tracking_number=""), "is required", "$.msg.tracking_number"),
        (
            lambda p: p["msg"]["checkpoints"][2].update(checkpoint_time="2025-03-05T03:14:00"),
            "time '2025-03-05T03:14:00' has no UTC offset",
            "$.msg.checkpoints[2].checkpoint_time",
        ),
        (
            lambda p: p["msg"]["checkpoints"][0].update(city=["x"]),
            "expected a string, got a list",
            "$.msg.checkpoints[0].city",
        ),
    ],
)
def test_aftership_malformed_payloads_name_the_culprit(mutate, reason, path):
    payload = data("aftership_tracking_update.json")
    mutate(payload)
    _raises(parse_aftership, payload, reason, path)


# Generic ------------------------------------------------------------------------------------


def test_generic_batch():
    first, second = parse_generic(body("generic_batch.json"))
    assert (first.tracking_number, first.carrier, first.source) == (
        "LP00724622449605",
        "cainiao",
        "generic",
    )
    assert first.carrier_service == "Cainiao Standard"
    assert first.promised_by == datetime(2025, 3, 14, 22, 59, 59, tzinfo=UTC)
    assert [(e.code_source, e.status) for e in first.events] == [
        ("17track", Status.INFO_RECEIVED),
        ("17track", Status.IN_TRANSIT),
    ]
    assert first.events[1].location == "Hangzhou sorting center"
    (delivered,) = second.events
    assert (delivered.status, delivered.rule_id, delivered.postcode) == (
        Status.DELIVERED,
        "usps:01",
        "40213",
    )


def test_generic_single_update_without_carrier_detects_or_flags():
    single = {
        "tracking_number": "1ZA1B2C30312345673",
        "events": [
            {
                "event_time": "2025-03-06T14:23:11-05:00",
                "raw_code": "D/FS",
                "raw_description": "DELIVERED",
            }
        ],
    }
    (update,) = parse_generic(json.dumps(single))
    assert update.carrier == "ups"
    assert update.events[0].status is Status.DELIVERED
    single["tracking_number"] = "ZZ-NOT-A-KNOWN-FORMAT"
    (unknown,) = parse_generic(json.dumps(single))
    assert unknown.carrier is None
    assert unknown.events[0].carrier == "unknown"
    assert unknown.events[0].status is Status.UNMAPPED  # flagged, not dropped


@pytest.mark.parametrize(
    ("payload", "reason", "path"),
    [
        ({"updates": []}, "is empty", "$.updates"),
        ({"updates": [], "extra": 1}, "a batch holds only 'updates'", "$"),
        ({"tracking_number": "X1", "events": [], "colour": "red"}, "unknown keys ['colour']", "$"),
        ({"tracking_number": "X1"}, "is required", "$.events"),
        (
            {"tracking_number": "X1", "events": [{"event_time": "2025-03-06T14:23:11Z"}]},
            "an event needs raw_code or raw_description",
            "$.events[0]",
        ),
        (
            {"tracking_number": "X1", "events": [{"event_time": "yesterday", "raw_code": "A"}]},
            "time 'yesterday' has no UTC offset",
            "$.events[0].event_time",
        ),
        (
            {
                "tracking_number": "X1",
                "events": [{"event_time": "2025-13-06T14:23:11Z", "raw_code": "A"}],
            },
            "time '2025-13-06T14:23:11Z' is not ISO 8601",
            "$.events[0].event_time",
        ),
        (
            {"updates": [{"tracking_number": "X1", "events": []}, {"events": []}]},
            "is required",
            "$.updates[1].tracking_number",
        ),
    ],
)
def test_generic_malformed(payload, reason, path):
    _raises(parse_generic, payload, reason, path)


def test_generic_numbers_are_normalised():
    single = {
        "tracking_number": "1z a1b2-c303 1234 5673",
        "events": [{"event_time": "2025-03-06T14:23:11-05:00", "raw_code": "D/FS"}],
    }
    (update,) = parse_generic(json.dumps(single))
    assert (update.tracking_number, update.carrier) == ("1ZA1B2C30312345673", "ups")
    single["tracking_number"] = " -- "
    _raises(parse_generic, single, "has no letters or digits", "$.tracking_number")
