"""POST /tracking/events/import-file: the documented events file (CSV, JSON lines) uploaded."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.api.conftest import assert_error

EXAMPLES = Path(__file__).parents[2] / "examples" / "tracking"
URL = "/tracking/events/import-file"
CSV = (EXAMPLES / "events.csv").read_bytes()


def _upload(caller, name: str, data: bytes, content_type: str = "text/csv"):  # type: ignore[no-untyped-def]
    return caller.post(URL, files={"file": (name, data, content_type)})


def _counts(api) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    counts = api.counts()
    return counts["shipments"], counts["tracking_events"]


def test_the_example_csv_imports_once(api, tenant):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    first = _upload(caller, "events.csv", CSV)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["filename"], body["format"], body["rows"], body["events"]) == (
        "events.csv",
        "csv",
        6,
        6,
    )
    assert (body["events_inserted"], body["duplicates"]) == (6, 0)
    assert (body["shipments_created"], body["shipments_touched"]) == (4, 4)
    assert (body["row_errors"], body["rejected"]) == ([], [])
    # The UPS row names no carrier: detected from its 1Z number, so no warning.
    assert body["warnings"] == []
    assert _counts(api) == (4, 6)
    listed = {s["tracking_number"]: s for s in caller.get("/shipments").json()["items"]}
    assert listed["9400111201080805483016"]["status"] == "delivered"
    assert listed["1ZA1B2C30312345673"]["carrier"] == "ups"
    again = _upload(caller, "events.csv", CSV).json()
    assert (again["events_inserted"], again["duplicates"], again["shipments_created"]) == (0, 6, 0)
    assert _counts(api) == (4, 6)


def test_the_example_json_lines_import(api, tenant):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    data = (EXAMPLES / "events.jsonl").read_bytes()
    r = _upload(caller, "events.ndjson", data, "application/x-ndjson")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["format"], body["rows"], body["events"], body["events_inserted"]) == (
        "jsonl",
        3,
        3,
        3,
    )
    assert (body["shipments_created"], body["row_errors"]) == (1, [])
    assert _counts(api) == (1, 3)


def test_bad_rows_are_listed_and_the_good_rows_kept(api, tenant):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    lines = CSV.decode().splitlines()
    lines[2] = lines[2].replace("2025-03-03T17:05:00-05:00", "2025-03-03 17:05")  # no offset
    lines[5] = ",fedex,2025-03-05T11:27:00-06:00,DL/DL,Delivered,AUSTIN,TX,78701,US"  # no number
    lines.append("RR123456785CN,,2025-02-06T23:51:00+08:00")  # too few fields
    lines.append("ZZZ-NOT-A-CARRIER,,2025-02-06T23:51:00+08:00,X,Y,,,,")  # kept, flagged
    r = _upload(caller, "events.csv", ("\n".join(lines) + "\n").encode())
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(e["row"], e["column"]) for e in body["row_errors"]] == [
        (3, "event_time"),
        (6, "tracking_number"),
        (8, None),
    ]
    assert "has no UTC offset" in body["row_errors"][0]["reason"]
    assert [(w["row"], w["column"]) for w in body["warnings"]] == [(9, "carrier")]
    assert (body["rows"], body["events"], body["events_inserted"]) == (8, 5, 5)
    assert (body["shipments_created"], body["unmapped"]) == (4, 1)
    assert _counts(api) == (4, 5)


@pytest.mark.parametrize(
    ("name", "data", "status", "reason"),
    [
        ("events.csv", b"", 422, "the file is empty"),
        ("events.jsonl", b"\xef\xbb\xbf \n\n", 422, "the file is empty"),
        ("events.txt", CSV, 422, "expected a .csv, .jsonl or .ndjson file"),
        ("events.csv", CSV.replace(b"SECAUCUS", b"S\xe9CAUCUS"), 422, "not UTF-8"),
        ("events.csv", CSV.replace(b"raw_code,", b"code,"), 422, "unknown columns"),
        ("events.csv", CSV.replace(b"tracking_number,", b""), 422, "missing columns"),
        ("events.csv", CSV.replace(b"SECAUCUS", b"SEC\x00AUCUS"), 422, "NUL character"),
        ("events.jsonl", b'{"tracking_number": "A\\u0000B"}\n', 422, "NUL character"),
        ("events.csv", CSV * 9000, 413, "exceeds 1048576 bytes"),
    ],
    ids=[
        "empty",
        "blank",
        "extension",
        "latin-1",
        "unknown-column",
        "missing-column",
        "nul",
        "nul-escape",
        "too-large",
    ],
)
def test_refused_files_write_nothing(api, tenant, name, data, status, reason):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    before = api.counts()
    r = _upload(caller, name, data)
    error = assert_error(r, status, "invalid_input" if status == 422 else "payload_too_large")
    assert reason in error["message"], error
    assert api.counts() == before


def test_no_file_and_no_permission_are_refused(api, tenant):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    reader = api.with_key(tenant, ["tracking:read"])
    before = api.counts()
    missing = caller.post(URL, data={"note": "no file"})
    error = assert_error(missing, 422, "invalid_input")
    assert "in the `file` field" in error["message"] and error["details"] == {"field": "file"}
    not_multipart = caller.post(URL, json={"file": "events.csv"})
    assert_error(not_multipart, 422, "invalid_input")
    assert_error(_upload(reader, "events.csv", CSV), 403, "permission_denied")
    assert api.counts() == before


def test_a_field_over_the_csv_limit_refuses_the_file(api, tenant):  # type: ignore[no-untyped-def]
    """The csv module's limit is process-wide (16 MiB, set by the package): lowered here."""
    caller = api.with_key(tenant)
    before = api.counts()
    previous = csv.field_size_limit(1000)
    try:
        r = _upload(caller, "events.csv", CSV + b'1Z,ups,x,"' + b"y" * 2000 + b'"\n')
    finally:
        csv.field_size_limit(previous)
    error = assert_error(r, 422, "invalid_input")
    assert "not a readable CSV file (field larger than field limit (1000))" in error["message"]
    assert api.counts() == before
