"""Bulk stock feeds: Amazon SP-API JSON_LISTINGS_FEED and Walmart's inventory feed.

Submitting a feed only gets a feed id: `submit_*` yields one `Pushed` per SKU with status
`submitted` and that id. Each SKU's outcome comes later, from `check_*`: None while the platform
is still processing, else a `FeedCheck` with one `Pushed` per SKU (sent or failed). Requests go
through the store's `ChannelHttp` (token bucket, 429/Retry-After); shapes are in
docs/formats/channels.md.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from linkstar.orders.connectors.clients import ChannelHttp, ChannelUnavailable, RateLimit
from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.connectors.stock import Pushed, Update, _batches, _clip, _dict, _dicts, _json
from linkstar.orders.core.stock import LineStatus

FEEDS = "/feeds/2021-06-30"
DOCUMENT_TYPE = "application/json; charset=UTF-8"
AMAZON_FEED_BATCH = 10_000  # messages per JSON_LISTINGS_FEED document
AMAZON_PRODUCT_TYPE = "PRODUCT"  # PATCH of an offer attribute: no product type schema needed
WALMART_FEED_BATCH = 10_000  # SKUs per inventory feed file (10 feeds an hour, 5 MB a file)
WALMART_DETAIL_PAGE = 1000  # itemDetails per feed status call (the documented maximum)
AMAZON_PENDING = {"IN_QUEUE", "IN_PROGRESS"}
WALMART_PENDING = {"RECEIVED", "INPROGRESS"}
# An item of a PROCESSED feed may itself still be INPROGRESS (its ingestion statuses are
# SUCCESS, DATA_ERROR, SYSTEM_ERROR, TIMEOUT_ERROR, INPROGRESS): the feed is asked again later.
WALMART_ITEM_PENDING = {"INPROGRESS"}
# The feed status reference names an applied item SUCCESS; the monitoring guide says PROCESSED.
WALMART_APPLIED = {"SUCCESS", "PROCESSED"}
# The Feeds API's own usage plans (default requests per second and burst of each operation, as
# the Feeds 2021-06-30 model's "Usage Plan" tables give them), not the orders API's 0.0167/s.
AMAZON_FEED_LIMITS = {
    "createFeedDocument": RateLimit(rate=0.5, burst=15),
    "createFeed": RateLimit(rate=0.0083, burst=15),
    "getFeed": RateLimit(rate=2.0, burst=15),
    "getFeedDocument": RateLimit(rate=0.0222, burst=10),
}


def _amazon(http: ChannelHttp, operation: str, method: str, path: str, **kwargs: Any) -> Any:
    """One Feeds API call through its operation's bucket, its JSON body when it succeeded."""
    bucket = http.operation_bucket(operation, AMAZON_FEED_LIMITS[operation])
    return _ok(http.send(method, f"{FEEDS}{path}", bucket=bucket, **kwargs), f"Amazon {operation}")


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """A processed feed: each SKU's outcome, and why the whole feed failed (when it did)."""

    results: dict[str, Pushed]
    error: str = ""


def _all_failed(skus: Sequence[str], error: str) -> FeedCheck:
    """The whole feed failed: every SKU's line, with the feed's reason."""
    return FeedCheck({s: Pushed(s, LineStatus.failed, error) for s in skus}, error)


def _text(body: Any, key: str, what: str) -> str:
    value = _dict(body).get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{what}: no {key} in the answer: {_clip(body)[:200]}", f"$.{key}")
    return value


def _ok(response: httpx.Response, what: str) -> Any:
    """The JSON body of a 2xx answer; any other status is the platform refusing the request."""
    body = _json(response, what)
    if response.status_code >= 300:
        raise ChannelUnavailable(f"{what}: HTTP {response.status_code}: {_clip(body)[:300]}")
    return body


