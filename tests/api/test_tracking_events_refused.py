"""POST /tracking/events: a number no carrier format matches and an event time past the horizon
are refused row by row with a reason, and the good rows are stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import linkstar.tracking.ingest as tracking_ingest

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
USPS = "9400111201080805483016"


def _event(when: str, code: str = "03") -> dict[str, str]:
    return {"event_time": when, "raw_code": code, "raw_description": "USPS picked up item"}


@pytest.fixture
def caller(api, tenant, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tracking_ingest, "utcnow", lambda: NOW)
    return api.with_key(tenant)


def test_an_unrecognised_number_without_carrier_is_refused_with_the_reason(api, caller):  # type: ignore[no-untyped-def]
    body = {
        "updates": [
            {"tracking_number": "MYSTERY-0001", "events": [_event("2026-12-05T10:00:00Z")]},
            {"tracking_number": USPS, "events": [_event("2026-12-05T10:00:00Z")]},
        ]
    }
    r = caller.post("/tracking/events", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["rejected"] == [
        {
            "tracking_number": "MYSTERY-0001",
            "source": "api",
            "reason": "tracking number MYSTERY-0001 was not recognised as any carrier's; "
            "give `carrier`",
        }
    ]
    assert (r.json()["events_inserted"], r.json()["shipments_created"]) == (1, 1)
    listed = caller.get("/shipments").json()["items"]
    assert [(s["tracking_number"], s["carrier"]) for s in listed] == [(USPS, "usps")]


def test_events_past_the_horizon_are_refused_the_others_kept(api, caller):  # type: ignore[no-untyped-def]
    body = {
        "updates": [
            {
                "tracking_number": USPS,
                "carrier": "usps",
                "events": [
                    _event("2026-12-05T10:00:00Z"),
                    _event("2026-12-08T12:00:00Z", "10"),  # exactly two days ahead: kept
                    _event("2027-01-06T09:00:00+01:00", "01"),  # next month
                    _event("9999-12-31T23:59:00Z", "01"),
                ],
            }
        ]
    }
    r = caller.post("/tracking/events", json=body)
    assert r.status_code == 200, r.text
    tail = "is more than 2 days after the event was received (2026-12-06T12:00:00Z); " \
        "a carrier cannot scan the future"  # fmt: skip
    assert r.json()["rejected"] == [
        {"tracking_number": USPS, "source": "api", "reason": f"event_time {when} {tail}"}
        for when in ("2027-01-06T08:00:00Z", "9999-12-31T23:59:00Z")
    ]
    assert (r.json()["events_received"], r.json()["events_inserted"]) == (2, 2)
    (shipment,) = caller.get("/shipments").json()["items"]
    assert shipment["status"] == "in_transit"
    assert shipment["last_event_at"].startswith("2026-12-08T12:00:00")


def test_a_blank_carrier_is_no_carrier(api, caller):  # type: ignore[no-untyped-def]
    event = {**_event("2026-12-05T10:00:00Z"), "carrier": " "}
    body = {"updates": [
        {"tracking_number": USPS, "carrier": "  ", "events": [event]},
        {"tracking_number": "MYSTERY-0002", "carrier": " ", "events": [event]},
    ]}  # fmt: skip
    r = caller.post("/tracking/events", json=body)
    assert r.status_code == 200, r.text
    assert [x["reason"] for x in r.json()["rejected"]] == [
        "tracking number MYSTERY-0002 was not recognised as any carrier's; give `carrier`"
    ]
    listed = caller.get("/shipments").json()["items"]
    assert [(s["tracking_number"], s["carrier"]) for s in listed] == [(USPS, "usps")]


def test_an_update_whose_every_event_is_refused_stores_no_shipment(api, caller):  # type: ignore[no-untyped-def]
    other = "9400111201080805483023"
    body = {"updates": [
        {"tracking_number": other, "carrier": "usps",
         "events": [_event("2027-01-06T08:00:00Z"), _event("9999-12-31T23:59:00Z", "01")]},
        {"tracking_number": USPS, "carrier": "usps", "events": [_event("2026-12-05T10:00:00Z")]},
    ]}  # fmt: skip
    r = caller.post("/tracking/events", json=body)
    assert r.status_code == 200, r.text
    tail = "is more than 2 days after the event was received (2026-12-06T12:00:00Z); " \
        "a carrier cannot scan the future"  # fmt: skip
    assert r.json() == {
        "updates": 2,
        "shipments_created": 1,
        "shipments_touched": 1,
        "events_received": 1,
        "events_inserted": 1,
        "duplicates": 0,
        "unmapped": 0,
        "rejected": [
            {"tracking_number": other, "source": "api", "reason": f"event_time {when} {tail}"}
            for when in ("2027-01-06T08:00:00Z", "9999-12-31T23:59:00Z")
        ],
    }
    assert api.counts()["shipments"] == 1
    listed = caller.get("/shipments").json()["items"]
    assert [s["tracking_number"] for s in listed] == [USPS]


def test_a_batch_whose_every_event_is_refused_writes_nothing(api, caller):  # type: ignore[no-untyped-def]
    body = {"updates": [{"tracking_number": USPS, "events": [_event("9999-12-31T23:59:00Z")]}]}
    r = caller.post("/tracking/events", json=body)
    assert r.status_code == 200, r.text
    assert (r.json()["shipments_created"], r.json()["shipments_touched"]) == (0, 0)
    assert [x["tracking_number"] for x in r.json()["rejected"]] == [USPS]
    assert (api.counts()["shipments"], api.counts()["tracking_events"]) == (0, 0)
