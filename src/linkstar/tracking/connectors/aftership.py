"""AfterShip tracking webhooks -> `TrackingUpdate`.

Shape (Tracking API webhook, event `tracking_update`)::

    {"event": "tracking_update", "event_id": "...", "ts": 1741000000,
     "msg": {"tracking_number": "1Z...", "slug": "ups", "tag": "InTransit",
             "subtag": "InTransit_001", "expected_delivery": "2025-03-05T18:00:00-05:00",
             "shipment_type": "UPS Ground",
             "checkpoints": [{"checkpoint_time": "2025-03-03T09:12:00-05:00",
                              "slug": "ups", "tag": "InTransit", "subtag": "InTransit_001",
                              "message": "Departed from Facility", "location": "...",
                              "city": "Louisville", "state": "KY", "zip": "40213",
                              "country_iso3": "USA", "country_name": "United States"}]}}

Codes stay AfterShip's (`code_source="aftership"`, `<tag>/<subtag>`); `country_iso3` becomes
ISO alpha-2. AfterShip passes `checkpoint_time` on in the carrier's own form; one without a
UTC offset cannot be placed in time and the payload is refused (kept as a dead letter).
`expected_delivery` is used when it carries an offset (a bare date is not guessed into one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from linkstar.tracking.connectors._payload import (
    country_iso2,
    load_json,
    lst,
    obj,
    opt_str,
    parse_time,
    req_str,
)
from linkstar.tracking.connectors.carriers import (
    UNKNOWN_CARRIER,
    aftership_carrier,
    carrier_or_detected,
)
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.core import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate

SOURCE = "aftership"
TRACKING_EVENTS = frozenset({"tracking_update"})


def raw_code(tag: str | None, subtag: str | None) -> str:
    """`<tag>/<subtag>` as the aftership table expects; the tag alone when there is no subtag."""
    if tag and subtag:
        return f"{tag}/{subtag}"
    return tag or subtag or ""


def _event_carrier(slug: str | None, fallback: str | None) -> str:
    return (
        aftership_carrier(slug)
        or (slug.strip().lower() if slug else None)
        or fallback
        or (UNKNOWN_CARRIER)
    )


def _event(raw: Any, path: str, msg_slug: str | None, carrier: str | None) -> TrackingEvent:
    item = obj(raw, path)
    stamp = req_str(item, "checkpoint_time", path)
    country = opt_str(item, "country_iso3", path) or opt_str(item, "country_region", path)
    location = opt_str(item, "location", path)
    if country is None and opt_str(item, "country_name", path):
        location = ", ".join(p for p in (location, opt_str(item, "country_name", path)) if p)
    return event_from_raw(
        carrier=_event_carrier(opt_str(item, "slug", path) or msg_slug, carrier),
        event_time=parse_time(stamp, f"{path}.checkpoint_time"),
        raw_code=raw_code(opt_str(item, "tag", path), opt_str(item, "subtag", path)),
        raw_description=opt_str(item, "message", path),
        code_source=SOURCE,
        location=location,
        city=opt_str(item, "city", path),
        state=opt_str(item, "state", path),
        postcode=opt_str(item, "zip", path),
        country=country_iso2(country),
    )


def _promised(msg: Mapping[str, Any]) -> datetime | None:
    text = opt_str(msg, "expected_delivery", "$.msg")
    if text is None:
        return None
    try:
        return parse_time(text, "$.msg.expected_delivery")
    except TrackingPayloadError:
        return None  # a bare date or a local time: AfterShip's estimate, not worth a refusal


def parse_aftership(body: bytes | str | Mapping[str, Any]) -> list[TrackingUpdate]:
    """Parse one AfterShip webhook body; raise `TrackingPayloadError` when it is not one."""
    payload = load_json(body)
    event = opt_str(payload, "event", "$")
    if event is not None and event not in TRACKING_EVENTS:
        raise TrackingPayloadError(
            f"event {event!r} carries no tracking (expected tracking_update)", "$.event"
        )
    msg = obj(payload.get("msg"), "$.msg")
    number = req_str(msg, "tracking_number", "$.msg")
    slug = opt_str(msg, "slug", "$.msg")
    carrier = aftership_carrier(slug) or carrier_or_detected(number, None)
    events = tuple(
        _event(raw, f"$.msg.checkpoints[{i}]", slug, carrier)
        for i, raw in enumerate(lst(msg, "checkpoints", "$.msg"))
    )
    service = opt_str(msg, "shipment_type", "$.msg")
    return [TrackingUpdate(number, carrier, events, SOURCE, service, _promised(msg))]
