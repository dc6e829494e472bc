"""USPS Tracking API v3: `GET /tracking/v3/tracking/{number}?expand=DETAIL`, OAuth 2.

Response (one number per call)::

    {"trackingNumber": "9400111201080805483016", "mailClass": "USPS Ground Advantage",
     "expectedDeliveryTimeStamp": "2025-03-06T21:00:00Z",
     "trackingEvents": [{"eventType": "Delivered, In/At Mailbox", "eventCode": "01",
                         "eventTimestamp": "2025-03-05T13:45:00", "GMTTimestamp":
                         "2025-03-05T18:45:00Z", "GMTOffset": "-05:00",
                         "eventCity": "LOUISVILLE", "eventState": "KY", "eventZIP": "40213",
                         "eventCountry": null, "firm": null, "authorizedAgent": false}]}

`eventTimestamp` is the local time of the scan: it is placed with `GMTOffset`, or
`GMTTimestamp` (UTC) is used; a scan with neither cannot be placed and refuses the response.
`eventCountry` is empty for domestic scans, which are therefore `US` when a ZIP is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from linkstar.tracking.connectors._http import CarrierHTTP, OAuthClientCredentials, json_body
from linkstar.tracking.connectors._payload import (
    load_json,
    lst,
    obj,
    opt_str,
    parse_time,
    req_str,
)
from linkstar.tracking.connectors._pull import at_offset, optional_time, utc_naive
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.connectors.results import PullFailure, PullResult
from linkstar.tracking.core import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate

CARRIER = "usps"
BASE_URL = "https://apis.usps.com"
SANDBOX_URL = "https://apis-tem.usps.com"  # the Test Environment for Mailers (TEM)
OAUTH_PATH = "/oauth2/v3/token"


def _event_time(item: Mapping[str, Any], path: str) -> datetime:
    local = opt_str(item, "eventTimestamp", path)
    offset = opt_str(item, "GMTOffset", path)
    if local and offset:
        return at_offset(local, offset, f"{path}.eventTimestamp")
    gmt = opt_str(item, "GMTTimestamp", path)
    if gmt:
        return utc_naive(gmt, f"{path}.GMTTimestamp")
    if local:
        return parse_time(local, f"{path}.eventTimestamp")
    raise TrackingPayloadError("event has no eventTimestamp", path)


def _event(raw: Any, path: str) -> TrackingEvent:
    item = obj(raw, path)
    country = opt_str(item, "eventCountry", path)
    postcode = opt_str(item, "eventZIP", path)
    if country is None and postcode is not None:
        country = "US"  # USPS leaves eventCountry empty for domestic scans
    return event_from_raw(
        carrier=CARRIER,
        event_time=_event_time(item, path),
        raw_code=opt_str(item, "eventCode", path),
        raw_description=opt_str(item, "eventType", path),
        city=opt_str(item, "eventCity", path),
        state=opt_str(item, "eventState", path),
        postcode=postcode,
        country=country,
    )


def parse_usps(body: bytes | str | Mapping[str, Any]) -> TrackingUpdate:
    """Parse one Tracking v3 response (expand=DETAIL) into an update."""
    payload = load_json(body)
    number = req_str(payload, "trackingNumber", "$")
    events = tuple(
        _event(raw, f"$.trackingEvents[{i}]")
        for i, raw in enumerate(lst(payload, "trackingEvents", "$"))
    )
    return TrackingUpdate(
        number,
        CARRIER,
        events,
        CARRIER,
        opt_str(payload, "mailClass", "$"),
        optional_time(payload, "expectedDeliveryTimeStamp", "$"),
    )


def _error_reason(response: httpx.Response) -> str:
    body = json_body(response)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    return f"HTTP {response.status_code}"


class USPSTracking:
    """USPS Tracking v3 client: one number per call, OAuth token cached."""

    carrier = CARRIER
    batch_size = 1

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        base_url: str = BASE_URL,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 30.0,
    ) -> None:
        self.http_client = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self.oauth = OAuthClientCredentials(
            carrier=CARRIER,
            token_url=OAUTH_PATH,
            client_id=client_id,
            client_secret=client_secret,
            style="json",
            clock=clock,
        )
        self._http = CarrierHTTP(
            carrier=CARRIER,
            client=self.http_client,
            auth=lambda: {"Authorization": f"Bearer {self.oauth.token(self.http_client)}"},
            refresh=self.oauth.invalidate,
            sleep=sleep,
        )

    def track(self, numbers: Sequence[str]) -> PullResult:
        """One GET per number; not-found and unreadable numbers become failures."""
        return PullResult.merge(self._one(number) for number in numbers)

    def _one(self, number: str) -> PullResult:
        response = self._http.send(
            "GET", f"/tracking/v3/tracking/{quote(number, safe='')}", params={"expand": "DETAIL"}
        )
        if response.status_code == 404:
            return PullResult(failures=(PullFailure(number, _error_reason(response), True),))
        if response.status_code != 200:
            return PullResult(failures=(PullFailure(number, _error_reason(response)),))
        try:
            return PullResult(updates=(parse_usps(response.content),))
        except TrackingPayloadError as error:
            return PullResult(failures=(PullFailure(number, str(error)),))

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self.http_client.close()
