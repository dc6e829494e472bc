"""Polling through httpx.MockTransport: pagination, token buckets, 429/Retry-After, cursors.

No network and no real sleeping: every poll runs on a FakeClock that only advances when the
code under test sleeps.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from linkstar.orders.connectors import pollers
from linkstar.orders.connectors.clients import (
    Backoff,
    ChannelHttp,
    ChannelUnavailable,
    RateLimit,
    TokenBucket,
    retry_after,
)
from linkstar.orders.connectors.signatures import tiktok_request_sign
from linkstar.orders.core.canonical import Channel
from tests.orders.connectors.conftest import payload

START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SINCE = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def utcnow(self) -> datetime:
        return START + timedelta(seconds=self.t)


Handler = Callable[[httpx.Request], httpx.Response]


def make_http(handler: Handler, clock: FakeClock, limit: RateLimit, **kwargs: Any) -> ChannelHttp:
    return ChannelHttp(
        "https://shop.example.com/admin/api/2024-10/",
        limit=limit,
        transport=httpx.MockTransport(handler),
        clock=clock,
        **kwargs,
    )


def shopify_order(order_id: int) -> dict[str, Any]:
    raw = copy.deepcopy(payload("shopify_rest_multiline"))
    raw["id"] = order_id
    raw["name"] = f"#{order_id}"
    return raw


def query(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(request.url)).query)


def test_token_bucket_spends_the_burst_then_waits_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(rate=2.0, burst=3), clock)
    waits = [bucket.take() for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 0.5]
    assert clock.t == 1.0
    with pytest.raises(ValueError):
        TokenBucket(RateLimit(rate=0, burst=1), clock)


def test_a_slow_rate_whose_refill_rounds_below_one_token_still_gives_it() -> None:
    """At 0.0167/s, 1/0.0167 s refills 0.99999… tokens; on a clock that no longer moves for a
    pause that small, the bucket used to loop for ever (seen with the getOrders plan)."""
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(rate=0.0167, burst=1), clock)
    waits = [bucket.take() for _ in range(16)]
    assert waits[0] == 0.0 and waits[1:] == [pytest.approx(1 / 0.0167)] * 15


def test_a_retry_after_holds_the_bucket_back_until_then() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(rate=2.0, burst=30), clock)
    bucket.take()
    bucket.throttle(10.0)  # a 429 with Retry-After: 10
    assert (bucket.tokens, bucket.updated) == (20.0, 10.0)  # what 10 s refill, from then on
    assert bucket.take() == 10.0 and clock.t == 10.0
    assert bucket.take() == 0.0  # the refilled tokens, no waiting at the rate
    bucket.throttle(0.0)  # a 429 without Retry-After: the bucket is spent, no more
    assert bucket.take() == 0.5


def test_backoff_doubles_up_to_the_cap_and_retry_after_wins() -> None:
    backoff = Backoff(attempts=8, base=1.0, cap=20.0)
    assert [backoff.delay(a, None) for a in range(6)] == [1.0, 2.0, 4.0, 8.0, 16.0, 20.0]
    assert backoff.delay(0, 7.0) == 7.0


def test_retry_after_reads_seconds_and_http_dates() -> None:
    clock = FakeClock()
    assert retry_after(httpx.Response(429, headers={"Retry-After": "2.0"}), clock) == 2.0
    date = httpx.Response(429, headers={"Retry-After": "Fri, 04 Dec 2026 12:00:30 GMT"})
    assert retry_after(date, clock) == 30.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"}), clock) is None
    assert retry_after(httpx.Response(429), clock) is None


def _shopify_two_pages(throttle_page_two: int) -> tuple[Handler, list[httpx.Request]]:
    """Page 1 has orders 1-2, page 2 (page_info=p2) has order 3; page 2 answers 429 n times."""
    seen: list[httpx.Request] = []
    throttled = {"left": throttle_page_two}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        params = query(request)
        if "page_info" not in params:
            url = "https://shop.example.com/admin/api/2024-10/orders.json?limit=250&page_info=p2"
            link = f'<{url}>; rel="next"'
            return httpx.Response(
                200, json={"orders": [shopify_order(1), shopify_order(2)]}, headers={"Link": link}
            )
        if throttled["left"]:
            throttled["left"] -= 1
            return httpx.Response(
                429, headers={"Retry-After": "3"}, json={"errors": "Exceeded 2 calls per second"}
            )
        return httpx.Response(200, json={"orders": [shopify_order(3)]})

    return handler, seen


def test_a_throttled_shopify_poll_waits_retry_after_and_loses_no_order() -> None:
    clock = FakeClock()
    handler, seen = _shopify_two_pages(throttle_page_two=2)
    http = make_http(handler, clock, pollers.LIMITS["shopify"])
    result = pollers.poll(Channel.SHOPIFY, pollers.shopify_rest_pages(http, SINCE), http, SINCE)
    assert [o.external_id for o in result.orders] == ["1", "2", "3"]
    assert result.raw == [shopify_order(1), shopify_order(2), shopify_order(3)]
    assert result.complete is True and result.errors == []
    assert (result.requests, result.throttled) == (4, 2)
    assert clock.sleeps == [3.0, 3.0]  # Retry-After, twice; the 40-request burst never ran dry
    assert result.cursor == START - timedelta(minutes=2)  # poll start minus the overlap
    first, last = query(seen[0]), query(seen[-1])
    assert first == {"status": ["any"], "updated_at_min": [SINCE.isoformat()], "limit": ["250"]}
    assert last == {"limit": ["250"], "page_info": ["p2"]}  # page_info pages carry no filters


def test_a_poll_the_platform_keeps_throttling_keeps_its_cursor_and_the_next_poll_catches_up() -> (
    None
):
    clock = FakeClock()
    handler, _ = _shopify_two_pages(throttle_page_two=10)
    http = make_http(handler, clock, pollers.LIMITS["shopify"], backoff=Backoff(attempts=3))
    result = pollers.poll(Channel.SHOPIFY, pollers.shopify_rest_pages(http, SINCE), http, SINCE)
    assert result.complete is False
    assert result.cursor == SINCE  # not advanced: the window is asked for again next time
    assert "429" in (result.interrupted_by or "")
    assert [o.external_id for o in result.orders] == ["1", "2"]
    assert clock.sleeps == [3.0, 3.0]  # no pointless sleep after the last attempt
    # The platform recovers: the next poll from the kept cursor returns order 3 as well.
    handler, _ = _shopify_two_pages(throttle_page_two=0)
    http = make_http(handler, clock, pollers.LIMITS["shopify"])
    again = pollers.poll(
        Channel.SHOPIFY, pollers.shopify_rest_pages(http, result.cursor), http, result.cursor
    )
    assert again.complete is True
    assert [o.external_id for o in again.orders] == ["1", "2", "3"]


def test_an_unparseable_payload_is_returned_whole_with_its_error_and_the_poll_goes_on() -> None:
    clock = FakeClock()
    broken = shopify_order(2)
    broken["line_items"][0]["quantity"] = "lots"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"orders": [shopify_order(1), broken, shopify_order(3)]})

    http = make_http(handler, clock, pollers.LIMITS["shopify"])
    result = pollers.poll(Channel.SHOPIFY, pollers.shopify_rest_pages(http, SINCE), http, SINCE)
    assert [o.external_id for o in result.orders] == ["1", "3"]
    assert len(result.errors) == 1
    assert result.errors[0].raw == broken
    assert result.errors[0].error.path == "$.line_items[0].quantity"
    assert result.complete is True


def test_server_errors_and_transport_errors_back_off_exponentially() -> None:
    clock = FakeClock()
    answers: list[Any] = [
        httpx.ConnectError("reset"),
        httpx.Response(503),
        httpx.Response(200, json={"orders": []}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    http = make_http(handler, clock, pollers.LIMITS["shopify"])
    result = pollers.poll(Channel.SHOPIFY, pollers.shopify_rest_pages(http, SINCE), http, SINCE)
    assert result.complete is True
    assert clock.sleeps == [1.0, 2.0]


def test_a_client_error_stops_the_poll_without_moving_the_cursor() -> None:
    clock = FakeClock()
    http = make_http(
        lambda r: httpx.Response(401, json={"errors": "Invalid API key"}),
        clock,
        pollers.LIMITS["shopify"],
    )
    result = pollers.poll(Channel.SHOPIFY, pollers.shopify_rest_pages(http, SINCE), http, SINCE)
    assert (result.complete, result.cursor, result.requests) == (False, SINCE, 1)
    assert "HTTP 401" in (result.interrupted_by or "")
    with pytest.raises(ChannelUnavailable):
        http.fetch("GET", "orders.json")


def test_shopify_graphql_waits_for_the_cost_bucket_when_throttled() -> None:
    clock = FakeClock()
    node = payload("shopify_graphql_unicode_eur")
    second = {**node, "id": "gid://shopify/Order/5745893230002"}
    bodies: list[dict[str, Any]] = []
    answers = [
        {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": {
                "cost": {
                    "requestedQueryCost": 502,
                    "throttleStatus": {
                        "maximumAvailable": 2000,
                        "currentlyAvailable": 2,
                        "restoreRate": 100,
                    },
                }
            },
        },
        {
            "data": {
                "orders": {
                    "nodes": [node],
                    "pageInfo": {"hasNextPage": True, "endCursor": "eyJsYXN0X2lkIjo1NzQ1fQ=="},
                }
            }
        },
        {
            "data": {
                "orders": {"nodes": [second], "pageInfo": {"hasNextPage": False, "endCursor": None}}
            }
        },
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=answers.pop(0))

    http = make_http(handler, clock, pollers.LIMITS["shopify"])
    result = pollers.poll(Channel.SHOPIFY, pollers.shopify_graphql_pages(http, SINCE), http, SINCE)
    assert [o.external_id for o in result.orders] == ["5745893230001", "5745893230002"]
    assert clock.sleeps == [5.0]  # (502 - 2) / 100 points per second
    assert result.throttled == 1
    assert bodies[0]["variables"] == {
        "first": 50,
        "after": None,
        "query": f"updated_at:>='{SINCE.isoformat()}'",
    }
    assert bodies[2]["variables"]["after"] == "eyJsYXN0X2lkIjo1NzQ1fQ=="


def test_amazon_pages_orders_by_next_token_and_fetches_every_order_s_items() -> None:
    clock = FakeClock()
    base = payload("amazon_unshipped_multiline")
    items = base.pop("OrderItems")
    second = {**base, "AmazonOrderId": "113-0000000-0000002"}
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.path}?{request.url.query.decode()}")
        params = query(request)
        assert request.headers["x-amz-access-token"] == "Atza|token"
        if request.url.path == "/orders/v0/orders":
            if "NextToken" not in params:
                return httpx.Response(
                    200, json={"payload": {"Orders": [base], "NextToken": "tok-2"}}
                )
            return httpx.Response(200, json={"payload": {"Orders": [second]}})
        if (
            request.url.path.endswith("/113-6014921-4433810/orderItems")
            and "NextToken" not in params
        ):
            return httpx.Response(
                200,
                json={
                    "payload": {
                        "AmazonOrderId": base["AmazonOrderId"],
                        "OrderItems": items[:1],
                        "NextToken": "items-2",
                    }
                },
            )
        if "NextToken" in params:
            return httpx.Response(200, json={"payload": {"OrderItems": items[1:]}})
        if not seen[-2].endswith("orderItems?"):  # first try for order 2: throttled, no Retry-After
            return httpx.Response(429, json={"errors": [{"code": "QuotaExceeded"}]})
        return httpx.Response(200, json={"payload": {"OrderItems": items}})

    http = ChannelHttp(
        "https://sellingpartnerapi-na.amazon.com",
        limit=pollers.LIMITS["amazon"],
        headers={"x-amz-access-token": "Atza|token"},
        transport=httpx.MockTransport(handler),
        clock=clock,
    )
    pages = pollers.amazon_pages(http, SINCE, marketplace_ids=["ATVPDKIKX0DER"])
    result = pollers.poll(Channel.AMAZON, pages, http, SINCE)
    assert result.complete is True
    assert [o.external_id for o in result.orders] == ["113-6014921-4433810", "113-0000000-0000002"]
    assert [len(o.lines) for o in result.orders] == [2, 2]  # items joined across their own pages
    assert (
        seen[0] == "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER"
        "&LastUpdatedAfter=2026-12-04T11%3A00%3A00Z&MaxResultsPerPage=100"
    )
    assert "NextToken=tok-2" in seen[3]
    # Backoff's first step (1 s), then the drained getOrderItems bucket refills one token at 0.5/s.
    assert clock.sleeps == [1.0, 1.0]
    assert result.throttled == 1


def test_ebay_pages_by_offset_with_the_lastmodifieddate_filter() -> None:
    clock = FakeClock()
    order = payload("ebay_not_started")
    offsets: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = query(request)
        offsets.append(params["offset"][0])
        assert params["filter"] == ["lastmodifieddate:[2026-12-04T11:00:00.000Z..]"]
        batch = [{**order, "orderId": f"12-0000-{params['offset'][0]}-{i}"} for i in range(2)]
        return httpx.Response(
            200,
            json={
                "total": 5,
                "limit": 2,
                "offset": int(params["offset"][0]),
                "orders": batch[: 5 - int(params["offset"][0])],
            },
        )

    http = ChannelHttp(
        "https://api.ebay.com",
        limit=pollers.LIMITS["ebay"],
        transport=httpx.MockTransport(handler),
        clock=clock,
    )
    result = pollers.poll(Channel.EBAY, pollers.ebay_pages(http, SINCE, limit=2), http, SINCE)
    assert offsets == ["0", "2", "4"]
    assert len(result.orders) == 5 and result.complete
    assert clock.sleeps == []  # 3 requests fit in the burst of 10


def test_tiktok_requests_are_signed_and_follow_next_page_token() -> None:
    clock = FakeClock()
    order = payload("tiktok_awaiting_shipment")
    tokens: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = {k: v[0] for k, v in query(request).items()}
        sign = params.pop("sign")
        assert sign == tiktok_request_sign("s3cret", request.url.path, params, request.content)
        assert json.loads(request.content) == {"update_time_ge": int(SINCE.timestamp())}
        tokens.append(params.get("page_token"))
        if "page_token" not in params:
            return httpx.Response(
                200,
                json={
                    "code": 0,
                    "message": "Success",
                    "data": {
                        "orders": [order],
                        "next_page_token": "b2Zmc2V0PTUw",
                        "total_count": 2,
                    },
                },
            )
        return httpx.Response(
            200,
            json={
                "code": 0,
                "message": "Success",
                "data": {"orders": [{**order, "id": "576829349823748399"}], "next_page_token": ""},
            },
        )

    http = ChannelHttp(
        "https://open-api.tiktokglobalshop.com",
        limit=pollers.LIMITS["tiktok"],
        transport=httpx.MockTransport(handler),
        clock=clock,
    )
    pages = pollers.tiktok_pages(
        http, SINCE, app_key="6a1b2c", app_secret="s3cret", shop_cipher="ROW_abc"
    )
    result = pollers.poll(Channel.TIKTOK, pages, http, SINCE)
    assert tokens == [None, "b2Zmc2V0PTUw"]
    assert [o.external_id for o in result.orders] == ["576829349823748312", "576829349823748399"]


def test_a_tiktok_error_envelope_interrupts_the_poll() -> None:
    clock = FakeClock()
    http = ChannelHttp(
        "https://open-api.tiktokglobalshop.com",
        limit=pollers.LIMITS["tiktok"],
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, json={"code": 105002, "message": "Expired credentials"})
        ),
        clock=clock,
    )
    pages = pollers.tiktok_pages(http, SINCE, app_key="k", app_secret="s", shop_cipher="c")
    result = pollers.poll(Channel.TIKTOK, pages, http, SINCE)
    assert (result.complete, result.cursor) == (False, SINCE)
    assert result.interrupted_by == "TikTok Shop error 105002: Expired credentials"


def test_walmart_follows_next_cursor() -> None:
    clock = FakeClock()
    order = payload("walmart_created")
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        if "soIndex" not in str(request.url):
            meta = {
                "totalCount": 2,
                "limit": 1,
                "nextCursor": "?limit=1&hasMoreElements=true&soIndex=2"
                "&lastModifiedStartDate=2026-12-04T11:00:00Z",
            }
            return httpx.Response(
                200, json={"list": {"meta": meta, "elements": {"order": [order]}}}
            )
        second = {**order, "purchaseOrderId": "1819456903285"}
        return httpx.Response(
            200,
            json={"list": {"meta": {"totalCount": 2, "limit": 1}, "elements": {"order": [second]}}},
        )

    http = ChannelHttp(
        "https://marketplace.walmartapis.com",
        limit=pollers.LIMITS["walmart"],
        transport=httpx.MockTransport(handler),
        clock=clock,
    )
    result = pollers.poll(Channel.WALMART, pollers.walmart_pages(http, SINCE, limit=1), http, SINCE)
    assert [o.external_id for o in result.orders] == ["1819456903284", "1819456903285"]
    assert urls == [
        "https://marketplace.walmartapis.com/v3/orders?lastModifiedStartDate=2026-12-04T11%3A00%3A00Z&limit=1",
        "https://marketplace.walmartapis.com/v3/orders?limit=1&hasMoreElements=true&soIndex=2&lastModifiedStartDate=2026-12-04T11:00:00Z",
    ]


def test_a_malformed_page_interrupts_the_poll() -> None:
    clock = FakeClock()
    http = make_http(
        lambda r: httpx.Response(200, json={"orders": "none"}), clock, pollers.LIMITS["shopify"]
    )
    result = pollers.poll(Channel.SHOPIFY, pollers.shopify_rest_pages(http, SINCE), http, SINCE)
    assert (result.complete, result.cursor, result.orders) == (False, SINCE, [])
    assert result.interrupted_by == "$.orders: expected a list"


def test_the_token_bucket_paces_a_long_poll_without_any_429() -> None:
    clock = FakeClock()
    order = payload("ebay_not_started")

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(query(request)["offset"][0])
        return httpx.Response(
            200, json={"total": 12, "orders": [{**order, "orderId": f"12-{offset}"}]}
        )

    http = ChannelHttp(
        "https://api.ebay.com",
        limit=RateLimit(rate=1.0, burst=10),
        transport=httpx.MockTransport(handler),
        clock=clock,
    )
    result = pollers.poll(Channel.EBAY, pollers.ebay_pages(http, SINCE, limit=1), http, SINCE)
    assert len(result.orders) == 12 and result.complete
    assert clock.sleeps == [1.0, 1.0]  # 10 from the burst, then one token a second
    assert result.throttled == 0
