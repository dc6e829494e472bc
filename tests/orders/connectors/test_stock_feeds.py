"""Amazon JSON_LISTINGS_FEED and Walmart inventory feeds through httpx.MockTransport.

Every request and answer is a recorded payload in the documented shape (payloads/stock/); the
pre-signed S3 URLs are answered by the same mock transport. The clock is fake.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest

from linkstar.orders.connectors import stock_feeds
from linkstar.orders.connectors.clients import Backoff, ChannelHttp, ChannelUnavailable, RateLimit
from linkstar.orders.core.stock import LineStatus
from tests.orders.connectors.conftest import payload
from tests.orders.connectors.test_clients import FakeClock
from tests.orders.connectors.test_stock_push import answers, make_http

SP_API = "https://sellingpartnerapi-na.amazon.com"
WALMART = "https://marketplace.walmartapis.com"
FEED_ID = "F129C19240844B97A3C6AD8F1A2C4997@AU8BAQA"


def amazon(handler: Any, clock: FakeClock | None = None) -> Any:
    http = make_http(SP_API, handler, clock)
    http.client.headers["x-amz-access-token"] = "Atza|store-token"
    return http


def test_amazon_uploads_one_listings_feed_document_and_creates_the_feed():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host.startswith("tortuga"):
            return httpx.Response(200)
        if request.url.path.endswith("/documents"):
            return httpx.Response(201, json=payload("stock/amazon_create_feed_document"))
        return httpx.Response(202, json=payload("stock/amazon_create_feed"))

    http = amazon(handler)
    updates = [("HP-22423", 7), ("HP-85123A", 0)]
    pushed = list(stock_feeds.submit_amazon(http, updates, "A2EXAMPLE", ["ATVPDKIKX0DER"]))
    assert answers(pushed) == [("HP-22423", "submitted"), ("HP-85123A", "submitted")]
    assert {p.feed_id for p in pushed} == {"50014019600"}
    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", "/feeds/2021-06-30/documents"),
        ("PUT", seen[1].url.path),
        ("POST", "/feeds/2021-06-30/feeds"),
    ]
    assert json.loads(seen[0].content) == {"contentType": "application/json; charset=UTF-8"}
    upload = seen[1]
    assert str(upload.url) == payload("stock/amazon_create_feed_document")["url"]
    assert upload.headers["content-type"] == "application/json; charset=UTF-8"
    assert "x-amz-access-token" not in upload.headers  # the pre-signed URL is its own auth
    assert json.loads(upload.content) == {
        "header": {"sellerId": "A2EXAMPLE", "version": "2.0"},
        "messages": [
            {
                "messageId": 1,
                "sku": "HP-22423",
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
                    }
                ],
            },
            {
                "messageId": 2,
                "sku": "HP-85123A",
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
                    }
                ],
            },
        ],
    }
    assert json.loads(seen[2].content) == {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "inputFeedDocumentId": payload("stock/amazon_create_feed_document")["feedDocumentId"],
    }


def test_amazon_feed_in_progress_then_done_reads_the_gzipped_processing_report():
    state = {"feed": "stock/amazon_get_feed_in_progress"}
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host.startswith("tortuga"):
            report = json.dumps(payload("stock/amazon_processing_report")).encode()
            return httpx.Response(200, content=gzip.compress(report))
        if "/documents/" in request.url.path:
            return httpx.Response(200, json=payload("stock/amazon_get_feed_document"))
        return httpx.Response(200, json=payload(state["feed"]))

    http = amazon(handler)
    skus = ["HP-22423", "HP-85123A"]
    assert stock_feeds.check_amazon(http, "50014019600", skus) is None
    state["feed"] = "stock/amazon_get_feed_done"
    result = stock_feeds.check_amazon(http, "50014019600", skus)
    assert result is not None and result.error == ""
    assert answers(list(result.results.values())) == [
        ("HP-22423", "sent"),  # a WARNING does not refuse the message
        ("HP-85123A", "failed"),
    ]
    assert "90220" in result.results["HP-85123A"].response
    assert seen[2].url.path == (
        "/feeds/2021-06-30/documents/"
        "amzn1.tortuga.4.na.9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d.T1REPORT0001"
    )
    assert "x-amz-access-token" not in seen[3].headers


def test_a_fatal_amazon_feed_fails_every_sku():
    http = amazon(lambda _r: httpx.Response(200, json=payload("stock/amazon_get_feed_fatal")))
    result = stock_feeds.check_amazon(http, "50014019600", ["A", "B"])
    assert result is not None and result.error == "feed 50014019600 ended FATAL"
    assert {p.status for p in result.results.values()} == {LineStatus.failed}


def test_amazon_feed_status_429_waits_out_retry_after_then_gives_up_with_it():
    clock = FakeClock()
    replies = iter(
        [
            httpx.Response(429, headers={"Retry-After": "2"}, json={"errors": []}),
            httpx.Response(200, json=payload("stock/amazon_get_feed_in_progress")),
        ]
    )
    http = amazon(lambda _r: next(replies), clock)
    assert stock_feeds.check_amazon(http, "50014019600", ["A"]) is None
    assert 2.0 in clock.sleeps and http.throttled == 1
    always = make_http(
        SP_API, lambda _r: httpx.Response(429, headers={"Retry-After": "90"}, json={})
    )
    with pytest.raises(ChannelUnavailable) as info:
        stock_feeds.check_amazon(always, "50014019600", ["A"])
    assert (info.value.status, info.value.retry_after) == (429, 90.0)


def test_amazon_feed_calls_take_the_feeds_api_usage_plans_not_the_orders_bucket():
    """getFeed is 2/s with a burst of 15; the store's bucket (getOrders, 0.0167/s) is not used."""
    clock = FakeClock()
    in_progress = payload("stock/amazon_get_feed_in_progress")
    http = ChannelHttp(
        SP_API,
        limit=RateLimit(rate=0.0167, burst=1),
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, json=in_progress)),
        clock=clock,
        backoff=Backoff(attempts=1, base=1.0, cap=30.0),
    )
    for _ in range(16):
        assert stock_feeds.check_amazon(http, "50014019600", ["A"]) is None
    assert clock.sleeps == [pytest.approx(0.5)]  # 15 at once, the 16th half a second later
    assert http.bucket.take() == 0.0  # the orders bucket still holds its one token


