"""FedEx Track API: `POST /track/v1/trackingnumbers`, up to 30 numbers per call, OAuth 2.

Request: `{"includeDetailedScans": true, "trackingInfo": [{"trackingNumberInfo":
{"trackingNumber": "..."}}, ...]}`. Response::

    {"transactionId": "...", "output": {"completeTrackResults": [
        {"trackingNumber": "794843185271", "trackResults": [{
            "trackingNumberInfo": {"trackingNumber": "794843185271", "carrierCode": "FDXE"},
            "serviceDetail": {"type": "FEDEX_2_DAY", "description": "FedEx 2Day"},
            "estimatedDeliveryTimeWindow": {"window": {"ends": "2025-03-05T20:00:00-05:00"}},
            "scanEvents": [{"date": "2025-03-03T09:12:00-05:00", "eventType": "AR",
                            "eventDescription": "Arrived at FedEx location",
                            "exceptionCode": "", "exceptionDescription": "",
                            "derivedStatusCode": "IT", "derivedStatus": "In transit",
                            "scanLocation": {"city": "MEMPHIS", "stateOrProvinceCode": "TN",
                                             "postalCode": "38118", "countryCode": "US"}}]}]},
        {"trackingNumber": "123456789012", "trackResults": [{"error": {
            "code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "Tracking number cannot
            be found. Please correct the tracking number and try again."}}]}]}}

`raw_code` is `<derivedStatusCode>/<eventType>`; the description is `eventDescription`
followed by `exceptionDescription` when there is one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from linkstar.tracking.connectors._http import CarrierHTTP, OAuthClientCredentials, json_body
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
from linkstar.tracking.connectors.errors import CarrierAPIError, TrackingPayloadError
from linkstar.tracking.connectors.results import PullFailure, PullResult
from linkstar.tracking.core import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate

CARRIER = "fedex"
BASE_URL = "https://apis.fedex.com"
SANDBOX_URL = "https://apis-sandbox.fedex.com"  # the sandbox
OAUTH_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"
BATCH_SIZE = 30  # the Track API's documented maximum per request
NOT_FOUND_CODES = frozenset({"TRACKING.TRACKINGNUMBER.NOTFOUND", "TRACKING.TRACKINGNUMBER.INVALID"})


def _event(raw: Any, path: str) -> TrackingEvent:
    item = obj(raw, path)
    derived = opt_str(item, "derivedStatusCode", path) or ""
    kind = opt_str(item, "eventType", path) or ""
    text = " ".join(
        t
        for t in (
            opt_str(item, "eventDescription", path),
            opt_str(item, "exceptionDescription", path),
        )
        if t
    )
    place = opt_obj(item, "scanLocation", path)
    where = f"{path}.scanLocation"
    return event_from_raw(
        carrier=CARRIER,
        event_time=parse_time(req_str(item, "date", path), f"{path}.date"),
        raw_code=f"{derived}/{kind}" if derived or kind else "",
        raw_description=text,
        city=opt_str(place, "city", where),
        state=opt_str(place, "stateOrProvinceCode", where),
        postcode=opt_str(place, "postalCode", where),
        country=opt_str(place, "countryCode", where),
    )


def _track_result(raw: Any, path: str, number: str) -> TrackingUpdate | PullFailure:
    result = obj(raw, path)
    error = opt_obj(result, "error", path)
    if error:
        code = opt_str(error, "code", f"{path}.error") or "error"
        message = opt_str(error, "message", f"{path}.error") or ""
        return PullFailure(number, f"{code} {message}".strip(), code in NOT_FOUND_CODES)
    info = opt_obj(result, "trackingNumberInfo", path)
    number = opt_str(info, "trackingNumber", f"{path}.trackingNumberInfo") or number
    events = tuple(
        _event(e, f"{path}.scanEvents[{i}]") for i, e in enumerate(lst(result, "scanEvents", path))
    )
    service = opt_obj(result, "serviceDetail", path)
    window = opt_obj(
        opt_obj(result, "estimatedDeliveryTimeWindow", path),
        "window",
        f"{path}.estimatedDeliveryTimeWindow",
    )
    where = f"{path}.estimatedDeliveryTimeWindow.window"
    promised = optional_time(window, "ends", where) or optional_time(window, "begins", where)
    description = opt_str(service, "description", f"{path}.serviceDetail")
    return TrackingUpdate(number, CARRIER, events, CARRIER, description, promised)


def parse_fedex(body: bytes | str | Mapping[str, Any]) -> PullResult:
    """Parse one Track API response: updates for found numbers, failures for the others."""
    payload = load_json(body)
    output = obj(payload.get("output"), "$.output")
    updates: list[TrackingUpdate] = []
    failures: list[PullFailure] = []
    results = lst(output, "completeTrackResults", "$.output", required=True)
    for c, raw_complete in enumerate(results):
        path = f"$.output.completeTrackResults[{c}]"
        complete = obj(raw_complete, path)
        number = req_str(complete, "trackingNumber", path)
        for t, raw in enumerate(lst(complete, "trackResults", path, required=True)):
            outcome = _track_result(raw, f"{path}.trackResults[{t}]", number)
            if isinstance(outcome, PullFailure):
                failures.append(outcome)
            else:
                updates.append(outcome)
    return PullResult(tuple(updates), tuple(failures))


def _errors(response: httpx.Response) -> str:
    body = json_body(response)
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return "; ".join(
            f"{e.get('code', '')} {e.get('message', '')}".strip()
            for e in body["errors"]
            if isinstance(e, dict)
        )[:300]
    return f"HTTP {response.status_code}"


class FedExTracking:
    """FedEx Track API client: up to 30 numbers per POST, OAuth token cached."""

    carrier = CARRIER
    batch_size = BATCH_SIZE

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
            style="form",
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
        """One POST per 30 numbers."""
        return PullResult.merge(
            self._batch(numbers[i : i + BATCH_SIZE]) for i in range(0, len(numbers), BATCH_SIZE)
        )

    def _batch(self, numbers: Sequence[str]) -> PullResult:
        body = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in numbers],
        }
        response = self._http.send("POST", TRACK_PATH, json=body)
        if response.status_code != 200:
            if 400 <= response.status_code < 500:
                reason = _errors(response)
                return PullResult(failures=tuple(PullFailure(n, reason) for n in numbers))
            raise CarrierAPIError(CARRIER, _errors(response), response.status_code)
        try:
            return parse_fedex(response.content)
        except TrackingPayloadError as error:
            return PullResult(failures=tuple(PullFailure(n, str(error)) for n in numbers))

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self.http_client.close()