def _presigned(http: ChannelHttp, method: str, url: str, content: bytes | None) -> bytes:
    """A pre-signed document URL carries its own authorisation: the store's headers stay home."""
    headers = {"Content-Type": DOCUMENT_TYPE} if content is not None else {}
    http.requests += 1
    try:
        response = http.client.send(httpx.Request(method, url, content=content, headers=headers))
    except httpx.TransportError as exc:
        raise ChannelUnavailable(f"{method} feed document: {exc}") from exc
    if response.status_code >= 300:
        raise ChannelUnavailable(
            f"{method} feed document: HTTP {response.status_code}", response.status_code
        )
    return response.content


def amazon_feed_document(seller_id: str, updates: Sequence[Update]) -> dict[str, Any]:
    """JSON_LISTINGS_FEED: one PATCH message per SKU setting its merchant-fulfilled quantity."""
    return {
        "header": {"sellerId": seller_id, "version": "2.0"},
        "messages": [
            {
                "messageId": number,
                "sku": sku,
                "operationType": "PATCH",
                "productType": AMAZON_PRODUCT_TYPE,
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
                    }
                ],
            }
            for number, (sku, quantity) in enumerate(updates, start=1)
        ],
    }


def submit_amazon(
    http: ChannelHttp, updates: Sequence[Update], seller_id: str, marketplace_ids: Sequence[str]
) -> Iterator[Pushed]:
    """createFeedDocument → PUT the document to its URL → createFeed, per 10,000 SKUs."""
    for batch in _batches(updates, AMAZON_FEED_BATCH):
        what = "Amazon createFeedDocument"
        created = _amazon(
            http, "createFeedDocument", "POST", "/documents", json={"contentType": DOCUMENT_TYPE}
        )
        document_id, url = _text(created, "feedDocumentId", what), _text(created, "url", what)
        document = json.dumps(amazon_feed_document(seller_id, batch), separators=(",", ":"))
        _presigned(http, "PUT", url, document.encode())
        spec = {
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": list(marketplace_ids),
            "inputFeedDocumentId": document_id,
        }
        feed = _amazon(http, "createFeed", "POST", "/feeds", json=spec)
        feed_id = _text(feed, "feedId", "Amazon createFeed")
        answer = _clip({"feedId": feed_id, "feedDocumentId": document_id})
        for sku, _q in batch:
            yield Pushed(sku, LineStatus.submitted, answer, feed_id=feed_id)


def _report(http: ChannelHttp, document_id: str) -> Any:
    """The processing report behind getFeedDocument (gunzipped when Amazon compressed it)."""
    what = "Amazon getFeedDocument"
    document = _amazon(http, "getFeedDocument", "GET", f"/documents/{quote(document_id, safe='')}")
    content = _presigned(http, "GET", _text(document, "url", what), None)
    if _dict(document).get("compressionAlgorithm") == "GZIP":
        content = gzip.decompress(content)
    try:
        return json.loads(content)
    except ValueError as exc:
        raise PayloadError("Amazon processing report: not JSON") from exc


def check_amazon(http: ChannelHttp, feed_id: str, skus: Sequence[str]) -> FeedCheck | None:
    """getFeed; once DONE, the processing report's ERROR issues fail their messages' SKUs."""
    feed = _amazon(http, "getFeed", "GET", f"/feeds/{quote(feed_id, safe='')}")
    status = str(_dict(feed).get("processingStatus") or "")
    if status in AMAZON_PENDING:
        return None
    # CANCELLED: nothing applied; FATAL: "some, none, or all" applied (the reference), so the
    # lines fail and go again next run (a quantity set twice is harmless)
    if status != "DONE":
        error = f"feed {feed_id} ended {status or 'without a status'}"
        return _all_failed(skus, error)
    report = _report(http, _text(feed, "resultFeedDocumentId", "Amazon getFeed"))
    issues: dict[int | None, list[str]] = {}
    for issue in _dicts(_dict(report).get("issues")):
        number = issue.get("messageId")  # absent when the issue is the feed's (its format)
        if issue.get("severity") == "ERROR":
            key = number if isinstance(number, int) else None
            issues.setdefault(key, []).append(f"{issue.get('code')}: {issue.get('message')}")
    if None in issues:  # an error about the whole document: no message can be trusted applied
        error = _clip(f"feed {feed_id}: " + "; ".join(issues[None]))
        return _all_failed(skus, error)
    accepted = _clip({"feedId": feed_id, "summary": _dict(report).get("summary")})
    results = {
        sku: Pushed(sku, LineStatus.failed, _clip("; ".join(issues[n])))
        if n in issues
        else Pushed(sku, LineStatus.sent, accepted)
        for n, sku in enumerate(skus, start=1)
    }
    return FeedCheck(results)


