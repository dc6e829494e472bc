"""Cached platform ids in the stock pushes: no search when known, one refresh when refused.

Recorded payloads (payloads/stock/) through httpx.MockTransport; ids that "went stale" are the
recorded ones with another number, as after a variant or product was re-created.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from linkstar.orders.connectors import stock
from linkstar.orders.connectors.pollers import TikTokApp
from linkstar.orders.connectors.stock import PlatformIds
from tests.orders.connectors.conftest import payload
from tests.orders.connectors.test_stock_push import answers, make_http

SHOP = "https://acme.myshopify.com/admin/api/2024-10/"
TIKTOK = "https://open-api.tiktokglobalshop.com"
ITEM_22423 = PlatformIds("gid://shopify/InventoryItem/30322695")
ITEM_85123A = PlatformIds("gid://shopify/InventoryItem/43729076")
TIKTOK_22423 = PlatformIds("1729592969712207012", "1729592969712207000", "7068517275539719942")


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def set_items(request: httpx.Request) -> list[str]:
    quantities = body(request)["variables"]["input"]["quantities"]
    return [q["inventoryItemId"] for q in quantities]


def test_shopify_known_ids_skip_the_variant_search():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=payload("stock/shopify_set_quantities"))

    http = make_http(SHOP, handler)
    known = {"HP-22423": ITEM_22423, "HP-85123A": ITEM_85123A}
    pushed = list(stock.push_shopify(http, [("HP-22423", 4), ("HP-85123A", 1)], "gid://l/1", known))
    assert answers(pushed) == [("HP-22423", "sent"), ("HP-85123A", "sent")]
    assert [p.ids for p in pushed] == [ITEM_22423, ITEM_85123A]
    assert len(seen) == 1 and "inventorySetQuantities" in body(seen[0])["query"]
    assert set_items(seen[0]) == [ITEM_22423.item_id, ITEM_85123A.item_id]


def test_shopify_unknown_cached_item_is_searched_again_and_the_batch_resent():
    seen: list[httpx.Request] = []
    stale = PlatformIds("gid://shopify/InventoryItem/11111111")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "productVariants" in body(request)["query"]:
            return httpx.Response(200, json=payload("stock/shopify_variants"))
        if stale.item_id in set_items(request):
            return httpx.Response(200, json=payload("stock/shopify_set_quantities_user_errors"))
        return httpx.Response(200, json=payload("stock/shopify_set_quantities"))

    http = make_http(SHOP, handler)
    known = {"HP-22423": ITEM_22423, "HP-85123A": stale}
    updates = [("HP-22423", 4), ("HP-85123A", 1)]
    pushed = list(stock.push_shopify(http, updates, "gid://l/1", known))
    assert answers(pushed) == [("HP-22423", "sent"), ("HP-85123A", "sent")]
    assert pushed[1].ids == ITEM_85123A  # the fresh id, to be cached
    kinds = ["search" if "productVariants" in body(r)["query"] else "set" for r in seen]
    assert kinds == ["set", "search", "set"]
    assert body(seen[1])["variables"]["query"] == 'sku:"HP-22423" OR sku:"HP-85123A"'
    assert set_items(seen[2]) == [ITEM_22423.item_id, ITEM_85123A.item_id]


def test_shopify_refusal_with_unchanged_ids_stands_and_vanished_skus_become_unmatched():
    def handler(request: httpx.Request) -> httpx.Response:
        if "productVariants" in body(request)["query"]:
            nodes = [{"sku": "HP-22423", "inventoryItem": {"id": ITEM_22423.item_id}}]
            return httpx.Response(200, json={"data": {"productVariants": {"nodes": nodes}}})
        return httpx.Response(200, json=payload("stock/shopify_set_quantities_user_errors"))

    http = make_http(SHOP, handler)
    known = {"HP-22423": ITEM_22423}
    pushed = list(stock.push_shopify(http, [("HP-22423", 4)], "gid://l/1", known))
    assert answers(pushed) == [("HP-22423", "failed")]  # same id after the search: refused

    gone = {"HP-22423": ITEM_22423, "HP-85123A": ITEM_85123A}
    pushed = list(stock.push_shopify(http, [("HP-22423", 4), ("HP-85123A", 1)], "gid://l/1", gone))
    assert answers(pushed) == [("HP-85123A", "skipped_unmatched"), ("HP-22423", "failed")]
    assert pushed[0].ids is None  # forgotten by the cache


def test_tiktok_known_ids_skip_the_search_and_a_refused_stale_product_is_searched_again():
    seen: list[httpx.Request] = []
    stale = PlatformIds("1729592969712207012", "999", "7068517275539719942")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json=payload("stock/tiktok_products_search"))
        if "/products/999/" in request.url.path:
            return httpx.Response(200, json=payload("stock/tiktok_inventory_update_error"))
        return httpx.Response(200, json=payload("stock/tiktok_inventory_update"))

    app = TikTokApp("k", "s", "c")
    http = make_http(TIKTOK, handler)
    pushed = list(stock.push_tiktok(http, [("HP-22423", 2)], app, None, {"HP-22423": TIKTOK_22423}))
    assert answers(pushed) == [("HP-22423", "sent")]
    assert [r.url.path for r in seen] == [
        "/product/202309/products/1729592969712207000/inventory/update"
    ]
    seen.clear()
    pushed = list(stock.push_tiktok(http, [("HP-22423", 2)], app, None, {"HP-22423": stale}))
    assert answers(pushed) == [("HP-22423", "sent")] and pushed[0].ids == TIKTOK_22423
    assert [r.url.path for r in seen] == [
        "/product/202309/products/999/inventory/update",
        "/product/202309/products/search",
        "/product/202309/products/1729592969712207000/inventory/update",
    ]
    assert body(seen[1]) == {"seller_skus": ["HP-22423"]}
