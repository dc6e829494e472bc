"""The generic LinkStar tracking JSON format (webhook body or file) -> `TrackingUpdate`.

For a 3PL, a regional carrier or a seller's own script that is neither 17TRACK nor
AfterShip. Documented in docs/formats/tracking.md ("Generic JSON"); one update::

    {"tracking_number": "9400111201080805483016", "carrier": "usps",
     "carrier_service": "Ground Advantage", "promised_by": "2025-03-06T20:00:00-05:00",
     "events": [{"event_time": "2025-03-03T09:12:00-05:00", "raw_code": "10",
                 "raw_description": "Arrived at USPS Regional Facility",
                 "code_source": null, "location": null, "city": "Louisville",
                 "state": "KY", "postcode": "40213", "country": "US"}]}

or several: `{"updates": [<update>, ...]}` (at most `MAX_UPDATES`). `carrier` may be left
out: it is then detected from the number when that is certain enough, and the events of a
parcel nobody can name are kept under carrier `unknown` (unmapped, so they are flagged).
Numbers are normalised like typed labels (upper case, no spaces or dashes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linkstar.tracking.connectors._payload import (
    load_json,
    lst,
    obj,
    opt_str,
    parse_time,
    req_str,
)
from linkstar.tracking.connectors.carriers import UNKNOWN_CARRIER, carrier_or_detected
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.core import TrackingEvent, event_from_raw, normalise_tracking_number
from linkstar.tracking.core.updates import TrackingUpdate

SOURCE = "generic"
MAX_UPDATES = 1000
MAX_EVENTS = 500
_UPDATE_KEYS = frozenset({"tracking_number", "carrier", "carrier_service", "promised_by", "events"})
_EVENT_KEYS = frozenset(
    {
        "event_time",
        "raw_code",
        "raw_description",
        "code_source",
        "location",
        "city",
        "state",
        "postcode",
        "country",
    }
)


def _unknown_keys(item: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
    extra = sorted(str(k) for k in item if k not in allowed)
    if extra:
        raise TrackingPayloadError(f"unknown keys {extra}", path)


def _event(raw: Any, path: str, carrier: str) -> TrackingEvent:
    item = obj(raw, path)
    _unknown_keys(item, _EVENT_KEYS, path)
    if opt_str(item, "raw_code", path) is None and opt_str(item, "raw_description", path) is None:
        raise TrackingPayloadError("an event needs raw_code or raw_description", path)
    return event_from_raw(
        carrier=carrier,
        event_time=parse_time(req_str(item, "event_time", path), f"{path}.event_time"),
        raw_code=opt_str(item, "raw_code", path),
        raw_description=opt_str(item, "raw_description", path),
        code_source=opt_str(item, "code_source", path),
        location=opt_str(item, "location", path),
        city=opt_str(item, "city", path),
        state=opt_str(item, "state", path),
        postcode=opt_str(item, "postcode", path),
        country=opt_str(item, "country", path),
    )


def _update(raw: Any, path: str) -> TrackingUpdate:
    item = obj(raw, path)
    _unknown_keys(item, _UPDATE_KEYS, path)
    number = normalise_tracking_number(req_str(item, "tracking_number", path))
    if not number:
        raise TrackingPayloadError("has no letters or digits", f"{path}.tracking_number")
    carrier = carrier_or_detected(number, opt_str(item, "carrier", path))
    raw_events = lst(item, "events", path, required=True)
    if len(raw_events) > MAX_EVENTS:
        raise TrackingPayloadError(f"more than {MAX_EVENTS} events", f"{path}.events")
    events = tuple(
        _event(e, f"{path}.events[{i}]", carrier or UNKNOWN_CARRIER)
        for i, e in enumerate(raw_events)
    )
    promised_text = opt_str(item, "promised_by", path)
    promised = parse_time(promised_text, f"{path}.promised_by") if promised_text else None
    service = opt_str(item, "carrier_service", path)
    return TrackingUpdate(number, carrier, events, SOURCE, service, promised)


def parse_generic(body: bytes | str | Mapping[str, Any]) -> list[TrackingUpdate]:
    """Parse a generic LinkStar tracking body; raise `TrackingPayloadError` when it is not one."""
    payload = load_json(body)
    if "updates" not in payload:
        return [_update(payload, "$")]
    if len(payload) != 1:
        raise TrackingPayloadError("a batch holds only 'updates'", "$")
    raw_updates = lst(payload, "updates", "$", required=True)
    if not raw_updates:
        raise TrackingPayloadError("is empty", "$.updates")
    if len(raw_updates) > MAX_UPDATES:
        raise TrackingPayloadError(f"more than {MAX_UPDATES} updates", "$.updates")
    return [_update(raw, f"$.updates[{i}]") for i, raw in enumerate(raw_updates)]
