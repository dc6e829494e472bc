"""Per-channel "orders updated since" pollers on top of `clients.ChannelHttp`.

Each `*_pages(http, since, ...)` yields one list of raw order payloads per API page, following
the platform's own pagination; `poll(channel, http, since, ...)` drives it through `run_poll`.
Rate limits (`LIMITS`) are the platforms' documented per-store budgets (see
docs/formats/channels.md); 429 answers and Retry-After are handled by `ChannelHttp`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from linkstar.orders.connectors import amazon, ebay, shopify, tiktok, walmart
from linkstar.orders.connectors._fields import lst, obj, opt_obj, opt_str, req_obj, req_str
from linkstar.orders.connectors.clients import (
    ChannelHttp,
    ChannelUnavailable,
    PollResult,
    RateLimit,
    TokenBucket,
    run_poll,
)
from linkstar.orders.connectors.signatures import tiktok_request_sign
from linkstar.orders.core.canonical import Channel

LIMITS: dict[str, RateLimit] = {
    # Shopify REST Admin API: leaky bucket of 40 requests refilled at 2 per second (standard
    # plans; Plus is 400/20). GraphQL has its own cost bucket, honoured from THROTTLED answers.
    "shopify": RateLimit(rate=2.0, burst=40),
    # SP-API getOrders: 0.0167 requests/s, burst 20; getOrderItems: 0.5/s, burst 30.
    "amazon": RateLimit(rate=0.0167, burst=20),
    "amazon_items": RateLimit(rate=0.5, burst=30),
    # Orders 2026-01-01 searchOrders: 0.0056 requests/s, burst 20 (items come inline).
    "amazon_2026": RateLimit(rate=0.0056, burst=20),
    # The next three are conservative defaults, not published figures: TikTok Shop, eBay and
    # Walmart set limits per app/seller and answer 429 beyond them, which ChannelHttp honours.
    "tiktok": RateLimit(rate=5.0, burst=10),
    "ebay": RateLimit(rate=1.0, burst=10),
    "walmart": RateLimit(rate=2.0, burst=20),
}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shopify_rest_pages(
    http: ChannelHttp, since: datetime, *, limit: int = 250
) -> Iterator[list[Any]]:
    """GET /orders.json?status=any&updated_at_min=…, then the Link header's rel="next" page_info."""
    url: str | None = "orders.json"
    params: dict[str, Any] | None = {
        "status": "any",
        "updated_at_min": since.isoformat(),
        "limit": limit,
    }
    while url is not None:
        data, response = http.fetch("GET", url, params=params)
        yield list(lst(obj(data, "$"), "orders", "$"))
        url = response.links.get("next", {}).get("url")
        params = None  # a page_info URL carries everything; other filters are not allowed


SHOPIFY_ORDERS_QUERY = """
query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name email phone createdAt updatedAt cancelledAt
      displayFinancialStatus displayFulfillmentStatus currencyCode tags taxesIncluded
      totalShippingPriceSet { shopMoney { amount currencyCode } }
      totalTaxSet { shopMoney { amount currencyCode } }
      totalDiscountsSet { shopMoney { amount currencyCode } }
      totalPriceSet { shopMoney { amount currencyCode } }
      customer { id firstName lastName displayName email phone }
      shippingAddress { name firstName lastName company address1 address2 city province
                        provinceCode zip countryCodeV2 phone }
      shippingLine { title code taxLines { priceSet { shopMoney { amount currencyCode } } } }
      lineItems(first: 100) { nodes {
        id sku title quantity variant { id }
        originalUnitPriceSet { shopMoney { amount currencyCode } }
        totalDiscountSet { shopMoney { amount currencyCode } }
        taxLines { priceSet { shopMoney { amount currencyCode } } }
      } }
    }
  }
}
"""


