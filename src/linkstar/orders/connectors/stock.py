"""Pushing listed quantities to the marketplaces, through each one's documented inventory API.

Every `push_*` is a generator: it sends one batch (as large as the platform allows), then yields
one `Pushed` per SKU of that batch, with the platform's own answer. A `ChannelUnavailable` (the
platform kept throttling or failing, or refused the credentials) propagates; the caller marks
every SKU that was not yielded as failed, so nothing is recorded as sent without a confirmation.
Rate limits and 429/Retry-After are `ChannelHttp`'s (the store's token bucket); shapes and
limits are in docs/formats/channels.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from linkstar.orders.connectors.clients import (
    ChannelHttp,
    ChannelUnavailable,
    RateLimit,
    TokenBucket,
)
from linkstar.orders.connectors.pollers import TikTokApp, shopify_graphql, tiktok_call
from linkstar.orders.core.stock import LineStatus

Update = tuple[str, int]  # (channel SKU, quantity to list)

SHOPIFY_BATCH = 100  # quantities per inventorySetQuantities call
SHOPIFY_LOOKUP_BATCH = 50  # SKUs per productVariants search (the query string stays short)
EBAY_BATCH = 25  # bulkUpdatePriceQuantity takes at most 25 requests
TIKTOK_SEARCH_BATCH = 100  # seller_skus per product search page (page_size max 100)
# SP-API Listings Items 2021-08-01 patchListingsItem: 5 requests/s, burst 5.
AMAZON_LISTINGS = RateLimit(rate=5.0, burst=5)
_TEXT = 1000  # the platform's answer kept per line


@dataclass(frozen=True, slots=True)
class Pushed:
    """The platform's answer for one SKU."""

    channel_sku: str
    status: LineStatus
    response: str


def _clip(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text[:_TEXT]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON array (anything else in an answer is ignored, never trusted)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _quoted(value: str) -> str:
    """A value inside a double-quoted Shopify search term."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _batches(items: Sequence[Update], size: int) -> Iterator[Sequence[Update]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _json(response: httpx.Response, what: str) -> Any:
    """The JSON body; 401/403 (the credentials were refused) stop the whole run."""
    if response.status_code in (401, 403):
        raise ChannelUnavailable(
            f"{what}: HTTP {response.status_code} (credentials refused): {response.text[:200]}",
            response.status_code,
        )
    try:
        return response.json()
    except ValueError:
        return response.text


SHOPIFY_VARIANTS_QUERY = """
query StockVariants($first: Int!, $query: String!) {
  productVariants(first: $first, query: $query) { nodes { sku inventoryItem { id } } }
}
"""

SHOPIFY_SET_QUANTITIES = """
mutation SetStock($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { createdAt reason }
    userErrors { code field message }
  }
}
"""


def shopify_set_input(location_id: str, items: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """inventorySetQuantities input: absolute `available` quantities at one location."""
    return {
        "name": "available",
        "reason": "correction",
        "ignoreCompareQuantity": True,
        "quantities": [
            {"inventoryItemId": item, "locationId": location_id, "quantity": quantity}
            for item, quantity in items
        ],
    }


def push_shopify(
    http: ChannelHttp, updates: Sequence[Update], location_id: str
) -> Iterator[Pushed]:
    """Find each SKU's inventory item (productVariants), then inventorySetQuantities in batches."""
    items: dict[str, str] = {}
    for batch in _batches(updates, SHOPIFY_LOOKUP_BATCH):
        query = " OR ".join(f'sku:"{_quoted(sku)}"' for sku, _ in batch)
        data = shopify_graphql(http, SHOPIFY_VARIANTS_QUERY, {"first": 250, "query": query})
        for node in _dicts(_dict(data.get("productVariants")).get("nodes")):
            item, sku = _dict(node.get("inventoryItem")).get("id"), node.get("sku")
            if isinstance(item, str) and isinstance(sku, str):
                items.setdefault(sku, item)
    for sku, _ in updates:
        if sku not in items:
            yield Pushed(sku, LineStatus.unmatched, "no product variant has this SKU")
    known = [(sku, quantity) for sku, quantity in updates if sku in items]
    for batch in _batches(known, SHOPIFY_BATCH):
        variables = {"input": shopify_set_input(location_id, [(items[s], q) for s, q in batch])}
        data = shopify_graphql(http, SHOPIFY_SET_QUANTITIES, variables)
        result = data.get("inventorySetQuantities")
        if not isinstance(result, dict) or not isinstance(result.get("userErrors"), list):
            for sku, _q in batch:  # no answer we can read: nothing is confirmed
                yield Pushed(sku, LineStatus.failed, _clip(f"unreadable answer: {_clip(data)}"))
            continue
        errors = _dicts(result["userErrors"])
        by_index: dict[int, list[str]] = {}
        general: list[str] = []
        for error in errors:
            path = error.get("field")
            field = [str(f) for f in path] if isinstance(path, list) else []
            text = f"{error.get('code')}: {error.get('message')}"
            if len(field) > 2 and field[:2] == ["input", "quantities"] and field[2].isdigit():
                by_index.setdefault(int(field[2]), []).append(text)
            else:
                general.append(text)
        for index, (sku, _q) in enumerate(batch):
            if not errors:
                yield Pushed(sku, LineStatus.sent, _clip(result.get("inventoryAdjustmentGroup")))
            else:  # the mutation applies all or nothing: every line of the batch failed
                own = by_index.get(index) or general or ["not applied: another line was refused"]
                yield Pushed(sku, LineStatus.failed, _clip("; ".join(own)))


