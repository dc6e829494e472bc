"""Stock pushes through httpx.MockTransport: documented request bodies, batching, answers, 429s.

Responses are recorded payloads in the platforms' documented shapes (payloads/stock/); the
clock is fake, so Retry-After waits are checked without sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from linkstar.orders.connectors import stock, stock_feeds
from linkstar.orders.connectors.clients import Backoff, ChannelHttp, RateLimit
from linkstar.orders.connectors.pollers import TikTokApp
from linkstar.orders.connectors.signatures import tiktok_request_sign
from linkstar.orders.core.stock import LineStatus
from tests.orders.connectors.conftest import payload
from tests.orders.connectors.test_clients import FakeClock

Handler = Callable[[httpx.Request], httpx.Response]
LOOSE = RateLimit(rate=100.0, burst=100)


def make_http(base: str, handler: Handler, clock: FakeClock | None = None) -> ChannelHttp:
    return ChannelHttp(
        base,
        limit=LOOSE,
        transport=httpx.MockTransport(handler),
        clock=clock or FakeClock(),
        backoff=Backoff(attempts=3, base=1.0, cap=30.0),
    )


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def answers(pushed: list[stock.Pushed]) -> list[tuple[str, str]]:
    return [(p.channel_sku, p.status.value) for p in pushed]


def test_shopify_finds_inventory_items_then_sets_available_quantities():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "productVariants" in body(request)["query"]:
            return httpx.Response(200, json=payload("stock/shopify_variants"))
        return httpx.Response(200, json=payload("stock/shopify_set_quantities"))

    http = make_http("https://acme.myshopify.com/admin/api/2024-10/", handler)
    location = "gid://shopify/Location/64599916802"
    updates = [("HP-22423", 12), ("HP-85123A", 0), ("NOT-LISTED", 4)]
    pushed = list(stock.push_shopify(http, updates, location, {}))
    assert answers(pushed) == [
        ("NOT-LISTED", "skipped_unmatched"),
        ("HP-22423", "sent"),
        ("HP-85123A", "sent"),
    ]
    assert [str(r.url) for r in seen] == [
        "https://acme.myshopify.com/admin/api/2024-10/graphql.json"
    ] * 2
    assert body(seen[0])["variables"] == {
        "first": 250,
        "query": 'sku:"HP-22423" OR sku:"HP-85123A" OR sku:"NOT-LISTED"',
    }
    assert body(seen[1])["variables"] == {
        "input": {
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": True,
            "quantities": [
                {
                    "inventoryItemId": "gid://shopify/InventoryItem/30322695",
                    "locationId": location,
                    "quantity": 12,
                },
                {
                    "inventoryItemId": "gid://shopify/InventoryItem/43729076",
                    "locationId": location,
                    "quantity": 0,
                },
            ],
        }
    }
    assert "inventorySetQuantities(input: $input)" in body(seen[1])["query"]


def test_shopify_user_errors_fail_the_whole_batch_with_each_lines_reason():
    def handler(request: httpx.Request) -> httpx.Response:
        if "productVariants" in body(request)["query"]:
            return httpx.Response(200, json=payload("stock/shopify_variants"))
        return httpx.Response(200, json=payload("stock/shopify_set_quantities_user_errors"))

    http = make_http("https://acme.myshopify.com/admin/api/2024-10/", handler)
    pushed = list(stock.push_shopify(http, [("HP-22423", 3), ("HP-85123A", 5)], "gid://x/1", {}))
    assert answers(pushed) == [("HP-22423", "failed"), ("HP-85123A", "failed")]
    assert pushed[0].response == "not applied: another line was refused"
    assert pushed[1].response == (
        "INVALID_INVENTORY_ITEM: The specified inventory item could not be found."
    )


def test_shopify_batches_quantities_by_one_hundred():
    sets: list[int] = []
    lookups: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        data = body(request)
        if "productVariants" in data["query"]:
            skus = [part.split('"')[1] for part in data["variables"]["query"].split(" OR ")]
            lookups.append(len(skus))
            nodes = [{"sku": s, "inventoryItem": {"id": f"gid://item/{s}"}} for s in skus]
            return httpx.Response(200, json={"data": {"productVariants": {"nodes": nodes}}})
        sets.append(len(data["variables"]["input"]["quantities"]))
        return httpx.Response(200, json=payload("stock/shopify_set_quantities"))

    http = make_http("https://acme.myshopify.com/admin/api/2024-10/", handler)
    updates = [(f"SKU-{i:03d}", i) for i in range(230)]
    pushed = list(stock.push_shopify(http, updates, "gid://x/1", {}))
    assert lookups == [50, 50, 50, 50, 30]
    assert sets == [100, 100, 30]
    assert {p.status for p in pushed} == {LineStatus.sent} and len(pushed) == 230


def test_ebay_sends_25_skus_a_call_and_reads_each_status():
    calls: list[list[dict[str, Any]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/sell/inventory/v1/bulk_update_price_quantity"
        requests = body(request)["requests"]
        calls.append(requests)
        responses = [{"statusCode": 200, "sku": r["sku"]} for r in requests]
        if requests[0]["sku"] == "HP-22423":  # the recorded multi-status answer, then the rest
            recorded = payload("stock/ebay_bulk_207")["responses"]
            return httpx.Response(207, json={"responses": recorded + responses[3:]})
        return httpx.Response(200, json={"responses": responses})

    http = make_http("https://api.ebay.com", handler)
    updates = [("HP-22423", 5), ("HP-85123A", 0), ("HP-79321", 2)]
    updates += [(f"SKU-{i:02d}", i) for i in range(27)]
    pushed = list(stock.push_ebay(http, updates))
    assert [len(c) for c in calls] == [25, 5]
    assert calls[0][0] == {"sku": "HP-22423", "shipToLocationAvailability": {"quantity": 5}}
    assert answers(pushed)[:3] == [
        ("HP-22423", "sent"),
        ("HP-85123A", "skipped_unmatched"),
        ("HP-79321", "failed"),
    ]
    assert "listing was ended" in pushed[2].response
    assert {p.status for p in pushed[3:]} == {LineStatus.sent}


def test_tiktok_searches_seller_skus_then_updates_each_product_signed():
    seen: list[httpx.Request] = []
    app = TikTokApp("6a1b2c", "app-secret", "ROW_cipher")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json=payload("stock/tiktok_products_search"))
        return httpx.Response(200, json=payload("stock/tiktok_inventory_update"))

    http = make_http("https://open-api.tiktokglobalshop.com", handler)
    updates = [("HP-22423", 9), ("HP-85123A", 4), ("GONE", 1)]
    pushed = list(stock.push_tiktok(http, updates, app, None, {}))
    assert answers(pushed) == [
        ("GONE", "skipped_unmatched"),
        ("HP-22423", "sent"),
        ("HP-85123A", "sent"),
    ]
    assert body(seen[0]) == {"seller_skus": ["HP-22423", "HP-85123A", "GONE"]}
    assert seen[1].url.path == "/product/202309/products/1729592969712207000/inventory/update"
    assert body(seen[1]) == {
        "skus": [
            {
                "id": "1729592969712207012",
                "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 9}],
            },
            {
                "id": "1729592969712207013",
                "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 4}],
            },
        ]
    }
    params = {k: v[0] for k, v in parse_qs(urlsplit(str(seen[1].url)).query).items()}
    sign = params.pop("sign")
    assert sign == tiktok_request_sign("app-secret", seen[1].url.path, params, seen[1].content)
    assert params["app_key"] == "6a1b2c" and params["shop_cipher"] == "ROW_cipher"


def test_tiktok_refused_update_fails_only_that_products_lines():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json=payload("stock/tiktok_products_search"))
        return httpx.Response(200, json=payload("stock/tiktok_inventory_update_error"))

    http = make_http("https://open-api.tiktokglobalshop.com", handler)
    app = TikTokApp("k", "s", "c")
    pushed = list(stock.push_tiktok(http, [("HP-22423", 1)], app, "WH-OVERRIDE", {}))
    assert answers(pushed) == [("HP-22423", "failed")]
    assert "12052048" in pushed[0].response and "under review" in pushed[0].response


def test_the_documented_examples_are_what_the_connectors_send():
    from pathlib import Path

    examples = Path(__file__).parents[3] / "examples" / "stock-publishing"

    def example(name: str) -> Any:
        return json.loads((examples / name).read_text(encoding="utf-8"))

    assert example("ebay-bulk_update_price_quantity.json") == stock.ebay_body(
        [("HP-22423", 20), ("HP-85123A", 7), ("HP-BUNDLE-HEART", 3)]
    )
    two = [("HP-22423", 20), ("HP-85123A", 7)]
    assert example("amazon-JSON_LISTINGS_FEED.json") == stock_feeds.amazon_feed_document(
        "A2EXAMPLE", two
    )
    assert example("walmart-inventory-feed.json") == stock_feeds.walmart_feed(two)
    tiktok = [("1729592969712207012", 20), ("1729592969712207013", 7)]
    assert example("tiktok-inventory-update.json") == stock.tiktok_update_body(
        "7068517275539719942", tiktok
    )
    shopify = example("shopify-inventorySetQuantities.json")
    assert shopify["query"] == stock.SHOPIFY_SET_QUANTITIES.strip()
    items = [
        ("gid://shopify/InventoryItem/30322695", 20),
        ("gid://shopify/InventoryItem/43729076", 7),
    ]
    assert shopify["variables"]["input"] == stock.shopify_set_input(
        "gid://shopify/Location/64599916802", items
    )


def test_shopify_quotes_skus_inside_the_search_term():
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(body(request)["variables"]["query"])
        return httpx.Response(200, json={"data": {"productVariants": {"nodes": []}}})

    http = make_http("https://acme.myshopify.com/admin/api/2024-10/", handler)
    pushed = list(stock.push_shopify(http, [('MUG "RED" \\ 2', 1)], "gid://x/1", {}))
    assert queries == ['sku:"MUG \\"RED\\" \\\\ 2"']
    assert answers(pushed) == [('MUG "RED" \\ 2', "skipped_unmatched")]