def shopify_graphql(http: ChannelHttp, query: str, variables: dict[str, Any]) -> Mapping[str, Any]:
    """POST graphql.json; THROTTLED answers wait for the cost bucket, other errors raise."""
    for _ in range(http.backoff.attempts):
        data, _response = http.fetch(
            "POST", "graphql.json", json={"query": query, "variables": variables}
        )
        body = obj(data, "$")
        errors = lst(body, "errors", "$", required=False)
        if not any(
            isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED"
            for e in errors
        ):
            break
        http.throttled += 1
        cost = (opt_obj(body, "extensions", "$") or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        try:
            missing = float(cost.get("requestedQueryCost", 0)) - float(
                status.get("currentlyAvailable", 0)
            )
            pause = max(1.0, missing / max(float(status.get("restoreRate", 50)), 1.0))
        except (TypeError, ValueError):
            pause = http.backoff.cap
        http.wait(min(pause, http.backoff.cap))
    else:
        raise ChannelUnavailable("Shopify GraphQL: still THROTTLED after every attempt", 429)
    if errors:
        raise ChannelUnavailable(f"Shopify GraphQL errors: {json.dumps(errors)[:300]}")
    return req_obj(body, "data", "$")


def shopify_graphql_pages(
    http: ChannelHttp, since: datetime, *, first: int = 50
) -> Iterator[list[Any]]:
    """The orders query with a cursor, through `shopify_graphql`."""
    after: str | None = None
    while True:
        variables = {"first": first, "after": after, "query": f"updated_at:>='{since.isoformat()}'"}
        data = shopify_graphql(http, SHOPIFY_ORDERS_QUERY, variables)
        orders = req_obj(data, "orders", "$.data")
        yield list(lst(orders, "nodes", "$.data.orders"))
        page = req_obj(orders, "pageInfo", "$.data.orders")
        if page.get("hasNextPage") is not True:
            return
        after = req_str(page, "endCursor", "$.data.orders.pageInfo")


AMAZON_2026_DATA = "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT"


def amazon_2026_pages(
    http: ChannelHttp, since: datetime, *, marketplace_ids: list[str]
) -> Iterator[list[Any]]:
    """searchOrders (lastUpdatedAfter, then the page's nextToken as paginationToken): each
    `Order` carries its items and the datasets named in `includedData`."""
    params: dict[str, Any] = {
        "lastUpdatedAfter": _iso(since),
        "marketplaceIds": ",".join(marketplace_ids),
        "includedData": AMAZON_2026_DATA,
        "maxResultsPerPage": 100,
    }
    while True:
        data, _ = http.fetch("GET", "/orders/2026-01-01/orders", params=params)
        body = obj(data, "$")
        yield list(lst(body, "orders", "$"))
        pagination = opt_obj(body, "pagination", "$") or {}
        token = opt_str(pagination, "nextToken", "$.pagination")
        if token is None:
            return
        params = {**params, "paginationToken": token}


def amazon_pages(
    http: ChannelHttp, since: datetime, *, marketplace_ids: list[str]
) -> Iterator[list[Any]]:
    """getOrders (LastUpdatedAfter, then NextToken), and getOrderItems for each order."""
    items_bucket = TokenBucket(LIMITS["amazon_items"], http.clock)
    params: dict[str, Any] = {
        "MarketplaceIds": ",".join(marketplace_ids),
        "LastUpdatedAfter": _iso(since),
        "MaxResultsPerPage": 100,
    }
    while True:
        data, _ = http.fetch("GET", "/orders/v0/orders", params=params)
        payload = req_obj(obj(data, "$"), "payload", "$")
        page = []
        for i, raw in enumerate(lst(payload, "Orders", "$.payload")):
            order = obj(raw, f"$.payload.Orders[{i}]")
            order_id = req_str(order, "AmazonOrderId", f"$.payload.Orders[{i}]")
            items: list[Any] = []
            item_params: dict[str, Any] = {}
            while True:
                got, _ = http.fetch(
                    "GET",
                    f"/orders/v0/orders/{order_id}/orderItems",
                    params=item_params,
                    bucket=items_bucket,
                )
                item_payload = req_obj(obj(got, "$"), "payload", "$")
                items.extend(lst(item_payload, "OrderItems", "$.payload"))
                token = opt_str(item_payload, "NextToken", "$.payload")
                if token is None:
                    break
                item_params = {"NextToken": token}
            page.append(amazon.combine(order, items))
        yield page
        token = opt_str(payload, "NextToken", "$.payload")
        if token is None:
            return
        params = {"MarketplaceIds": ",".join(marketplace_ids), "NextToken": token}


def ebay_pages(http: ChannelHttp, since: datetime, *, limit: int = 200) -> Iterator[list[Any]]:
    """GET /sell/fulfillment/v1/order?filter=lastmodifieddate:[since..]&limit&offset."""
    offset = 0
    stamp = (
        since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{since.microsecond // 1000:03d}Z"
    )
    while True:
        params = {"filter": f"lastmodifieddate:[{stamp}..]", "limit": limit, "offset": offset}
        data, _ = http.fetch("GET", "/sell/fulfillment/v1/order", params=params)
        body = obj(data, "$")
        orders = list(lst(body, "orders", "$", required=False))
        yield orders
        total = body.get("total")
        offset += limit
        if not orders or not isinstance(total, int) or offset >= total:
            return


@dataclass(frozen=True, slots=True)
class TikTokApp:
    """What signs a TikTok Shop request: the app's key and secret, and the shop's cipher."""

    app_key: str
    app_secret: str
    shop_cipher: str


def tiktok_call(
    http: ChannelHttp,
    app: TikTokApp,
    path: str,
    payload: dict[str, Any],
    query: dict[str, str] | None = None,
) -> Mapping[str, Any]:
    """POST a signed JSON request; the envelope's `data` (ChannelUnavailable when code != 0)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    params = {
        "app_key": app.app_key,
        "shop_cipher": app.shop_cipher,
        "timestamp": str(int(http.clock.utcnow().timestamp())),
        **(query or {}),
    }
    params["sign"] = tiktok_request_sign(app.app_secret, path, params, body)
    data, _ = http.fetch(
        "POST", path, params=params, content=body, headers={"content-type": "application/json"}
    )
    envelope = obj(data, "$")
    if envelope.get("code") != 0:
        raise ChannelUnavailable(
            f"TikTok Shop error {envelope.get('code')}: {envelope.get('message')}"
        )
    return opt_obj(envelope, "data", "$") or {}


def tiktok_pages(
    http: ChannelHttp,
    since: datetime,
    *,
    app_key: str,
    app_secret: str,
    shop_cipher: str,
    page_size: int = 50,
) -> Iterator[list[Any]]:
    """POST /order/202309/orders/search (update_time_ge), signed; next_page_token pages."""
    app = TikTokApp(app_key, app_secret, shop_cipher)
    token = ""
    while True:
        query = {"page_size": str(page_size), "sort_field": "update_time", "sort_order": "ASC"}
        if token:
            query["page_token"] = token
        page = tiktok_call(
            http,
            app,
            "/order/202309/orders/search",
            {"update_time_ge": int(since.timestamp())},
            query,
        )
        yield list(lst(page, "orders", "$.data", required=False))
        token = opt_str(page, "next_page_token", "$.data") or ""
        if not token:
            return


def walmart_pages(http: ChannelHttp, since: datetime, *, limit: int = 100) -> Iterator[list[Any]]:
    """GET /v3/orders?lastModifiedStartDate=…, then GET /v3/orders{meta.nextCursor}."""
    url = "/v3/orders"
    params: dict[str, Any] | None = {"lastModifiedStartDate": _iso(since), "limit": limit}
    while True:
        data, _ = http.fetch("GET", url, params=params)
        listing = req_obj(obj(data, "$"), "list", "$")
        elements = opt_obj(listing, "elements", "$.list") or {}
        yield list(lst(elements, "order", "$.list.elements", required=False))
        cursor = opt_str(opt_obj(listing, "meta", "$.list") or {}, "nextCursor", "$.list.meta")
        if cursor is None:
            return
        url, params = f"/v3/orders{cursor}", None  # nextCursor is a ready query string


PARSERS = {
    Channel.SHOPIFY: shopify.parse_order,
    Channel.AMAZON: amazon.parse_order,
    Channel.TIKTOK: tiktok.parse_order,
    Channel.EBAY: ebay.parse_order,
    Channel.WALMART: walmart.parse_order,
}


def poll(
    channel: Channel, pages: Iterator[list[Any]], http: ChannelHttp, since: datetime
) -> PollResult:
    """Drive one channel's pages: orders, raw payloads, parse failures and the next cursor."""
    return run_poll(http, pages, PARSERS[Channel(channel)], since)
