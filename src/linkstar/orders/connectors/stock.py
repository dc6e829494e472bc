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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from linkstar.orders.connectors.clients import (
    ChannelHttp,
    ChannelUnavailable,
)
from linkstar.orders.connectors.pollers import TikTokApp, shopify_graphql, tiktok_call
from linkstar.orders.core.stock import LineStatus

Update = tuple[str, int]  # (channel SKU, quantity to list)

SHOPIFY_BATCH = 100  # quantities per inventorySetQuantities call
SHOPIFY_LOOKUP_BATCH = 50  # SKUs per productVariants search (the query string stays short)
EBAY_BATCH = 25  # bulkUpdatePriceQuantity takes at most 25 requests
TIKTOK_SEARCH_BATCH = 100  # seller_skus per product search page (page_size max 100)
_TEXT = 1000  # the platform's answer kept per line


@dataclass(frozen=True, slots=True)
class PlatformIds:
    """Where the platform keeps one SKU: Shopify's inventory item, or TikTok Shop's SKU id with
    its product and first warehouse (cached per store in `stock_channel_ids`)."""

    item_id: str
    product_id: str = ""
    warehouse_id: str = ""


@dataclass(frozen=True, slots=True)
class Pushed:
    """The platform's answer for one SKU: the ids it was sent under, the feed that carries it."""

    channel_sku: str
    status: LineStatus
    response: str
    ids: PlatformIds | None = None
    feed_id: str = ""


_Line = tuple[str, PlatformIds, int]  # (channel SKU, its ids, quantity)


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


def shopify_lookup(http: ChannelHttp, skus: Sequence[str]) -> dict[str, PlatformIds]:
    """Each SKU's inventory item id (productVariants search, 50 SKUs a query)."""
    found: dict[str, PlatformIds] = {}
    for start in range(0, len(skus), SHOPIFY_LOOKUP_BATCH):
        batch = skus[start : start + SHOPIFY_LOOKUP_BATCH]
        query = " OR ".join(f'sku:"{_quoted(sku)}"' for sku in batch)
        data = shopify_graphql(http, SHOPIFY_VARIANTS_QUERY, {"first": 250, "query": query})
        for node in _dicts(_dict(data.get("productVariants")).get("nodes")):
            item, sku = _dict(node.get("inventoryItem")).get("id"), node.get("sku")
            if isinstance(item, str) and isinstance(sku, str) and sku in batch:
                found.setdefault(sku, PlatformIds(item))
    return found


def _shopify_set(
    http: ChannelHttp, location_id: str, batch: Sequence[Update], ids: Mapping[str, PlatformIds]
) -> list[Pushed]:
    """One inventorySetQuantities call; every line's answer (all or nothing)."""
    pairs = [(ids[s].item_id, q) for s, q in batch]
    data = shopify_graphql(
        http, SHOPIFY_SET_QUANTITIES, {"input": shopify_set_input(location_id, pairs)}
    )
    result = data.get("inventorySetQuantities")
    if not isinstance(result, dict) or not isinstance(result.get("userErrors"), list):
        text = _clip(f"unreadable answer: {_clip(data)}")  # nothing is confirmed
        return [Pushed(s, LineStatus.failed, text, ids[s]) for s, _q in batch]
    errors = _dicts(result["userErrors"])
    if not errors:
        done = _clip(result.get("inventoryAdjustmentGroup"))
        return [Pushed(s, LineStatus.sent, done, ids[s]) for s, _q in batch]
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
    refused = "not applied: another line was refused"
    return [  # the mutation applies all or nothing: every line of the batch failed
        Pushed(
            s, LineStatus.failed, _clip("; ".join(by_index.get(i) or general or [refused])), ids[s]
        )
        for i, (s, _q) in enumerate(batch)
    ]


def push_shopify(
    http: ChannelHttp,
    updates: Sequence[Update],
    location_id: str,
    known: Mapping[str, PlatformIds],
) -> Iterator[Pushed]:
    """inventorySetQuantities in batches of 100, with cached inventory item ids.

    SKUs missing from `known` are searched (productVariants). A batch refused while it used
    cached ids has those SKUs searched again; when an id changed (or vanished), the batch is
    sent once more with the fresh ids, so a re-created variant is not failed forever.
    """
    ids = {sku: known[sku] for sku, _q in updates if sku in known}
    ids.update(shopify_lookup(http, [sku for sku, _q in updates if sku not in ids]))
    for sku, _q in updates:
        if sku not in ids:
            yield Pushed(sku, LineStatus.unmatched, "no product variant has this SKU")
    found = [(sku, q) for sku, q in updates if sku in ids]
    for batch in _batches(found, SHOPIFY_BATCH):
        answers = _shopify_set(http, location_id, batch, ids)
        cached = [s for s, _q in batch if known.get(s) == ids[s]]
        if cached and any(a.status is LineStatus.failed for a in answers):
            fresh = shopify_lookup(http, cached)
            if any(fresh.get(s) != ids[s] for s in cached):
                for sku in cached:
                    if sku in fresh:
                        ids[sku] = fresh[sku]
                    else:
                        del ids[sku]
                        yield Pushed(sku, LineStatus.unmatched, "no product variant has this SKU")
                retry = [(s, q) for s, q in batch if s in ids]
                answers = _shopify_set(http, location_id, retry, ids) if retry else []
        yield from answers


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


