"""Connectors against payloads copied from the platforms' own documentation and SDK samples.

Sources are listed in payloads/documented/README.md (and docs/formats/channels.md, "Where the
shapes were verified"). Requests and answers go through httpx.MockTransport, never the network.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import httpx
import jsonschema
import pytest

from linkstar.orders.connectors import amazon, ebay, stock_feeds, tiktok, walmart
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)
from linkstar.orders.core.stock import LineStatus
from tests.orders.connectors.conftest import payload
from tests.orders.connectors.test_stock_feeds import amazon as sp_api
from tests.orders.connectors.test_stock_push import answers

DOCUMENTED = "documented/"


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def test_our_listings_feed_document_is_valid_against_amazons_own_schema() -> None:
    schema = payload(DOCUMENTED + "amazon_listings_feed_schema_v2")
    example = payload(DOCUMENTED + "amazon_listings_feed_example")
    jsonschema.validate(example, schema)  # the stored schema is Amazon's: its example passes
    document = stock_feeds.amazon_feed_document("A2EXAMPLE", [("My-SKU-D", 10), ("B", 0)])
    jsonschema.validate(document, schema)
    # Amazon's PATCH example, message 4, is ours to the letter except the product type
    ours = dict(document["messages"][0], productType="LUGGAGE")
    assert ours == example["messages"][3] | {"messageId": 1}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d["messages"][0].pop("productType"), "productType"),
        (lambda d: d["header"].update(version="1.0"), "2.0"),
        (lambda d: d["messages"][0].update(operationType="PARTIAL_PATCH"), "PARTIAL_PATCH"),
    ],
)
def test_the_stored_schema_refuses_what_amazon_refuses(mutate: Any, reason: str) -> None:
    schema = payload(DOCUMENTED + "amazon_listings_feed_schema_v2")
    document = copy.deepcopy(stock_feeds.amazon_feed_document("A2EXAMPLE", [("A", 1)]))
    mutate(document)
    with pytest.raises(jsonschema.ValidationError, match=reason):
        jsonschema.validate(document, schema)


def report_server(report: dict[str, Any]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host.startswith("tortuga"):
            return httpx.Response(200, json=report)
        if "/documents/" in request.url.path:
            document = payload("stock/amazon_get_feed_document")
            del document["compressionAlgorithm"]  # this report comes uncompressed
            return httpx.Response(200, json=document)
        return httpx.Response(200, json=payload("stock/amazon_get_feed_done"))

    return sp_api(handler)


def test_amazons_documented_processing_report_fails_exactly_its_error_messages() -> None:
    http = report_server(payload(DOCUMENTED + "amazon_processing_report_example"))
    skus = ["S1", "S2", "S3", "S4", "S5"]
    result = stock_feeds.check_amazon(http, "1234567890", skus)
    assert result is not None and result.error == ""
    assert answers(list(result.results.values())) == [
        ("S1", "sent"),
        ("S2", "sent"),
        ("S3", "sent"),
        ("S4", "failed"),
        ("S5", "failed"),
    ]
    assert result.results["S4"].response == (
        "90220: '[batteries_required]' is required but not supplied.; "
        "90220: '[supplier_declared_dg_hz_regulation]' is required but not supplied."
    )
    assert result.results["S5"].response.startswith("99022: The field '\"prices\"'")


def test_an_error_without_message_id_is_the_whole_feeds_and_fails_every_line() -> None:
    report = payload(DOCUMENTED + "amazon_processing_report_example")
    report["issues"] = [
        {"code": "4000003", "severity": "ERROR", "message": "The feed is not valid JSON."}
    ]
    report["summary"] = dict(report["summary"], messagesProcessed=0, messagesAccepted=0)
    result = stock_feeds.check_amazon(report_server(report), "1234567890", ["S1", "S2"])
    assert result is not None
    assert result.error == "feed 1234567890: 4000003: The feed is not valid JSON."
    assert {p.status for p in result.results.values()} == {LineStatus.failed}


def test_amazons_documented_get_order_and_get_order_items_examples_parse_together() -> None:
    order = payload(DOCUMENTED + "amazon_get_order_example")["payload"]
    items = payload(DOCUMENTED + "amazon_get_order_items_example")["payload"]["OrderItems"]
    parsed = amazon.parse_order(amazon.combine(order, items))
    assert (parsed.external_id, parsed.status, parsed.currency) == (
        "902-3159896-1390916",
        ChannelStatus.PENDING,  # no OrderTotal while Pending: the items' currency and sums
        "JPY",
    )
    lines = [(x.external_line_id, x.channel_sku, x.quantity, x.unit_price) for x in parsed.lines]
    assert lines == [
        ("68828574383266", "CBA_OTF_1", 1, D("25.99")),
        ("79039765272157", "CBA_OTF_5", 2, D("8.9750")),  # ItemPrice is for both units
    ]
    assert (parsed.subtotal, parsed.shipping, parsed.total) == (D("43.94"), D("1.26"), D("45.20"))
    assert parsed.buyer == Buyer(name="John Doe")
    assert parsed.ship_to == PostalAddress(
        name="Michigan address",
        line1="1 Cross St.",
        city="Canton",
        state="MI",
        postcode="48817",
        country="US",
    )
    assert parsed.ship_by == datetime(2017, 1, 25, 19, 49, 35, tzinfo=UTC)


def test_walmarts_documented_order_sample_parses_to_the_exact_canonical_order() -> None:
    assert walmart.parse_order(payload(DOCUMENTED + "walmart_get_all_orders_sample")) == (
        ChannelOrder(
            channel=Channel.WALMART,
            external_id="1796277083022",
            external_number="5281956426648",
            version=ms(1568466647000),
            placed_at=ms(1568466571000),
            status=ChannelStatus.OPEN,
            currency="USD",
            lines=(
                OrderLine(
                    "4",
                    "test1",
                    1,
                    D("10"),
                    "Beba Bean Pee-pee Teepee Airplane - Blue - Laundry Bag",
                    D("0.8"),
                ),
            ),
            buyer=Buyer(
                name="Kathryn Cole",
                email="3A31739D8B0A45A1B23F7F8C81C8747F@relay.walmart.com",
                phone="3155598681",
            ),
            ship_to=PostalAddress(
                name="Kathryn Cole",
                line1="3258BWarners rd",
                line2="Garage",
                city="Warners",
                state="NY",
                postcode="13164",
                country="US",
                phone="3155598681",
            ),
            subtotal=D("10"),
            tax=D("0.8"),
            total=D("10.8"),
            ship_by=ms(1568700000000),
            deliver_by=ms(1569438000000),
            ship_service_level="Value",
            tags=("replacement",),
        )
    )


def test_an_ebay_order_with_a_delivery_discount_adds_up_to_ebays_total() -> None:
    order = ebay.parse_order(payload(DOCUMENTED + "ebay_order_recorded_de"))
    # deliveryCost is before the delivery discount: both discounts are the order's discount
    assert (order.subtotal, order.shipping, order.tax, order.discount, order.total) == (
        D("264.8"),
        D("19.8"),
        D("0"),
        D("28.09"),
        D("256.51"),
    )
    assert order.subtotal + order.shipping + order.tax - order.discount == order.total
    assert [(x.channel_sku, x.quantity, x.unit_price, x.discount) for x in order.lines] == [
        ("15620.Kt", 4, D("30.55"), D("6.08")),
        ("15619.Kt", 4, D("35.65"), D("7.16")),
    ]
    assert (order.currency, order.status) == ("EUR", ChannelStatus.SHIPPED)


@pytest.mark.parametrize(
    "name", ["tiktok_awaiting_shipment", "tiktok_cancelled_gb_unicode", "tiktok_unpaid_no_address"]
)
def test_tiktok_subtotal_is_before_discounts_and_the_parts_add_up(name: str) -> None:
    order = tiktok.parse_order(payload(name))
    assert order.subtotal + order.shipping + order.tax - order.discount == order.total


def test_tiktok_sub_total_is_after_discounts_when_the_original_price_is_missing() -> None:
    data = payload("tiktok_awaiting_shipment")
    del data["payment"]["original_total_product_price"]
    order = tiktok.parse_order(data)
    assert (order.subtotal, order.discount) == (D("53.98"), D("6.00"))  # 47.98 + 2.00 + 4.00
