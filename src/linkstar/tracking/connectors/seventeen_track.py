"""17TRACK API v2 push (webhook) payloads -> `TrackingUpdate`.

Shape (v2.2/v2.4 push, one parcel per delivery)::

    {"event": "TRACKING_UPDATED",
     "data": {"number": "RR123456785CN", "carrier": 3011, "tag": "...",
              "track_info": {
                  "latest_status": {"status": "InTransit", "sub_status": "InTransit_Other"},
                  "time_metrics": {"estimated_delivery_date": {"from": "...", "to": "..."}},
                  "tracking": {"providers": [
                      {"provider": {"key": 3011, "name": "China Post", "country": "CN"},
                       "service_type": null,
                       "events": [{"time_iso": "2025-03-02T15:30:00+08:00",
                                   "time_utc": "2025-03-02T07:30:00Z",
                                   "description": "...", "location": "...",
                                   "stage": "InTransit", "sub_status": "InTransit_Other",
                                   "address": {"country": "CN", "state": null,
                                               "city": "Shenzhen", "postal_code": null}}]}]}}}}

`TRACKING_STOPPED` carries no `track_info`: it gives an update without events (17TRACK stopped
following the number). Events keep 17TRACK's codes (`code_source="17track"`), as
`<main status>/<sub_status>`; the event's carrier is the provider that scanned it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from linkstar.tracking.connectors._payload import (
    load_json,
    lst,
    obj,
    opt_obj,
    opt_str,
    parse_time,
    req_str,
)
from linkstar.tracking.connectors.carriers import (
    UNKNOWN_CARRIER,
    carrier_or_detected,
    seventeen_track_carrier,
)
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.core import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate

SOURCE = "17track"
EVENTS = frozenset({"TRACKING_UPDATED", "TRACKING_STOPPED"})
MAIN_STATUSES = frozenset(
    {
        "NotFound",
        "InfoReceived",
        "InTransit",
        "Expired",
        "AvailableForPickup",
        "OutForDelivery",
        "DeliveryFailure",
        "Delivered",
        "Exception",
    }
)


def raw_code(stage: str | None, sub_status: str | None) -> str:
    """`<main status>/<sub_status>` as the 17track table expects; the main status alone else."""
    if sub_status:
        main = sub_status.split("_", 1)[0]
        return f"{main}/{sub_status}" if main in MAIN_STATUSES else sub_status
    return stage or ""


def _carrier_key(value: Any, path: str) -> int | str | None:
    if value is None or (isinstance(value, int | str) and not isinstance(value, bool)):
        return value
    raise TrackingPayloadError("expected a carrier key (number)", path)


def _event_carrier(key: int | str | None, fallback: str | None) -> str:
    mapped = seventeen_track_carrier(key)
    if mapped:
        return mapped
    if key is not None and str(key).strip():
        return f"17track:{str(key).strip()}"
    return fallback or UNKNOWN_CARRIER


def _event(raw: Any, path: str, carrier: str) -> TrackingEvent:
    item = obj(raw, path)
    stamp = opt_str(item, "time_iso", path) or opt_str(item, "time_utc", path)
    if stamp is None:
        raise TrackingPayloadError("event has neither time_iso nor time_utc", path)
    field = "time_iso" if opt_str(item, "time_iso", path) else "time_utc"
    address = opt_obj(item, "address", path)
    return event_from_raw(
        carrier=carrier,
        event_time=parse_time(stamp, f"{path}.{field}"),
        raw_code=raw_code(opt_str(item, "stage", path), opt_str(item, "sub_status", path)),
        raw_description=opt_str(item, "description", path),
        code_source=SOURCE,
        location=opt_str(item, "location", path),
        city=opt_str(address, "city", f"{path}.address"),
        state=opt_str(address, "state", f"{path}.address"),
        postcode=opt_str(address, "postal_code", f"{path}.address"),
        country=opt_str(address, "country", f"{path}.address"),
    )


def _promised(track_info: Mapping[str, Any], path: str) -> datetime | None:
    metrics = opt_obj(track_info, "time_metrics", path)
    window = opt_obj(metrics, "estimated_delivery_date", f"{path}.time_metrics")
    where = f"{path}.time_metrics.estimated_delivery_date"
    for key in ("to", "from"):
        text = opt_str(window, key, where)
        if text:
            return parse_time(text, f"{where}.{key}")
    return None


def parse_17track(body: bytes | str | Mapping[str, Any]) -> list[TrackingUpdate]:
    """Parse one 17TRACK v2 push body; raise `TrackingPayloadError` when it is not one."""
    payload = load_json(body)
    event = req_str(payload, "event", "$")
    if event not in EVENTS:
        expected = " or ".join(sorted(EVENTS))
        raise TrackingPayloadError(f"unknown event {event!r} (expected {expected})", "$.event")
    data = obj(payload.get("data"), "$.data")
    number = req_str(data, "number", "$.data")
    carrier_key = _carrier_key(data.get("carrier"), "$.data.carrier")
    carrier = seventeen_track_carrier(carrier_key) or carrier_or_detected(number, None)
    track_info = opt_obj(data, "track_info", "$.data")
    if event == "TRACKING_STOPPED" or not track_info:
        return [TrackingUpdate(number, carrier, (), SOURCE)]
    tracking = opt_obj(track_info, "tracking", "$.data.track_info")
    events: list[TrackingEvent] = []
    service: str | None = None
    base = "$.data.track_info.tracking.providers"
    for p, raw_provider in enumerate(lst(tracking, "providers", "$.data.track_info.tracking")):
        provider_path = f"{base}[{p}]"
        provider = obj(raw_provider, provider_path)
        info = opt_obj(provider, "provider", provider_path)
        key = _carrier_key(info.get("key"), f"{provider_path}.provider.key")
        scanned_by = _event_carrier(key, carrier)
        service = service or opt_str(provider, "service_type", provider_path)
        for e, raw_event in enumerate(lst(provider, "events", provider_path)):
            events.append(_event(raw_event, f"{provider_path}.events[{e}]", scanned_by))
    promised = _promised(track_info, "$.data.track_info")
    return [TrackingUpdate(number, carrier, tuple(events), SOURCE, service, promised)]