def walmart_feed(updates: Sequence[Update]) -> dict[str, Any]:
    """Bulk item inventory update, spec 1.4 (the seller's default ship node)."""
    return {
        "InventoryHeader": {"version": "1.4"},
        "Inventory": [
            {"sku": sku, "quantity": {"unit": "EACH", "amount": quantity}}
            for sku, quantity in updates
        ],
    }


def submit_walmart(http: ChannelHttp, updates: Sequence[Update]) -> Iterator[Pushed]:
    """POST /v3/feeds?feedType=inventory with the feed as a multipart file, per 10,000 SKUs."""
    for batch in _batches(updates, WALMART_FEED_BATCH):
        content = json.dumps(walmart_feed(batch), separators=(",", ":")).encode()
        response = http.send(
            "POST",
            "/v3/feeds",
            params={"feedType": "inventory"},
            files={"file": ("inventory.json", content, "application/json")},
        )
        feed_id = _text(_ok(response, "Walmart inventory feed"), "feedId", "Walmart feed")
        for sku, _q in batch:
            yield Pushed(sku, LineStatus.submitted, _clip({"feedId": feed_id}), feed_id=feed_id)


def _walmart_errors(item: Mapping[str, Any]) -> str:
    errors = _dicts(_dict(item.get("ingestionErrors")).get("ingestionError"))
    texts = [f"{e.get('code')}: {e.get('description')}" for e in errors]
    return "; ".join(texts) or str(item.get("ingestionStatus") or "no ingestion status")


def check_walmart(http: ChannelHttp, feed_id: str, skus: Sequence[str]) -> FeedCheck | None:
    """GET /v3/feeds/{feedId}?includeDetails=true, paged by 1,000 items; SUCCESS → sent."""
    items: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        query = {"includeDetails": "true", "offset": offset, "limit": WALMART_DETAIL_PAGE}
        path = f"/v3/feeds/{quote(feed_id, safe='')}"
        data = _dict(_ok(http.send("GET", path, params=query), "Walmart feed status"))
        status = str(data.get("feedStatus") or "")
        if status in WALMART_PENDING:
            return None
        if status != "PROCESSED":  # ERROR: no item of the feed was processed
            error = _clip(f"feed {feed_id} {status or 'without a status'}: {_walmart_errors(data)}")
            return _all_failed(skus, error)
        page = _dicts(_dict(data.get("itemDetails")).get("itemIngestionStatus"))
        for item in page:
            if isinstance(item.get("sku"), str):
                items.setdefault(item["sku"], item)
        offset += WALMART_DETAIL_PAGE
        received = data.get("itemsReceived")
        if not page or not isinstance(received, int) or offset >= received:
            break
    if any(items.get(sku, {}).get("ingestionStatus") in WALMART_ITEM_PENDING for sku in skus):
        return None
    results: dict[str, Pushed] = {}
    for sku in skus:
        found = items.get(sku)
        if found is None:
            results[sku] = Pushed(sku, LineStatus.failed, "the feed status does not list this SKU")
        elif found.get("ingestionStatus") in WALMART_APPLIED:
            results[sku] = Pushed(sku, LineStatus.sent, _clip({"feedId": feed_id, **found}))
        else:
            results[sku] = Pushed(sku, LineStatus.failed, _clip(_walmart_errors(found)))
    return FeedCheck(results)
