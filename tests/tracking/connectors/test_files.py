"""CSV and JSON-lines event import: good rows kept, bad rows reported with line and column."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from linkstar.tracking.connectors import (
    RowIssue,
    TrackingPayloadError,
    parse_csv,
    parse_events_file,
    parse_jsonl,
)
from linkstar.tracking.connectors.files import format_for
from linkstar.tracking.core import Status, SubStatus

HEADER = "tracking_number,carrier,event_time,raw_code,raw_description,city,state,postcode,country"


def csv_text(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def test_good_rows_are_grouped_per_number_in_file_order():
    result = parse_csv(csv_text(
        "794843185271,fedex,2025-03-03T15:12:00-05:00,PU/PU,Picked up,NEWARK,NJ,07114,US",
        "1ZA1B2C30312345673,ups,2025-03-05T16:02:11-05:00,X/48,The receiver was not available "
        "for delivery,Philadelphia,PA,19154,US",
        "794843185271,fedex,2025-03-05T11:27:00-06:00,DL/DL,Delivered,AUSTIN,TX,78701,US",
    ))  # fmt: skip
    assert (result.rows, result.events, result.errors, result.warnings) == (3, 3, (), ())
    fedex, ups = result.updates
    assert (fedex.tracking_number, fedex.carrier, fedex.source) == ("794843185271", "fedex", "file")
    assert [e.status for e in fedex.events] == [Status.IN_TRANSIT, Status.DELIVERED]
    assert fedex.events[1].event_time == datetime(2025, 3, 5, 17, 27, tzinfo=UTC)
    assert (ups.events[0].status, ups.events[0].sub_status) == (
        Status.FAILED_ATTEMPT,
        SubStatus.RECIPIENT_UNAVAILABLE,
    )


def test_bad_rows_are_reported_and_the_good_rows_kept():
    result = parse_csv(csv_text(
        "794843185271,fedex,2025-03-03T15:12:00-05:00,PU/PU,Picked up,,,,US",  # line 2 ok
        "794843185271,fedex,2025-03-03T15:12:00,PU/PU,Picked up,,,,",  # 3 no offset
        "794843185271,fedex,03/03/2025 15:12,PU/PU,Picked up,,,,",  # 4 not ISO
        ",fedex,2025-03-03T15:12:00Z,PU/PU,Picked up,,,,",  # 5 no number
        "794843185271,fedex,,PU/PU,Picked up,,,,",  # 6 no time
        "794843185271,fedex,2025-03-03T15:12:00Z,,,,,,",  # 7 no code or text
        "794843185271,fedex,2025-03-03T15:12:00Z,PU/PU",  # 8 short row
        "794843185271,fedex,2025-03-04T06:40:00-06:00,IT/AR,At local FedEx facility,,,,US",
    ))  # fmt: skip
    assert result.errors == (
        RowIssue(3, "event_time", "'2025-03-03T15:12:00' has no UTC offset (add Z or ±HH:MM)"),
        RowIssue(4, "event_time", "'03/03/2025 15:12' is not ISO 8601"),
        RowIssue(5, "tracking_number", "is required"),
        RowIssue(6, "event_time", "is required"),
        RowIssue(7, "raw_code", "needs raw_code or raw_description"),
        RowIssue(8, None, "has 4 fields, the header has 9"),
    )
    (update,) = result.updates
    assert [e.raw_code for e in update.events] == ["PU/PU", "IT/AR"]
    assert (result.rows, result.events) == (8, 2)


def test_missing_carrier_is_detected_from_the_number_or_flagged():
    result = parse_csv(csv_text(
        "1ZA1B2C30312345673,,2025-03-06T14:23:11-05:00,D/FS,DELIVERED,,,,US",
        "MYSTERY-0001,,2025-03-06T14:23:11-05:00,X1,Parcel scanned,,,,",
        "MYSTERY-0002,acme_courier,2025-03-06T14:23:11-05:00,X1,Parcel scanned,,,,",
    ))  # fmt: skip
    detected, unknown, unlisted = result.updates
    assert (detected.carrier, detected.events[0].status) == ("ups", Status.DELIVERED)
    assert (unknown.carrier, unknown.events[0].carrier) == (None, "unknown")
    assert unknown.events[0].status is Status.UNMAPPED
    assert (unlisted.carrier, unlisted.events[0].status) == ("acme_courier", Status.UNMAPPED)
    assert result.warnings == (
        RowIssue(3, "carrier", "tracking number MYSTERY0001 was not recognised as any "
                 "carrier's; give `carrier`; its events are kept under carrier 'unknown' "
                 "(unmapped, flagged)"),
        RowIssue(4, "carrier", "no mapping table for carrier 'acme_courier'; "
                 "its events are kept as unmapped"),
    )  # fmt: skip
    assert result.errors == ()


def test_quoted_fields_bom_crlf_and_column_order():
    text = (
        "\ufeffevent_time,tracking_number,raw_description,raw_code,carrier,country\r\n"
        '2025-03-06T14:23:11Z,1ZA1B2C30312345673,"Delivered, front door",D/FS,UPS,us\r\n'
    )
    result = parse_csv(text.encode("utf-8"))
    (update,) = result.updates
    event = update.events[0]
    assert (update.carrier, event.raw_description, event.country) == (
        "ups",
        "Delivered, front door",
        "US",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "file is empty"),
        ("tracking_number,carrier\n", "missing columns ['event_time']"),
        ("tracking_number,event_time\n", "needs a raw_code or raw_description column"),
        (
            "tracking_number,event_time,raw_code,weight\n",
            "unknown columns ['weight'] (expected ['tracking_number', 'carrier', 'event_time', "
            "'raw_code', 'raw_description', 'city', 'state', 'postcode', 'country', "
            "'code_source', 'location'])",
        ),
    ],
)
def test_bad_headers_refuse_the_file(text, reason):
    with pytest.raises(TrackingPayloadError) as error:
        parse_csv(text)
    assert (error.value.reason, error.value.path) == (reason, "header")


def test_non_utf8_file_is_refused():
    with pytest.raises(TrackingPayloadError) as error:
        parse_csv(HEADER.encode() + b"\n\xff\xfe")
    assert error.value.reason == "file is not UTF-8 (byte 88)"


def test_jsonl_rows():
    lines = [
        json.dumps({"tracking_number": "9400111201080805483016", "carrier": "usps",
                    "event_time": "2025-03-05T13:45:00-05:00", "raw_code": "01",
                    "raw_description": "Delivered, In/At Mailbox", "postcode": "40213",
                    "country": "US"}),
        "",
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"tracking_number": "X", "weight": "1kg"}),
        json.dumps({"tracking_number": "X", "event_time": 20250305}),
        json.dumps({"tracking_number": "9400111201080805483016", "carrier": "usps",
                    "event_time": "2025-03-05T13:45:00", "raw_code": "01"}),
    ]  # fmt: skip
    result = parse_jsonl("\n".join(lines))
    assert result.errors == (
        RowIssue(3, None, "not JSON (Expecting property name enclosed in double quotes)"),
        RowIssue(4, None, "a line must be a JSON object"),
        RowIssue(5, None, "unknown keys ['weight']"),
        RowIssue(6, "event_time", "must be a string"),
        RowIssue(7, "event_time", "'2025-03-05T13:45:00' has no UTC offset (add Z or ±HH:MM)"),
    )
    (update,) = result.updates
    assert (update.events[0].status, update.events[0].rule_id) == (Status.DELIVERED, "usps:01")
    assert result.rows == 6


def test_format_dispatch():
    assert format_for("Events.CSV") == "csv"
    assert format_for("events.ndjson") == "jsonl"
    with pytest.raises(ValueError, match=r"expected a \.csv, \.jsonl or \.ndjson file"):
        format_for("events.xlsx")
    assert parse_events_file(csv_text(), "csv").updates == ()
    with pytest.raises(ValueError, match="unknown file format"):
        parse_events_file("", "xml")  # type: ignore[arg-type]


def test_events_built_from_cached_templates_equal_freshly_normalised_ones():
    from linkstar.tracking.core import event_from_raw

    result = parse_csv(csv_text(
        "794843185271,fedex,2025-03-03T15:12:00-05:00,PU/PU,Picked up,NEWARK,NJ,07114,US",
        "794843185271,fedex,2025-03-04T15:12:00+01:00,PU/PU,Picked up,NEWARK,NJ,07114,US",
        "794843185271,fedex,2025-03-05T15:12:00Z,PU/PU,Picked up,NEWARK,NJ,07114,France",
    ))  # fmt: skip
    (update,) = result.updates
    expected = [
        event_from_raw(
            carrier="fedex",
            event_time=datetime.fromisoformat(stamp),
            raw_code="PU/PU",
            raw_description="Picked up",
            city="NEWARK",
            state="NJ",
            postcode="07114",
            country=country,
        )
        for stamp, country in (
            ("2025-03-03T15:12:00-05:00", "US"),
            ("2025-03-04T15:12:00+01:00", "US"),
            ("2025-03-05T15:12:00+00:00", "France"),
        )
    ]
    assert list(update.events) == expected
    assert update.events[0].event_time.tzinfo is UTC
    assert (update.events[2].country, update.events[2].location) == (None, "FRANCE")


def test_numbers_are_normalised_so_one_parcel_is_one_update():
    result = parse_csv(csv_text(
        "1z a1b2 c303-1234 5673,ups,2025-03-05T16:02:11-05:00,I/AR,Arrival Scan,,,,US",
        "1ZA1B2C30312345673,ups,2025-03-06T14:23:11-05:00,D/FS,DELIVERED,,,,US",
        " - ,ups,2025-03-06T14:23:11-05:00,D/FS,DELIVERED,,,,US",
    ))  # fmt: skip
    (update,) = result.updates
    assert update.tracking_number == "1ZA1B2C30312345673"
    assert len(update.events) == 2
    assert result.errors == (RowIssue(4, "tracking_number", "is required"),)


def test_carrier_names_as_typed_become_codes():
    result = parse_csv(csv_text(
        "3318810025,DHL Express,2025-03-04T09:33:00Z,transit,Shipment picked up,,,,HK",
        "00340434161094042557,dhl-parcel,2025-03-05T11:03:00+01:00,delivered,DELIVERED,,,,DE",
    ))  # fmt: skip
    assert [(u.carrier, u.events[0].status) for u in result.updates] == [
        ("dhl_express", Status.IN_TRANSIT),
        ("dhl_parcel", Status.DELIVERED),
    ]
    assert result.warnings == ()


def test_the_garbage_collector_is_switched_back_on_even_when_the_file_is_refused():
    import gc

    assert gc.isenabled()
    with pytest.raises(TrackingPayloadError):
        parse_csv("")
    assert gc.isenabled()
    parse_jsonl("{}")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_csv(csv_text())
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_rows_past_the_horizon_are_errors_and_their_groups_go(monkeypatch):
    import linkstar.tracking.connectors.file_rows as file_rows

    monkeypatch.setattr(file_rows, "utcnow", lambda: datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    result = parse_csv(csv_text(
        "794843185271,fedex,9999-12-31T23:59:00Z,PU/PU,Picked up,,,,US",
        "1ZA1B2C30312345673,ups,2026-12-05T16:02:11-05:00,X/48,Picked up,,,,US",
        "1ZA1B2C30312345673,ups,2027-01-06T09:00:00+01:00,D/FS,Delivered,,,,US",
        "1ZA1B2C30312345673,ups,2026-12-08T12:00:00Z,I/OR,Origin scan,,,,US",
        "794843185271,fedex,not a time,PU/PU,Picked up,,,,US",
    ))  # fmt: skip
    tail = "is more than 2 days after the event was received (2026-12-06T12:00:00Z); " \
        "a carrier cannot scan the future"  # fmt: skip
    assert result.errors == (
        RowIssue(2, "event_time", f"event_time 9999-12-31T23:59:00Z {tail}"),
        RowIssue(4, "event_time", f"event_time 2027-01-06T08:00:00Z {tail}"),
        RowIssue(6, "event_time", "'not a time' is not ISO 8601"),
    )
    (ups,) = result.updates  # the FedEx number's only good row was refused
    assert (ups.tracking_number, result.rows, result.events) == ("1ZA1B2C30312345673", 5, 2)
    assert [e.raw_code for e in ups.events] == ["X/48", "I/OR"]
