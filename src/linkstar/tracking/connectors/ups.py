"""UPS Track API: `GET /api/track/v1/details/{inquiryNumber}`, OAuth 2 (client credentials).

Response::

    {"trackResponse": {"shipment": [{"inquiryNumber": "1Z...",
        "package": [{"trackingNumber": "1Z...",
                     "service": {"code": "003", "description": "UPS Ground"},
                     "activity": [{"location": {"address": {"city": "Louisville",
                                     "stateProvince": "KY", "postalCode": "40213",
                                     "countryCode": "US", "country": "US"}},
                                   "status": {"type": "I", "code": "DP",
                                              "description": "Departed from Facility",
                                              "statusCode": "005"},
                                   "date": "20250303", "time": "091200",
                                   "gmtDate": "20250303", "gmtTime": "14:12:00",
                                   "gmtOffset": "-05:00"}]}],
        "warnings": [{"code": "TW0001", "message": "Tracking Information Not Found"}]}]}}

`raw_code` is `<status.type>/<status.code>`. The event time is `date` + `time` at `gmtOffset`,
or `gmtDate` + `gmtTime` in UTC. A shipment that comes back with only a warning is a
not-found number (a failure), not an error.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from linkstar.tracking.connectors._http import CarrierHTTP, OAuthClientCredentials, json_body
from linkstar.tracking.connectors._payload import load_json, lst, obj, opt_obj, opt_str
from linkstar.tracking.connectors._pull import local_time, utc_naive
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.connectors.results import PullFailure, PullResult
from linkstar.tracking.core import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate

CARRIER = "ups"
BASE_URL = "https://onlinetools.ups.com"
SANDBOX_URL = "https://wwwcie.ups.com"  # the Customer Integration Environment (CIE)
OAUTH_PATH = "/security/v1/oauth/token"


def _event_time(item: Mapping[str, Any], path: str) -> datetime:
    date, clock = opt_str(item, "date", path), opt_str(item, "time", path)
    offset = opt_str(item, "gmtOffset", path)
    if date and clock and offset:
        return local_time(date, clock, offset, path)
    gmt_date, gmt_time = opt_str(item, "gmtDate", path), opt_str(item, "gmtTime", path)
    if gmt_date and gmt_time and len(gmt_date) == 8 and gmt_date.isdigit():
        iso = f"{gmt_date[:4]}-{gmt_date[4:6]}-{gmt_date[6:]}T{gmt_time}"
        return utc_naive(iso, f"{path}.gmtTime")
    raise TrackingPayloadError("activity has neither date+time+gmtOffset nor gmtDate+gmtTime", path)


def _event(raw: Any, path: str) -> TrackingEvent:
    item = obj(raw, path)
    status = opt_obj(item, "status", path)
    kind = opt_str(status, "type", f"{path}.status")
    code = opt_str(status, "code", f"{path}.status")
    address = opt_obj(opt_obj(item, "location", path), "address", f"{path}.location")
    where = f"{path}.location.address"
    return event_from_raw(
        carrier=CARRIER,
        event_time=_event_time(item, path),
        raw_code=f"{kind or ''}/{code or ''}" if kind or code else "",
        raw_description=opt_str(status, "description", f"{path}.status"),
        city=opt_str(address, "city", where),
        state=opt_str(address, "stateProvince", where),
        postcode=opt_str(address, "postalCode", where),
        country=opt_str(address, "countryCode", where) or opt_str(address, "country", where),
    )


def parse_ups(body: bytes | str | Mapping[str, Any]) -> PullResult:
    """Parse one Track API response: an update per package, a failure per empty shipment."""
    payload = load_json(body)
    track = obj(payload.get("trackResponse"), "$.trackResponse")
    updates: list[TrackingUpdate] = []
    failures: list[PullFailure] = []
    for s, raw_shipment in enumerate(lst(track, "shipment", "$.trackResponse", required=True)):
        path = f"$.trackResponse.shipment[{s}]"
        shipment = obj(raw_shipment, path)
        inquiry = opt_str(shipment, "inquiryNumber", path)
        packages = lst(shipment, "package", path)
        if not packages:
            warnings = [
                obj(w, f"{path}.warnings[{i}]")
                for i, w in enumerate(lst(shipment, "warnings", path))
            ]
            reason = "; ".join(
                f"{w.get('code', '')} {w.get('message', '')}".strip() for w in warnings
            )
            failures.append(
                PullFailure(inquiry or "?", reason or "no package in the response", True)
            )
            continue
        for p, raw_package in enumerate(packages):
            package_path = f"{path}.package[{p}]"
            package = obj(raw_package, package_path)
            number = opt_str(package, "trackingNumber", package_path) or inquiry
            if number is None:
                raise TrackingPayloadError("package has no trackingNumber", package_path)
            service = opt_obj(package, "service", package_path)
            events = tuple(
                _event(raw, f"{package_path}.activity[{i}]")
                for i, raw in enumerate(lst(package, "activity", package_path))
            )
            description = opt_str(service, "description", f"{package_path}.service")
            updates.append(TrackingUpdate(number, CARRIER, events, CARRIER, description))
    return PullResult(tuple(updates), tuple(failures))


def _error_reason(response: httpx.Response) -> str:
    body = json_body(response)
    if isinstance(body, dict):
        errors = (
            (body.get("response") or {}).get("errors")
            if isinstance(body.get("response"), dict)
            else None
        )
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return f"{first.get('code', '')} {first.get('message', '')}".strip()[:300]
    return f"HTTP {response.status_code}"


class UPSTracking:
    """UPS Track API client: one inquiry number per call, OAuth token cached."""

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
        transaction_source: str = "linkstar",
    ) -> None:
        self.http_client = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self.oauth = OAuthClientCredentials(
            carrier=CARRIER,
            token_url=OAUTH_PATH,
            client_id=client_id,
            client_secret=client_secret,
            style="form_basic",
            clock=clock,
        )
        self._source = transaction_source
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
            "GET",
            f"/api/track/v1/details/{quote(number, safe='')}",
            params={"locale": "en_US", "returnSignature": "false"},
            headers={"transId": uuid.uuid4().hex[:32], "transactionSrc": self._source},
        )
        if response.status_code == 404:
            return PullResult(failures=(PullFailure(number, _error_reason(response), True),))
        if response.status_code != 200:
            return PullResult(failures=(PullFailure(number, _error_reason(response)),))
        try:
            return parse_ups(response.content)
        except TrackingPayloadError as error:
            return PullResult(failures=(PullFailure(number, str(error)),))

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self.http_client.close()