def test_walmart_submits_one_multipart_inventory_feed():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=payload("stock/walmart_feed_submitted"))

    http = make_http(WALMART, handler)
    pushed = list(stock_feeds.submit_walmart(http, [("HP-22423", 12), ("HP-85123A", 3)]))
    assert answers(pushed) == [("HP-22423", "submitted"), ("HP-85123A", "submitted")]
    assert {p.feed_id for p in pushed} == {FEED_ID}
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", f"{WALMART}/v3/feeds?feedType=inventory")
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    content = request.read().decode()
    assert 'name="file"; filename="inventory.json"' in content
    feed = json.loads(content.split("\r\n\r\n", 1)[1].rsplit("\r\n--", 1)[0])
    assert feed == {
        "InventoryHeader": {"version": "1.4"},
        "Inventory": [
            {"sku": "HP-22423", "quantity": {"unit": "EACH", "amount": 12}},
            {"sku": "HP-85123A", "quantity": {"unit": "EACH", "amount": 3}},
        ],
    }


def test_walmart_feed_status_gives_each_items_ingestion_status():
    state = {"name": "stock/walmart_feed_in_progress"}
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=payload(state["name"]))

    http = make_http(WALMART, handler)
    skus = ["HP-22423", "HP-85123A", "NOT-IN-FEED"]
    assert stock_feeds.check_walmart(http, FEED_ID, skus) is None
    assert str(seen[0].url) == (
        f"{WALMART}/v3/feeds/F129C19240844B97A3C6AD8F1A2C4997%40AU8BAQA"
        "?includeDetails=true&offset=0&limit=1000"
    )
    state["name"] = "stock/walmart_feed_processed"
    result = stock_feeds.check_walmart(http, FEED_ID, skus)
    assert result is not None
    assert answers(list(result.results.values())) == [
        ("HP-22423", "sent"),
        ("HP-85123A", "failed"),
        ("NOT-IN-FEED", "failed"),
    ]
    assert "ERR_EXT_DATA_0101003" in result.results["HP-85123A"].response


def test_walmart_pages_item_details_by_one_thousand():
    offsets: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        offsets.append(request.url.params["offset"])
        items = [  # the guide's PROCESSED is read like the reference's SUCCESS
            {"sku": f"S{i}", "ingestionStatus": "SUCCESS" if i % 2 else "PROCESSED"}
            for i in range(offset, min(offset + 1000, 1500))
        ]
        return httpx.Response(
            200,
            json={
                "feedStatus": "PROCESSED",
                "itemsReceived": 1500,
                "itemDetails": {"itemIngestionStatus": items},
            },
        )

    result = stock_feeds.check_walmart(make_http(WALMART, handler), FEED_ID, ["S0", "S1499"])
    assert offsets == ["0", "1000"]
    assert result is not None and {p.status for p in result.results.values()} == {LineStatus.sent}


def test_a_processed_walmart_feed_with_an_item_still_in_progress_is_asked_again_later():
    data = payload("stock/walmart_feed_processed")
    data["itemDetails"]["itemIngestionStatus"][1]["ingestionStatus"] = "INPROGRESS"
    http = make_http(WALMART, lambda _r: httpx.Response(200, json=data))
    assert stock_feeds.check_walmart(http, FEED_ID, ["HP-22423", "HP-85123A"]) is None
    assert stock_feeds.check_walmart(http, FEED_ID, ["HP-22423"]) is not None  # not its SKU


def test_a_walmart_feed_in_error_fails_every_sku_with_the_feeds_reason():
    http = make_http(
        WALMART, lambda _r: httpx.Response(200, json=payload("stock/walmart_feed_error"))
    )
    result = stock_feeds.check_walmart(http, FEED_ID, ["HP-22423"])
    assert result is not None and "ERR_EXT_DATA_0801001" in result.error
    assert answers(list(result.results.values())) == [("HP-22423", "failed")]


def test_walmart_refused_credentials_stop_the_submission():
    http = make_http(
        WALMART, lambda _r: httpx.Response(401, json=payload("stock/walmart_unauthorized"))
    )
    with pytest.raises(ChannelUnavailable, match="credentials refused"):
        list(stock_feeds.submit_walmart(http, [("HP-22423", 1)]))
