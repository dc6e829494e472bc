"""Amazon SP-API Orders 2026-01-01: the documented searchOrders example, its paging, bad input."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.orders.connectors import amazon, pollers
from linkstar.orders.connectors.clients import ChannelHttp
from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)
from tests.orders.connectors.conftest import payload
from tests.orders.connectors.test_clients import FakeClock, query
from tests.orders.connectors.test_fuzz import _parse_or_payload_error, _paths, _replace, json_values

SEARCH = "documented/amazon_orders_2026_search_example"


def order() -> dict[str, Any]:
    return copy.deepcopy(payload(SEARCH)["orders"][0])


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_documented_search_orders_example_parses_to_the_exact_canonical_order() -> None:
    assert amazon.parse_order(order()) == ChannelOrder(
        channel=Channel.AMAZON,
        external_id="123-4567890-1234567",
        external_number="123-4567890-1234567",
        version=utc(2024, 12, 25, 14, 45),
        placed_at=utc(2024, 12, 25, 10, 30),
        status=ChannelStatus.SHIPPED,
        currency="USD",
        lines=(
            OrderLine(
                "12345678901234",
                "ECHO-DOT-4-CHARCOAL",
                2,
                D("49.99"),
                "Echo Dot (4th Gen) | Smart speaker with Alexa | Charcoal",
                tax=D("0.02"),
            ),
            OrderLine(
                "12345678901235",
                "FIRE-TV-4K-2021",
                1,
                D("49.99"),
                "Fire TV Stick 4K with Alexa Voice Remote",
            ),
        ),
        buyer=Buyer(name="John Smith", email="buyer-email@marketplace.amazon.com"),
        ship_to=PostalAddress(
            name="John Smith",
            company="Smith Industries LLC",
            line1="123 Main Street",
            line2="Suite 456",
            city="Seattle",
            state="WA",
            postcode="98101",
            country="US",
            phone="555-123-4567",
        ),
        subtotal=D("149.97"),
        shipping=D("0"),
        tax=D("0.02"),
        discount=D("0"),
        total=D("154.99"),  # with the 5.00 delivery tip, which is neither goods nor shipping
        ship_by=utc(2024, 12, 27, 23, 59, 59),
        deliver_by=utc(2024, 12, 30, 23, 59, 59),
        ship_service_level="STANDARD",
        tags=("prime", "business", "replacement"),
    )


def test_amazon_fulfilled_discounted_order_without_proceeds_detail() -> None:
    raw = order()
    raw["fulfillment"] = {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "AMAZON"}
    raw["programs"], raw["associatedOrders"] = [], []
    raw["proceeds"]["breakdowns"] += [
        {"type": "SHIPPING", "subtotal": {"amount": "4.99", "currencyCode": "USD"}},
        {"type": "GIFT_WRAP", "subtotal": {"amount": "2.00", "currencyCode": "USD"}},
        {"type": "DISCOUNT", "subtotal": {"amount": "-10.00", "currencyCode": "USD"}},
    ]
    parsed = amazon.parse_order(raw)
    assert (parsed.status, parsed.tags) == (ChannelStatus.SHIPPED, ("fba",))
    assert (parsed.shipping, parsed.discount) == (D("6.99"), D("10.00"))
    del raw["proceeds"]  # PROCEEDS not asked for: amounts from the items' prices
    bare = amazon.parse_order(raw)
    assert (bare.subtotal, bare.tax, bare.total, bare.currency) == (
        D("149.97"),
        D("0.02"),
        D("149.99"),
        "USD",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.pop("fulfillment"), "no fulfillment: ask searchOrders for"),
        (lambda o: o["fulfillment"].update(fulfillmentStatus="LOST"), "unknown fulfillmentStatus"),
        (lambda o: o["orderItems"][0].pop("product"), "product"),
        (lambda o: o.pop("orderId"), "orderId"),
    ],
    ids=["no-fulfillment", "unknown-status", "item-without-product", "no-order-id"],
)
def test_an_order_missing_what_we_need_is_refused_with_its_path(change, message) -> None:  # type: ignore[no-untyped-def]
    raw = order()
    change(raw)
    with pytest.raises(PayloadError) as info:
        amazon.parse_order(raw)
    assert message in str(info.value) and info.value.path.startswith("$")


@settings(max_examples=150)
@given(data=st.data())
def test_any_field_replaced_by_any_json_parses_or_raises_payload_error(data: st.DataObject) -> None:
    raw = order()
    path = data.draw(st.sampled_from(_paths(raw)))
    _parse_or_payload_error(amazon.parse_order, _replace(raw, path, data.draw(json_values)))


def test_search_orders_pages_by_next_token_with_the_datasets_we_read() -> None:
    first = payload(SEARCH)
    second = {"orders": [{**order(), "orderId": "123-4567890-7654321"}], "pagination": {}}
    asked: list[dict[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/orders/2026-01-01/orders"
        asked.append(query(request))
        return httpx.Response(200, json=second if "paginationToken" in asked[-1] else first)

    http = ChannelHttp(
        "https://sellingpartnerapi-na.amazon.com",
        limit=pollers.LIMITS["amazon_2026"],
        transport=httpx.MockTransport(handler),
        clock=FakeClock(),
    )
    since = utc(2026, 12, 1, 8)
    pages = list(pollers.amazon_2026_pages(http, since, marketplace_ids=["ATVPDKIKX0DER", "A2"]))
    assert [[o["orderId"] for o in page] for page in pages] == [
        ["123-4567890-1234567"],
        ["123-4567890-7654321"],
    ]
    assert asked[0] == {
        "lastUpdatedAfter": ["2026-12-01T08:00:00Z"],
        "marketplaceIds": ["ATVPDKIKX0DER,A2"],
        "includedData": ["BUYER,RECIPIENT,PROCEEDS,FULFILLMENT"],
        "maxResultsPerPage": ["100"],
    }
    assert asked[1] == {**asked[0], "paginationToken": ["2YgYW55IGNhcm5hbCBwbGVhc3VyZS4"]}
