"""Stock pushes answered with JSON of any shape: a SKU is `sent` only on the platform's own
confirmation, and nothing else than ChannelUnavailable/PayloadError ever escapes."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.orders.connectors import stock, stock_feeds
from linkstar.orders.connectors.clients import ChannelUnavailable
from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.connectors.pollers import TikTokApp
from linkstar.orders.core.stock import LineStatus
from tests.orders.connectors.conftest import payload
from tests.orders.connectors.test_stock_push import answers, body, make_http

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@settings(max_examples=150)
@given(
    reply=st.one_of(
        JSON,
        st.fixed_dictionaries(
            {
                "responses": st.lists(
                    st.fixed_dictionaries(
                        {"sku": st.sampled_from(["A", "B", "C"]), "statusCode": JSON}
                    ),
                    max_size=4,
                )
            }
        ),
    ),
    status=st.sampled_from([200, 207, 400, 500]),
)
def test_ebay_answers_of_any_shape_never_mark_a_sku_sent_without_a_200(reply: Any, status: int):
    http = make_http("https://api.ebay.com", lambda _r: httpx.Response(status, json=reply))
    updates = [("A", 1), ("B", 2)]
    try:
        pushed = list(stock.push_ebay(http, updates))
    except ChannelUnavailable:
        assert status == 500  # retried, then given up: the caller marks every line failed
        return
    assert [p.channel_sku for p in pushed] == ["A", "B"]
    said = {}
    if isinstance(reply, dict) and isinstance(reply.get("responses"), list):
        for item in reply["responses"]:
            said.setdefault(item["sku"], item["statusCode"])
    for p in pushed:
        ok = status < 400 and said.get(p.channel_sku) == 200
        assert (p.status is LineStatus.sent) == ok


@settings(max_examples=150)
@given(lookup=JSON, answer=JSON)
def test_shopify_answers_of_any_shape_never_mark_a_sku_sent_without_a_confirmation(
    lookup: Any, answer: Any
):
    def handler(request: httpx.Request) -> httpx.Response:
        if "productVariants" in body(request)["query"]:  # the real items, and then noise
            nodes = [{"sku": "A", "inventoryItem": {"id": "gid://item/A"}}]
            return httpx.Response(
                200, json={"data": {"productVariants": {"nodes": [*nodes, lookup]}}}
            )
        return httpx.Response(200, json={"data": {"inventorySetQuantities": answer}})

    http = make_http("https://acme.myshopify.com/admin/api/2024-10/", handler)
    try:
        pushed = list(stock.push_shopify(http, [("A", 1)], "gid://x/1", {}))
    except (ChannelUnavailable, PayloadError):
        return  # the caller marks every line failed
    confirmed = isinstance(answer, dict) and answer.get("userErrors") == []
    assert answers(pushed) == [("A", "sent" if confirmed else "failed")]


@settings(max_examples=150)
@given(
    feed=st.one_of(
        JSON,
        st.fixed_dictionaries(
            {"processingStatus": st.sampled_from(["IN_QUEUE", "DONE", "FATAL", "CANCELLED"])}
        ),
    ),
    report=JSON,
)
def test_amazon_feed_answers_of_any_shape_confirm_nothing_they_do_not_say(feed: Any, report: Any):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "s3.example":
            return httpx.Response(200, json=report)
        if "/documents/" in request.url.path:
            return httpx.Response(200, json={"url": "https://s3.example/r"})
        if isinstance(feed, dict) and feed.get("processingStatus") == "DONE":
            return httpx.Response(200, json={**feed, "resultFeedDocumentId": "D"})
        return httpx.Response(200, json=feed)

    http = make_http("https://sellingpartnerapi-na.amazon.com", handler)
    try:
        result = stock_feeds.check_amazon(http, "F", ["A"])
    except (ChannelUnavailable, PayloadError):
        return  # the feed is asked about again later
    done = isinstance(feed, dict) and feed.get("processingStatus") == "DONE"
    if result is None:
        assert isinstance(feed, dict) and feed.get("processingStatus") == "IN_QUEUE"
    else:
        assert (result.results["A"].status is LineStatus.sent) == (
            done and not any(i.get("messageId") == 1 for i in _errors(report))
        )


def _errors(report: Any) -> list[dict[str, Any]]:
    issues = report.get("issues") if isinstance(report, dict) else None
    if not isinstance(issues, list):
        return []
    return [i for i in issues if isinstance(i, dict) and i.get("severity") == "ERROR"]


@settings(max_examples=100)
@given(search=JSON)
def test_tiktok_search_answers_of_any_shape_leave_unknown_skus_unmatched(search: Any):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json={"code": 0, "data": search})
        return httpx.Response(200, json=payload("stock/tiktok_inventory_update"))

    http = make_http("https://open-api.tiktokglobalshop.com", handler)
    try:
        pushed = list(stock.push_tiktok(http, [("A", 1)], TikTokApp("k", "s", "c"), "W", {}))
    except (ChannelUnavailable, PayloadError):
        return  # the caller marks every line failed
    assert [p.channel_sku for p in pushed] == ["A"]
    assert pushed[0].status in {LineStatus.unmatched, LineStatus.sent}