def tiktok_lookup(http: ChannelHttp, app: TikTokApp, skus: Sequence[str]) -> dict[str, PlatformIds]:
    """Each seller SKU's product id, SKU id and first warehouse (products search, 100 a page)."""
    found: dict[str, PlatformIds] = {}
    for start in range(0, len(skus), TIKTOK_SEARCH_BATCH):
        batch = list(skus[start : start + TIKTOK_SEARCH_BATCH])
        token = ""
        while True:
            query = {"page_size": str(TIKTOK_SEARCH_BATCH)}
            if token:
                query["page_token"] = token
            path = "/product/202309/products/search"
            data = tiktok_call(http, app, path, {"seller_skus": batch}, query)
            for product in _dicts(data.get("products")):
                for variant in _dicts(product.get("skus")):
                    stock = _dicts(variant.get("inventory"))
                    warehouse = stock[0].get("warehouse_id") if stock else None
                    if isinstance(variant.get("seller_sku"), str):
                        found.setdefault(
                            variant["seller_sku"],
                            PlatformIds(
                                str(variant.get("id")),
                                str(product.get("id")),
                                warehouse if isinstance(warehouse, str) else "",
                            ),
                        )
            following = str(data.get("next_page_token") or "")
            if not following or following == token:  # a repeated token would loop forever
                break
            token = following
    return found


def _tiktok_update(
    http: ChannelHttp, app: TikTokApp, product_id: str, warehouse: str, lines: Sequence[_Line]
) -> list[Pushed]:
    """Update Inventory of one product's SKUs in one warehouse; refused → every line failed."""
    path = f"/product/202309/products/{product_id}/inventory/update"
    body = tiktok_update_body(warehouse, [(ids.item_id, q) for _s, ids, q in lines])
    try:
        data = tiktok_call(http, app, path, body)
    except ChannelUnavailable as exc:
        if exc.status is not None:  # HTTP-level: throttled, failing, credentials refused
            raise
        return [Pushed(s, LineStatus.failed, _clip(str(exc)), ids) for s, ids, _q in lines]
    answer = _clip({"product_id": product_id, "data": data})
    return [Pushed(s, LineStatus.sent, answer, ids) for s, ids, _q in lines]


def push_tiktok(
    http: ChannelHttp,
    updates: Sequence[Update],
    app: TikTokApp,
    warehouse_id: str | None,
    known: Mapping[str, PlatformIds],
) -> Iterator[Pushed]:
    """Update each product's SKUs, with cached ids; SKUs not in `known` are searched first.

    An update the platform refuses while it used cached ids has those SKUs searched again;
    when their ids changed, the lines are sent once more under the fresh ids.
    """
    ids = {sku: known[sku] for sku, _q in updates if sku in known}
    ids.update(tiktok_lookup(http, app, [sku for sku, _q in updates if sku not in ids]))
    groups: dict[tuple[str, str], list[_Line]] = {}
    for sku, quantity in updates:
        hit = ids.get(sku)
        warehouse = warehouse_id or (hit.warehouse_id if hit else "")
        if hit is None or not warehouse:
            reason = "no product has this seller SKU" if hit is None else "no warehouse known"
            yield Pushed(sku, LineStatus.unmatched, reason, hit)
            continue
        groups.setdefault((hit.product_id, warehouse), []).append((sku, hit, quantity))
    for (product_id, warehouse), lines in groups.items():
        answers = _tiktok_update(http, app, product_id, warehouse, lines)
        cached = [s for s, i, _q in lines if known.get(s) == i]
        if not cached or answers[0].status is LineStatus.sent:
            yield from answers
            continue
        fresh = tiktok_lookup(http, app, cached)
        if all(fresh.get(s) == ids[s] for s in cached):
            yield from answers  # the same ids: the refusal stands
            continue
        regroup: dict[tuple[str, str], list[_Line]] = {}
        for sku, old, quantity in lines:
            if sku in cached and sku not in fresh:
                yield Pushed(sku, LineStatus.unmatched, "no product has this seller SKU")
                continue
            hit = fresh.get(sku, old)
            where = warehouse_id or hit.warehouse_id or warehouse
            regroup.setdefault((hit.product_id, where), []).append((sku, hit, quantity))
        for (product, where), again in regroup.items():
            yield from _tiktok_update(http, app, product, where, again)
