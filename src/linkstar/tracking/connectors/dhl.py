"""DHL Shipment Tracking - Unified API: `GET /track/shipments?trackingNumber=`, API key.

The key goes in the `DHL-API-Key` header. Response::

    {"shipments": [{"id": "00340434161094042557", "service": "parcel-de",
                    "estimatedTimeOfDelivery": "2025-03-05T18:00:00+01:00",
                    "details": {"product": {"productName": "DHL PAKET"}},
                    "events": [{"timestamp": "2025-03-03T09:12:00+01:00",
                                "location": {"address": {"countryCode": "DE",
                                             "postalCode": "53113", "addressLocality": "Bonn"}},
                                "statusCode": "transit", "status": "In transit",
                                "description": "The shipment has been processed in the parcel
                                                center."}]}]}

A number DHL does not know comes back as 404 with an RFC 7807 problem (`title`, `detail`).
`raw_code` is the event `statusCode`; the description is `status` and `description` joined.
The event's carrier follows `service` (express, parcel-de, ecommerce, ...); codes are always
read with the `dhl` table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from linkstar.tracking.connectors._http import CarrierHTTP, json_body
from linkstar.tracking.connectors._payload import (
    load_json,
    lst,
    obj,
    opt_obj,
    opt_str,
    parse_time,
    req_str,
)
from linkstar.tracking.connectors._pull import optional_time
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.connectors.results import PullFailure, PullResult
from linkstar.tracking.core import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate

SOURCE = "dhl"
BASE_URL = "https://api-eu.dhl.com"
SANDBOX_URL = "https://api-test.dhl.com"  # the test environment
SERVICES = {
    "express": "dhl_express",
    "parcel-de": "dhl_parcel",
    "parcel-nl": "dhl_parcel",
    "parcel-pl": "dhl_parcel",
    "parcel-uk": "dhl_parcel",
    "ecommerce": "dhl_ecommerce",
    "ecommerce-europe": "dhl_ecommerce",
    "ecommerce-apac": "dhl_ecommerce",
    "ecommerce-ppl": "dhl_ecommerce",
    "ecommerce-iberia": "dhl_ecommerce",
    "freight": "dhl_freight",
    "dgf": "dhl_global_forwarding",
    "post-de": "deutsche_post",
    "post-international": "deutsche_post",
    "sameday": "dhl_sameday",
}
_OWN_TABLE = frozenset({"dhl", "dhl_express", "dhl_ecommerce", "dhl_parcel", "dhl_unified"})


def _text(item: Mapping[str, Any], path: str) -> str:
    status = opt_str(item, "status", path)
    description = opt_str(item, "description", path)
    if status and description and status.casefold() != description.casefold():
        return f"{status} {description}"
    return status or description or ""


def _event(raw: Any, path: str, carrier: str) -> TrackingEvent:
    item = obj(raw, path)
    address = opt_obj(opt_obj(item, "location", path), "address", f"{path}.location")
    where = f"{path}.location.address"
    return event_from_raw(
        carrier=carrier,
        event_time=parse_time(req_str(item, "timestamp", path), f"{path}.timestamp"),
        raw_code=opt_str(item, "statusCode", path),
        raw_description=_text(item, path),
        code_source=None if carrier in _OWN_TABLE else SOURCE,
        city=opt_str(address, "addressLocality", where),
        postcode=opt_str(address, "postalCode", where),
        country=opt_str(address, "countryCode", where),
    )


def parse_dhl(body: bytes | str | Mapping[str, Any]) -> PullResult:
    """Parse one Unified API response into an update per shipment."""
    payload = load_json(body)
    updates: list[TrackingUpdate] = []
    for s, raw in enumerate(lst(payload, "shipments", "$", required=True)):
        path = f"$.shipments[{s}]"
        shipment = obj(raw, path)
        number = req_str(shipment, "id", path)
        service = opt_str(shipment, "service", path)
        carrier = SERVICES.get((service or "").lower(), "dhl")
        events = tuple(
            _event(e, f"{path}.events[{i}]", carrier)
            for i, e in enumerate(lst(shipment, "events", path))
        )
        product = opt_obj(opt_obj(shipment, "details", path), "product", f"{path}.details")
        name = opt_str(product, "productName", f"{path}.details.product")
        promised = optional_time(shipment, "estimatedTimeOfDelivery", path)
        updates.append(TrackingUpdate(number, carrier, events, SOURCE, name or service, promised))
    return PullResult(tuple(updates))


def _problem(response: httpx.Response) -> str:
    body = json_body(response)
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
        if parts:
            return ": ".join(parts)[:300]
    return f"HTTP {response.status_code}"


class DHLTracking:
    """DHL Unified tracking client: one number per call, `DHL-API-Key` header."""

    carrier = "dhl"
    batch_size = 1

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = BASE_URL,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        if not api_key:
            raise ValueError("dhl: an API key is required")
        self.http_client = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._http = CarrierHTTP(
            carrier="dhl",
            client=self.http_client,
            auth=lambda: {"DHL-API-Key": api_key},
            sleep=sleep,
        )

    def track(self, numbers: Sequence[str]) -> PullResult:
        """One GET per number; DHL's 404 problem becomes a not-found failure."""
        return PullResult.merge(self._one(number) for number in numbers)

    def _one(self, number: str) -> PullResult:
        response = self._http.send("GET", "/track/shipments", params={"trackingNumber": number})
        if response.status_code == 404:
            return PullResult(failures=(PullFailure(number, _problem(response), True),))
        if response.status_code != 200:
            return PullResult(failures=(PullFailure(number, _problem(response)),))
        try:
            return parse_dhl(response.content)
        except TrackingPayloadError as error:
            return PullResult(failures=(PullFailure(number, str(error)),))

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self.http_client.close()
