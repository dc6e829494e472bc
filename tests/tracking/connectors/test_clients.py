"""Pull clients over httpx.MockTransport: OAuth caching, 401 refresh, 429, 404, batching."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from linkstar.tracking.connectors import (
    CarrierAPIError,
    DHLTracking,
    FedExTracking,
    PullFailure,
    RateLimited,
    UPSTracking,
    USPSTracking,
)
from linkstar.tracking.connectors._http import retry_after_seconds
from tests.tracking.connectors.recorded import body, data

Handler = Callable[[httpx.Request], httpx.Response]


class FakeCarrier:
    """Answers the token endpoint and hands tracking requests to `track`; records calls."""

    def __init__(self, token_path: str, track: Handler) -> None:
        self.token_path = token_path
        self.track = track
        self.requests: list[httpx.Request] = []
        self.tokens_issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == self.token_path:
            self.tokens_issued += 1
            return httpx.Response(
                200, json={"access_token": f"tok{self.tokens_issued}", "expires_in": "3599"}
            )
        return self.track(request)

    @property
    def track_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != self.token_path]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_usps_token_is_fetched_once_sent_as_bearer_and_cached():
    fake = FakeCarrier(
        "/oauth2/v3/token", lambda r: httpx.Response(200, content=body("usps_tracking_v3.json"))
    )
    clock = Clock()
    client = USPSTracking(
        client_id="id", client_secret="sec", transport=httpx.MockTransport(fake), clock=clock
    )
    result = client.track(["9400111201080805483016", "9400111201080805483016"])
    assert len(result.updates) == 2
    assert fake.tokens_issued == 1
    token_request = fake.requests[0]
    assert json.loads(token_request.content) == {
        "grant_type": "client_credentials", "client_id": "id", "client_secret": "sec",
    }  # fmt: skip
    call = fake.track_requests[0]
    assert call.url.path == "/tracking/v3/tracking/9400111201080805483016"
    assert call.url.params["expand"] == "DETAIL"
    assert call.headers["Authorization"] == "Bearer tok1"
    clock.now += 3599 - 60 + 1  # past expiry minus the safety margin
    client.track(["9400111201080805483016"])
    assert fake.tokens_issued == 2
    assert fake.track_requests[-1].headers["Authorization"] == "Bearer tok2"


def test_401_refreshes_the_token_once_and_retries():
    def track(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer tok1":
            return httpx.Response(401, json={"error": "invalid_token"})
        return httpx.Response(200, content=body("ups_track_delivered.json"))

    fake = FakeCarrier("/security/v1/oauth/token", track)
    client = UPSTracking(client_id="id", client_secret="sec", transport=httpx.MockTransport(fake))
    result = client.track(["1ZA1B2C30312345673"])
    assert [u.tracking_number for u in result.updates] == ["1ZA1B2C30312345673"]
    assert fake.tokens_issued == 2
    token_request = fake.requests[0]
    assert token_request.headers["Authorization"].startswith("Basic ")  # UPS: HTTP Basic
    assert token_request.content == b"grant_type=client_credentials"
    assert fake.track_requests[-1].headers["transactionSrc"] == "linkstar"
    assert len(fake.track_requests[-1].headers["transId"]) == 32


def test_401_twice_is_a_credentials_error():
    fake = FakeCarrier("/security/v1/oauth/token", lambda r: httpx.Response(401))
    client = UPSTracking(client_id="id", client_secret="sec", transport=httpx.MockTransport(fake))
    with pytest.raises(CarrierAPIError) as error:
        client.track(["1ZA1B2C30312345673"])
    assert (error.value.reason, error.value.status_code) == ("credentials refused (401)", 401)
    assert fake.tokens_issued == 2


def test_token_endpoint_refusal_is_reported():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_client"})

    client = FedExTracking(
        client_id="id", client_secret="bad", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(CarrierAPIError) as error:
        client.track(["794843185271"])
    assert error.value.reason == 'token request refused (400): {"error":"invalid_client"}'


def test_short_429_is_waited_out_with_retry_after():
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, content=body("dhl_parcel_de.json")),
        ]
    )
    waits: list[float] = []
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    client = DHLTracking(api_key="k", transport=httpx.MockTransport(handler), sleep=waits.append)
    result = client.track(["00340434161094042557"])
    assert waits == [3.0]
    assert [u.tracking_number for u in result.updates] == ["00340434161094042557"]
    assert all(r.headers["DHL-API-Key"] == "k" for r in seen)
    assert seen[0].url.params["trackingNumber"] == "00340434161094042557"


def test_long_429_raises_rate_limited_for_the_dispatcher():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"})

    waits: list[float] = []
    client = DHLTracking(api_key="k", transport=httpx.MockTransport(handler), sleep=waits.append)
    with pytest.raises(RateLimited) as error:
        client.track(["00340434161094042557"])
    assert error.value.retry_after == 3600.0
    assert waits == []


def test_second_429_after_waiting_raises():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "2"})

    waits: list[float] = []
    client = DHLTracking(api_key="k", transport=httpx.MockTransport(handler), sleep=waits.append)
    with pytest.raises(RateLimited):
        client.track(["00340434161094042557"])
    assert waits == [2.0]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), (None, 1.0), ("soon", 1.0), ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0)],
)
def test_retry_after_forms(header, seconds):
    now = 1445412480.0  # 2015-10-21T07:28:00Z
    assert retry_after_seconds(header, now=now) == seconds


@pytest.mark.parametrize(
    ("client_factory", "token_path", "status", "recorded", "reason"),
    [
        (
            lambda t: USPSTracking(client_id="i", client_secret="s", transport=t),
            "/oauth2/v3/token",
            404,
            "usps_not_found.json",
            "The tracking number may be incorrect or the status update is not yet available.",
        ),
        (
            lambda t: UPSTracking(client_id="i", client_secret="s", transport=t),
            "/security/v1/oauth/token",
            404,
            "ups_404.json",
            "151018 Invalid tracking number",
        ),
        (
            lambda t: DHLTracking(api_key="k", transport=t),
            "/none",
            404,
            "dhl_404.json",
            "No result found: No shipment with given tracking number found.",
        ),
    ],
)
def test_not_found_numbers_are_flagged_and_the_others_still_tracked(
    client_factory, token_path, status, recorded, reason
):
    good = {
        "/oauth2/v3/token": "usps_tracking_v3.json",
        "/security/v1/oauth/token": "ups_track_delivered.json",
        "/none": "dhl_parcel_de.json",
    }[token_path]

    def track(request: httpx.Request) -> httpx.Response:
        if "BAD" in str(request.url):
            return httpx.Response(status, content=body(recorded))
        return httpx.Response(200, content=body(good))

    client = client_factory(httpx.MockTransport(FakeCarrier(token_path, track)))
    result = client.track(["BAD1", "GOOD1"])
    assert result.failures == (PullFailure("BAD1", reason, True),)
    assert len(result.updates) == 1


def test_unreadable_response_is_a_failure_for_that_number_only():
    def track(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("BAD1"):
            return httpx.Response(200, content=b"<html>maintenance</html>")
        return httpx.Response(200, content=body("usps_tracking_v3.json"))

    client = USPSTracking(
        client_id="i",
        client_secret="s",
        transport=httpx.MockTransport(FakeCarrier("/oauth2/v3/token", track)),
    )
    result = client.track(["BAD1", "9400111201080805483016"])
    assert [f.tracking_number for f in result.failures] == ["BAD1"]
    assert result.failures[0].not_found is False
    assert result.failures[0].reason.startswith("$: body is not JSON")
    assert len(result.updates) == 1


def test_server_error_fails_the_call():
    client = DHLTracking(
        api_key="k", transport=httpx.MockTransport(lambda r: httpx.Response(503, text="busy"))
    )
    with pytest.raises(CarrierAPIError) as error:
        client.track(["00340434161094042557"])
    assert error.value.status_code == 503


def test_network_error_is_a_carrier_error():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = DHLTracking(api_key="k", transport=httpx.MockTransport(handler))
    with pytest.raises(CarrierAPIError) as error:
        client.track(["00340434161094042557"])
    assert error.value.reason == "request failed: connection refused"


def test_fedex_batches_30_numbers_per_post():
    recorded = data("fedex_track_batch.json")

    def track(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        assert sent["includeDetailedScans"] is True
        numbers = [i["trackingNumberInfo"]["trackingNumber"] for i in sent["trackingInfo"]]
        results = [
            {
                "trackingNumber": n,
                "trackResults": [
                    {
                        **recorded["output"]["completeTrackResults"][0]["trackResults"][0],
                        "trackingNumberInfo": {"trackingNumber": n},
                    }
                ],
            }
            for n in numbers
        ]
        return httpx.Response(200, json={"output": {"completeTrackResults": results}})

    fake = FakeCarrier("/oauth/token", track)
    client = FedExTracking(client_id="i", client_secret="s", transport=httpx.MockTransport(fake))
    numbers = [f"7948431852{i:02d}" for i in range(65)]
    result = client.track(numbers)
    sizes = [len(json.loads(r.content)["trackingInfo"]) for r in fake.track_requests]
    assert sizes == [30, 30, 5]
    assert [u.tracking_number for u in result.updates] == numbers
    assert fake.tokens_issued == 1
    token_form = fake.requests[0].content.decode()
    assert token_form == "grant_type=client_credentials&client_id=i&client_secret=s"


def test_fedex_400_flags_every_number_of_the_batch():
    def track(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=body("fedex_error_400.json"))

    client = FedExTracking(
        client_id="i",
        client_secret="s",
        transport=httpx.MockTransport(FakeCarrier("/oauth/token", track)),
    )
    result = client.track(["", "x"])
    assert result.updates == ()
    assert result.failures == (
        PullFailure("", "TRACKING.TRACKINGNUMBER.EMPTY Please provide tracking number."),
        PullFailure("x", "TRACKING.TRACKINGNUMBER.EMPTY Please provide tracking number."),
    )


def test_credentials_are_required():
    with pytest.raises(ValueError, match="client id and secret are required"):
        USPSTracking(client_id="", client_secret="s")
    with pytest.raises(ValueError, match="an API key is required"):
        DHLTracking(api_key="")