def amazon_patch_body(quantity: int) -> dict[str, Any]:
    """patchListingsItem body setting the merchant-fulfilled quantity."""
    return {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            }
        ],
    }


def push_amazon(
    http: ChannelHttp, updates: Sequence[Update], seller_id: str, marketplace_ids: Sequence[str]
) -> Iterator[Pushed]:
    """PATCH /listings/2021-08-01/items/{sellerId}/{sku}: one SKU per call, answered at once."""
    bucket = TokenBucket(AMAZON_LISTINGS, http.clock)
    params = {"marketplaceIds": ",".join(marketplace_ids)}
    for sku, quantity in updates:
        url = f"/listings/2021-08-01/items/{quote(seller_id, safe='')}/{quote(sku, safe='')}"
        response = http.send(
            "PATCH", url, params=params, json=amazon_patch_body(quantity), bucket=bucket
        )
        body = _json(response, "Amazon patchListingsItem")
        status = body.get("status") if isinstance(body, dict) else None
        if response.status_code == 404:
            yield Pushed(sku, LineStatus.unmatched, _clip(body))
        elif response.status_code < 300 and status == "ACCEPTED":
            yield Pushed(sku, LineStatus.sent, _clip(body))
        else:
            yield Pushed(sku, LineStatus.failed, _clip(body))


def ebay_body(batch: Sequence[Update]) -> dict[str, Any]:
    """bulkUpdatePriceQuantity body: each SKU's total ship-to-home quantity."""
    return {
        "requests": [
            {"sku": sku, "shipToLocationAvailability": {"quantity": quantity}}
            for sku, quantity in batch
        ]
    }


def push_ebay(http: ChannelHttp, updates: Sequence[Update]) -> Iterator[Pushed]:
    """POST /sell/inventory/v1/bulk_update_price_quantity, 25 SKUs a call; 200 or 207 per SKU."""
    for batch in _batches(updates, EBAY_BATCH):
        response = http.send(
            "POST", "/sell/inventory/v1/bulk_update_price_quantity", json=ebay_body(batch)
        )
        body = _json(response, "eBay bulkUpdatePriceQuantity")
        answers: dict[str, dict[str, Any]] = {}
        for item in _dicts(_dict(body).get("responses")):
            if isinstance(item.get("sku"), str):
                answers.setdefault(item["sku"], item)
        for sku, _q in batch:
            answer = answers.get(sku)
            if response.status_code >= 400 or answer is None:
                yield Pushed(sku, LineStatus.failed, _clip(answer or body))
            elif answer.get("statusCode") == 200:
                yield Pushed(sku, LineStatus.sent, _clip(answer))
            elif answer.get("statusCode") == 404:
                yield Pushed(sku, LineStatus.unmatched, _clip(answer))
            else:
                yield Pushed(sku, LineStatus.failed, _clip(answer))


