"""Every raw code in the recorded payloads maps; returns and failed attempts never read as
in transit (issue 6: 'returns and failed attempts must never become in_transit')."""

from __future__ import annotations

import pytest

from linkstar.tracking.connectors import (
    parse_17track,
    parse_aftership,
    parse_dhl,
    parse_fedex,
    parse_generic,
    parse_ups,
    parse_usps,
)
from linkstar.tracking.core import Status, TrackingEvent, normalise
from tests.tracking.connectors.recorded import PAYLOADS, body


def _events(name: str) -> list[TrackingEvent]:
    raw = body(name)
    if name.startswith("17track"):
        updates = parse_17track(raw)
    elif name.startswith("aftership"):
        updates = parse_aftership(raw)
    elif name.startswith("generic"):
        updates = parse_generic(raw)
    elif name.startswith("usps"):
        updates = [parse_usps(raw)]
    elif name.startswith("ups"):
        updates = list(parse_ups(raw).updates)
    elif name.startswith("fedex"):
        updates = list(parse_fedex(raw).updates)
    else:
        updates = list(parse_dhl(raw).updates)
    return [e for u in updates for e in u.events]


EVENT_PAYLOADS = sorted(
    p.name
    for p in PAYLOADS.glob("*.json")
    if not any(s in p.name for s in ("not_found", "404", "error", "stopped"))
)


def test_every_recorded_payload_is_covered():
    assert len(EVENT_PAYLOADS) == 9
    assert sum(len(_events(name)) for name in EVENT_PAYLOADS) == 52


@pytest.mark.parametrize("name", EVENT_PAYLOADS)
def test_every_recorded_event_maps(name):
    unmapped = [(e.raw_code, e.raw_description) for e in _events(name) if e.rule_id is None]
    assert unmapped == []


_RETURN_WORDS = ("return", "attempt", "not available", "absent", "refus")


@pytest.mark.parametrize("name", EVENT_PAYLOADS)
def test_returns_and_failed_attempts_are_never_in_transit(name):
    for event in _events(name):
        text = event.raw_description.lower()
        if any(word in text for word in _RETURN_WORDS):
            assert event.status in {
                Status.RETURNING_TO_SENDER,
                Status.RETURNED,
                Status.FAILED_ATTEMPT,
                Status.EXCEPTION,
            }, (event.raw_code, event.raw_description, event.status)


@pytest.mark.parametrize(
    ("raw_code", "text", "status", "rule"),
    [
        ("IT/ED", "Enroute to delivery", Status.OUT_FOR_DELIVERY, "fedex:ED"),
        ("IT/SF", "At sort facility", Status.IN_TRANSIT, "fedex:arrived"),
        ("IT/TR", "Transfer", Status.IN_TRANSIT, "fedex:IT-moves"),
        ("IT/EA", "Export approved", Status.IN_TRANSIT, "fedex:IT-moves"),
        ("IT/CH", "Location changed", Status.IN_TRANSIT, "fedex:IT-moves"),
        ("/EP", "Enroute to pickup", Status.INFO_RECEIVED, "fedex:EP-AP"),
        ("/AP", "At pickup", Status.INFO_RECEIVED, "fedex:EP-AP"),
        # a return recognised by its text wins over the code's in-transit meaning
        ("IT/CH", "Location changed: returning to shipper", Status.RETURNING_TO_SENDER,
         "fedex:returning-text"),
        ("IT/TR", "Transfer delayed", Status.UNMAPPED, None),  # guarded: a person reads it
    ],
)  # fmt: skip
def test_fedex_documented_event_types_added_in_2025_2(raw_code, text, status, rule):
    assert normalise("fedex", raw_code, text)[0::2] == (status, rule)


@pytest.mark.parametrize(
    ("raw_code", "text"),
    [
        ("/RP", "Return label link emailed to return sender"),
        ("IT/RP", "Return label link emailed to return sender"),
        ("/LP", "Return label link cancelled by shipment originator"),
        ("/RG", "Return label link expiring soon"),
        ("/RD", "Return label link expired"),
        ("/DR", "Vehicle furnished but not used"),
        ("/AD", "At delivery"),
    ],
)
def test_fedex_codes_left_unmapped_on_purpose(raw_code, text):
    """Return-label links concern a label, not the parcel's movement; DR concerns a vehicle;
    AD ('at delivery') does not say whether the parcel was delivered. A person reads them."""
    assert normalise("fedex", raw_code, text).status is Status.UNMAPPED