def tiktok_update_body(warehouse_id: str, skus: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Update Inventory body: each SKU id's quantity in one warehouse."""
    return {
        "skus": [
            {"id": sku_id, "inventory": [{"warehouse_id": warehouse_id, "quantity": quantity}]}
            for sku_id, quantity in skus
        ]
    }


def push_tiktok(
    http: ChannelHttp, updates: Sequence[Update], app: TikTokApp, warehouse_id: str | None
) -> Iterator[Pushed]:
    """Search products by seller SKU for product and SKU ids, then update each product's SKUs."""
    found: dict[str, tuple[str, str, str | None]] = {}  # seller_sku -> (product, sku id, wh)
    for batch in _batches(updates, TIKTOK_SEARCH_BATCH):
        token = ""
        while True:
            query = {"page_size": str(TIKTOK_SEARCH_BATCH)}
            if token:
                query["page_token"] = token
            data = tiktok_call(
                http,
                app,
                "/product/202309/products/search",
                {"seller_skus": [sku for sku, _ in batch]},
                query,
            )
            for product in _dicts(data.get("products")):
                for variant in _dicts(product.get("skus")):
                    stock = _dicts(variant.get("inventory"))
                    warehouse = stock[0].get("warehouse_id") if stock else None
                    if isinstance(variant.get("seller_sku"), str):
                        found.setdefault(
                            variant["seller_sku"],
                            (
                                str(product.get("id")),
                                str(variant.get("id")),
                                warehouse if isinstance(warehouse, str) else None,
                            ),
                        )
            following = str(data.get("next_page_token") or "")
            if not following or following == token:  # a repeated token would loop forever
                break
            token = following
    by_product: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for sku, quantity in updates:
        hit = found.get(sku)
        warehouse = warehouse_id or (hit[2] if hit else None)
        if hit is None or not warehouse:
            reason = "no product has this seller SKU" if hit is None else "no warehouse known"
            yield Pushed(sku, LineStatus.unmatched, reason)
            continue
        by_product.setdefault((hit[0], warehouse), []).append((sku, hit[1], quantity))
    for (product_id, warehouse), lines in by_product.items():
        path = f"/product/202309/products/{product_id}/inventory/update"
        body = tiktok_update_body(warehouse, [(sku_id, q) for _s, sku_id, q in lines])
        try:
            data = tiktok_call(http, app, path, body)
        except ChannelUnavailable as exc:
            if exc.status is not None:  # HTTP-level: throttled, failing, credentials refused
                raise
            for sku, _id, _q in lines:  # the platform answered and refused this product's update
                yield Pushed(sku, LineStatus.failed, _clip(str(exc)))
            continue
        for sku, _id, _q in lines:
            yield Pushed(sku, LineStatus.sent, _clip({"product_id": product_id, "data": data}))


def walmart_body(sku: str, quantity: int) -> dict[str, Any]:
    """Update Inventory body (PUT /v3/inventory?sku=…)."""
    return {"sku": sku, "quantity": {"unit": "EACH", "amount": quantity}}


def push_walmart(http: ChannelHttp, updates: Sequence[Update]) -> Iterator[Pushed]:
    """PUT /v3/inventory?sku=…: one SKU per call, answered at once (the feed answers later)."""
    for sku, quantity in updates:
        response = http.send(
            "PUT", "/v3/inventory", params={"sku": sku}, json=walmart_body(sku, quantity)
        )
        body = _json(response, "Walmart inventory")
        if response.status_code == 404:
            yield Pushed(sku, LineStatus.unmatched, _clip(body))
        elif response.status_code < 300:
            yield Pushed(sku, LineStatus.sent, _clip(body))
        else:
            yield Pushed(sku, LineStatus.failed, _clip(body))
