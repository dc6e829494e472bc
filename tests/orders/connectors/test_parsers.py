"""Each channel's recorded payloads parse to exact canonical orders."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from linkstar.orders.connectors import amazon, ebay, shopify, tiktok, walmart
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


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


SHOPIFY_REST = ChannelOrder(
    channel=Channel.SHOPIFY,
    external_id="5745893228712",
    external_number="#1042",
    version=utc(2026, 11, 28, 14, 16, 3),
    placed_at=utc(2026, 11, 28, 14, 14, 22),
    status=ChannelStatus.OPEN,
    currency="USD",
    lines=(
        OrderLine(
            "14852741234601",
            "MUG-CER-350-WHT",
            2,
            D("24.99"),
            "Ceramic Mug 350 ml - White",
            D("3.12"),
            D("5.00"),
        ),
        OrderLine(
            "14852741234602",
            "TEA-TIN-GRN-100",
            1,
            D("34.99"),
            "Green Tea Tin 100 g",
            D("3.28"),
            D("0"),
        ),
    ),
    buyer=Buyer("Maria Lopez", "maria.lopez@example.com", "+15125550142", "7012345678901"),
    ship_to=PostalAddress(
        name="Maria Lopez",
        line1="2107 E Cesar Chavez St",
        line2="Apt 4",
        city="Austin",
        state="TX",
        postcode="78702",
        country="US",
        phone="+1 512-555-0142",
    ),
    subtotal=D("84.97"),
    shipping=D("6.99"),
    tax=D("6.40"),
    discount=D("5.00"),
    total=D("93.36"),
    ship_service_level="Standard Shipping",
    tags=("wholesale", "repeat-buyer"),
)

SHOPIFY_GRAPHQL = ChannelOrder(
    channel=Channel.SHOPIFY,
    external_id="5745893230001",
    external_number="#DE-2001",
    version=utc(2026, 12, 1, 12, 30, 15),
    placed_at=utc(2026, 12, 1, 10, 0),
    status=ChannelStatus.SHIPPED,
    currency="EUR",
    lines=(
        OrderLine(
            "14852741300001", "SCARF-WOOL-GRY", 2, D("29.90"), "Wollschal grau", D("9.55"), D("0")
        ),
    ),
    buyer=Buyer("Jürgen Müller", "jurgen.muller@example.de", None, "7012345600001"),
    ship_to=PostalAddress(
        name="Jürgen Müller",
        company="Bäckerei Müller GmbH",
        line1="Straße des 17. Juni 135",
        city="Berlin",
        postcode="10623",
        country="DE",
        phone="+49 30 1234567",
    ),
    subtotal=D("50.25"),  # a German shop's prices include VAT: 59.80 - 9.55 of line tax
    shipping=D("4.90") - D("0.78"),  # less the shipping line's VAT
    tax=D("10.33"),
    total=D("64.70"),
    ship_service_level="DHL Paket",
    tags=("DACH", "gift"),
)

AMAZON_UNSHIPPED = ChannelOrder(
    channel=Channel.AMAZON,
    external_id="113-6014921-4433810",
    external_number="113-6014921-4433810",
    version=utc(2026, 11, 30, 17, 36, 12),
    placed_at=utc(2026, 11, 30, 17, 5, 41),
    status=ChannelStatus.OPEN,
    currency="USD",
    lines=(
        OrderLine(
            "62118434510442",
            "LS-BOTTLE-750-BLK",
            2,
            D("22.99"),
            "Insulated Steel Water Bottle 750 ml, Black",
            D("4.65"),
            D("4.60"),
        ),
        OrderLine(
            "62118434510443",
            "LS-LID-STRAW",
            1,
            D("19.99"),
            "Replacement Straw Lid",
            D("2.02"),
            D("0"),
        ),
    ),
    buyer=Buyer("Daniel Kim", "q8zk2m4hx0p1t9v@marketplace.amazon.com"),
    ship_to=PostalAddress(
        name="Daniel Kim",
        line1="4410 Fremont Ave N",
        line2="Unit 302",
        city="SEATTLE",
        state="WA",
        postcode="98103-7223",
        country="US",
        phone="+1 206-555-0187 ext. 51234",
    ),
    subtotal=D("65.97"),
    shipping=D("3.99"),
    tax=D("6.67"),
    discount=D("4.60"),
    total=D("71.93"),
    ship_by=utc(2026, 12, 3, 7, 59, 59),
    deliver_by=utc(2026, 12, 9, 7, 59, 59),
    ship_service_level="Std US D2D Dom",
    tags=("prime",),
)

TIKTOK_AWAITING = ChannelOrder(
    channel=Channel.TIKTOK,
    external_id="576829349823748312",
    external_number="576829349823748312",
    version=utc(2026, 12, 1, 15, 11, 2),
    placed_at=utc(2026, 12, 1, 15, 0),
    status=ChannelStatus.OPEN,
    currency="USD",
    lines=tuple(
        OrderLine(line_id, "LS-HOODIE-M-NVY", 1, D("26.99"), "Fleece Hoodie", D("1.92"), D("3.00"))
        for line_id in ("576829349823812001", "576829349823812002")
    ),
    buyer=Buyer(email="v0a1b2c3d4e5f6@scs.tiktokw.us", external_id="7494012345678901234"),
    ship_to=PostalAddress(
        name="Ashley Brooks",
        line1="1600 Vine St",
        line2="Apt 1207",
        city="Los Angeles",
        state="California",
        postcode="90028",
        country="US",
        phone="(+1)213*****91",
    ),
    subtotal=D("53.98"),  # original_total_product_price: before the 6.00 discounts
    shipping=D("5.99"),
    tax=D("3.84"),
    discount=D("6.00"),
    total=D("57.81"),
    ship_by=utc(2026, 12, 4, 15, 0),
    deliver_by=utc(2026, 12, 9, 15, 0),
    ship_service_level="Standard shipping",
)

EBAY_NOT_STARTED = ChannelOrder(
    channel=Channel.EBAY,
    external_id="12-11054-28713",
    external_number="334912345678-2911234567012",
    version=utc(2026, 11, 30, 19, 48, 37),
    placed_at=utc(2026, 11, 30, 19, 42, 11),
    status=ChannelStatus.OPEN,
    currency="USD",
    lines=(
        OrderLine(
            "10065432109876",
            "LS-LAMP-BRASS",
            1,
            D("59.90"),
            "Vintage Brass Desk Lamp",
            D("4.80"),
            D("5.00"),
        ),
    ),
    buyer=Buyer("Robert Hayes", "3f9a6c0de2b1@members.ebay.com", "6145550123", "vintage_finds_88"),
    ship_to=PostalAddress(
        name="Robert Hayes",
        line1="220 W Nationwide Blvd",
        line2="Suite 500",
        city="Columbus",
        state="OH",
        postcode="43215-2561",
        country="US",
        phone="6145550123",
        email="3f9a6c0de2b1@members.ebay.com",
    ),
    subtotal=D("59.90"),
    shipping=D("8.50"),
    tax=D("4.80"),
    discount=D("5.00"),
    total=D("68.20"),
    ship_by=utc(2026, 12, 2, 4, 59, 59),
    deliver_by=utc(2026, 12, 8, 8, 0),
    ship_service_level="USPSPriority",
)

WALMART_CREATED = ChannelOrder(
    channel=Channel.WALMART,
    external_id="1819456903284",
    external_number="200011772211893",
    version=utc(2026, 12, 1, 19, 2),
    placed_at=utc(2026, 12, 1, 19, 0),
    status=ChannelStatus.OPEN,
    currency="USD",
    lines=(
        OrderLine(
            "1", "LS-BOARD-BAMBOO-L", 2, D("13.99"), "Bamboo Cutting Board, Large", D("2.52")
        ),
        OrderLine("2", "LS-SPOON-OLIVE", 1, D("9.50"), "Olive Wood Spoon", D("0.86")),
    ),
    buyer=Buyer("Tanya Reed", "8F2A91C5D03E4B7A9C1D2E3F4A5B6C7D@relay.walmart.com", "4045550178"),
    ship_to=PostalAddress(
        name="Tanya Reed",
        line1="675 Ponce De Leon Ave NE",
        line2="Apt 3C",
        city="Atlanta",
        state="GA",
        postcode="30308",
        country="US",
        phone="4045550178",
    ),
    subtotal=D("37.48"),
    shipping=D("4.99"),
    tax=D("3.38"),
    total=D("45.85"),
    ship_by=utc(2026, 12, 3, 19, 0),
    deliver_by=utc(2026, 12, 6, 19, 0),
    ship_service_level="Standard",
    tags=("regular",),
)


@pytest.mark.parametrize(
    ("parse", "name", "expected"),
    [
        (shopify.parse_order, "shopify_rest_multiline", SHOPIFY_REST),
        (shopify.parse_order, "shopify_graphql_unicode_eur", SHOPIFY_GRAPHQL),
        (amazon.parse_order, "amazon_unshipped_multiline", AMAZON_UNSHIPPED),
        (tiktok.parse_order, "tiktok_awaiting_shipment", TIKTOK_AWAITING),
        (ebay.parse_order, "ebay_not_started", EBAY_NOT_STARTED),
        (walmart.parse_order, "walmart_created", WALMART_CREATED),
    ],
)
def test_recorded_payload_parses_to_the_exact_canonical_order(parse, name, expected) -> None:  # type: ignore[no-untyped-def]
    assert parse(payload(name)) == expected


def test_shopify_cancelled_order_without_sku_falls_back_to_the_variant() -> None:
    order = shopify.parse_order(payload("shopify_rest_cancelled"))
    assert order.status is ChannelStatus.CANCELLED
    assert order.currency == "GBP"
    assert order.lines == (
        OrderLine("14852741239999", "variant:44012345670001", 1, D("18.50"), "Linen Tea Towel"),
    )
    assert order.shipping == D("2.95")  # no *_set: summed from shipping_lines
    assert order.ship_to is not None and order.ship_to.country == "GB"


def test_shopify_subtotal_is_before_discounts_like_every_channel() -> None:
    """`subtotal_price`/`subtotalPriceSet` are after discounts; ours is before them, so the
    discount is taken off the goods value once."""
    raw = payload("shopify_rest_multiline")
    assert raw["subtotal_price"] == "79.97"  # as Shopify computes it: 84.97 - 5.00
    order = shopify.parse_order(raw)
    assert (order.subtotal, order.discount) == (D("84.97"), D("5.00"))
    assert order.subtotal - order.discount + order.shipping + order.tax == order.total
    del raw["total_line_items_price"]  # absent: Σ price * quantity of the lines
    assert shopify.parse_order(raw).subtotal == D("84.97")

    graphql = payload("shopify_graphql_unicode_eur")
    line = graphql["lineItems"]["edges"][0]["node"]
    line["totalDiscountSet"] = {"shopMoney": {"amount": "6.00", "currencyCode": "EUR"}}
    graphql["subtotalPriceSet"] = {"shopMoney": {"amount": "53.80", "currencyCode": "EUR"}}
    graphql["totalDiscountsSet"] = {"shopMoney": {"amount": "6.00", "currencyCode": "EUR"}}
    graphql["totalPriceSet"] = {"shopMoney": {"amount": "58.70", "currencyCode": "EUR"}}
    graphql["taxesIncluded"] = False
    order = shopify.parse_order(graphql)
    assert (order.subtotal, order.discount, order.total) == (D("59.80"), D("6.00"), D("58.70"))


def _vat_shop_order(included: bool | None) -> dict:  # type: ignore[type-arg]
    """The German GraphQL order with a 6.00 discount: VAT (19 %) is charged on 53.80 of goods."""
    graphql = payload("shopify_graphql_unicode_eur")
    line = graphql["lineItems"]["edges"][0]["node"]
    line["totalDiscountSet"] = {"shopMoney": {"amount": "6.00", "currencyCode": "EUR"}}
    line["taxLines"][0]["priceSet"]["shopMoney"]["amount"] = "8.59"  # 53.80 * 19 / 119
    graphql["totalTaxSet"] = {"shopMoney": {"amount": "9.37", "currencyCode": "EUR"}}
    graphql["totalDiscountsSet"] = {"shopMoney": {"amount": "6.00", "currencyCode": "EUR"}}
    graphql["totalPriceSet"] = {"shopMoney": {"amount": "58.70", "currencyCode": "EUR"}}
    if included is None:
        del graphql["taxesIncluded"]
    else:
        graphql["taxesIncluded"] = included
    return graphql


@pytest.mark.parametrize("included", [True, None], ids=["flag", "judged-by-totals"])
def test_shopify_prices_with_tax_included_are_taken_net_so_the_amounts_add_up(included) -> None:  # type: ignore[no-untyped-def]
    order = shopify.parse_order(_vat_shop_order(included))
    assert (order.subtotal, order.shipping) == (D("59.80") - D("8.59"), D("4.90") - D("0.78"))
    assert (order.tax, order.discount, order.total) == (D("9.37"), D("6.00"), D("58.70"))
    assert order.subtotal + order.shipping + order.tax - order.discount == order.total
    # the parcels' declared value, goods less discount, is the net 45.21 (= 53.80 / 1.19)
    assert order.subtotal - order.discount == D("45.21")


def test_shopify_rest_prices_with_tax_included_are_taken_net() -> None:
    raw = payload("shopify_rest_multiline")
    raw["taxes_included"] = True
    raw["shipping_lines"][0]["tax_lines"] = [{"price": "1.00", "rate": 0.2, "title": "VAT"}]
    gross = shopify.parse_order({**raw, "taxes_included": False})
    order = shopify.parse_order(raw)
    assert order.shipping == gross.shipping - D("1.00")
    assert order.subtotal == gross.subtotal - (gross.tax - D("1.00"))
    assert (order.tax, order.discount, order.total) == (gross.tax, gross.discount, gross.total)


def test_amazon_pending_order_with_redacted_pii_keeps_what_amazon_gives() -> None:
    order = amazon.parse_order(payload("amazon_pending_redacted"))
    assert order.status is ChannelStatus.PENDING
    assert order.buyer == Buyer()
    assert order.ship_to == PostalAddress(
        city="MANCHESTER", state="Greater Manchester", postcode="M1 1AE", country="GB"
    )
    assert order.lines[0].quantity == 3
    assert order.lines[0].unit_price == D("13.3333")  # 40.00 / 3, kept to four places
    assert (order.currency, order.subtotal, order.tax) == ("GBP", D("40.00"), D("6.67"))
    assert order.total == D("46.67")  # no OrderTotal while Pending: items + tax
    assert order.ship_by == utc(2026, 12, 4, 23, 59, 59)
    assert order.deliver_by is None


def test_amazon_cancelled_order_and_fba_orders() -> None:
    cancelled = amazon.parse_order(payload("amazon_canceled"))
    assert cancelled.status is ChannelStatus.CANCELLED
    assert cancelled.lines[0].quantity == 0
    assert cancelled.tags == ("business",)
    fba = amazon.parse_order({**payload("amazon_unshipped_multiline"), "FulfillmentChannel": "AFN"})
    assert fba.status is ChannelStatus.SHIPPED  # Amazon ships it, not the seller
    assert fba.tags == ("fba", "prime")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pending", ChannelStatus.PENDING),
        ("PendingAvailability", ChannelStatus.PENDING),
        ("Unshipped", ChannelStatus.OPEN),
        ("PartiallyShipped", ChannelStatus.OPEN),
        ("Shipped", ChannelStatus.SHIPPED),
        ("InvoiceUnconfirmed", ChannelStatus.SHIPPED),
        ("Canceled", ChannelStatus.CANCELLED),
        ("Unfulfillable", ChannelStatus.CANCELLED),
    ],
)
def test_amazon_status_mapping(raw: str, expected: ChannelStatus) -> None:
    assert (
        amazon.parse_order({**payload("amazon_unshipped_multiline"), "OrderStatus": raw}).status
        is expected
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("UNPAID", ChannelStatus.PENDING),
        ("ON_HOLD", ChannelStatus.PENDING),
        ("AWAITING_SHIPMENT", ChannelStatus.OPEN),
        ("PARTIALLY_SHIPPING", ChannelStatus.OPEN),
        ("AWAITING_COLLECTION", ChannelStatus.SHIPPED),
        ("IN_TRANSIT", ChannelStatus.SHIPPED),
        ("DELIVERED", ChannelStatus.SHIPPED),
        ("COMPLETED", ChannelStatus.SHIPPED),
        ("CANCELLED", ChannelStatus.CANCELLED),
    ],
)
def test_tiktok_status_mapping(raw: str, expected: ChannelStatus) -> None:
    assert (
        tiktok.parse_order({**payload("tiktok_awaiting_shipment"), "status": raw}).status
        is expected
    )


def test_tiktok_unpaid_order_has_no_address_and_cancelled_unicode_order() -> None:
    unpaid = tiktok.parse_order(payload("tiktok_unpaid_no_address"))
    assert (unpaid.status, unpaid.ship_to) == (ChannelStatus.PENDING, None)
    assert unpaid.lines[0].channel_sku == "1729384756100001"  # no seller_sku: TikTok's sku_id
    cancelled = tiktok.parse_order(payload("tiktok_cancelled_gb_unicode"))
    assert cancelled.status is ChannelStatus.CANCELLED
    assert cancelled.ship_to == PostalAddress(
        name="Siobhán Ní Bhriain",
        line1="3 Ffordd Pen-y-Bryn",
        city="Gwynedd",  # no L3 level: the L2 name
        state="Wales",
        postcode="LL57 1AA",
        country="GB",
        phone="(+44)7700*****23",
    )
    assert cancelled.lines[0].title == "Enamel Camping Mug ☕"
    assert (cancelled.currency, cancelled.total) == ("GBP", D("17.99"))


@pytest.mark.parametrize(
    ("fulfilment", "payment", "cancel", "expected"),
    [
        ("NOT_STARTED", "PAID", "NONE_REQUESTED", ChannelStatus.OPEN),
        ("IN_PROGRESS", "PAID", "NONE_REQUESTED", ChannelStatus.OPEN),
        ("FULFILLED", "PAID", "NONE_REQUESTED", ChannelStatus.SHIPPED),
        ("NOT_STARTED", "PENDING", "NONE_REQUESTED", ChannelStatus.PENDING),
        ("NOT_STARTED", "FULLY_REFUNDED", "NONE_REQUESTED", ChannelStatus.CANCELLED),
        ("NOT_STARTED", "PAID", "CANCEL_REQUESTED", ChannelStatus.OPEN),
        ("NOT_STARTED", "PAID", "CANCELED", ChannelStatus.CANCELLED),
    ],
)
def test_ebay_status_mapping(
    fulfilment: str, payment: str, cancel: str, expected: ChannelStatus
) -> None:
    raw = {
        **payload("ebay_not_started"),
        "orderFulfillmentStatus": fulfilment,
        "orderPaymentStatus": payment,
        "cancelStatus": {"cancelState": cancel},
    }
    assert ebay.parse_order(raw).status is expected


def test_ebay_cancelled_order_without_sku_uses_the_legacy_item_id() -> None:
    order = ebay.parse_order(payload("ebay_cancelled_de_unicode"))
    assert order.status is ChannelStatus.CANCELLED
    assert order.lines == (
        OrderLine("10077766655544", "225566778899", 2, D("19.00"), "Keramikschale handgemacht"),
    )
    assert order.buyer == Buyer(external_id="zoë_köln")
    assert order.ship_to == PostalAddress(
        name="Zoë Schäfer", line1="Hohe Straße 52", city="Köln", postcode="50667", country="DE"
    )
    assert (order.currency, order.total) == ("EUR", D("42.99"))


def test_walmart_partly_cancelled_order_ships_only_the_live_lines() -> None:
    order = walmart.parse_order(payload("walmart_shipped_and_cancelled"))
    assert order.status is ChannelStatus.SHIPPED
    assert [(line.channel_sku, line.quantity) for line in order.lines] == [
        ("LS-SKILLET-10", 1),
        ("LS-HANDLE-COVER", 0),
    ]
    assert (order.subtotal, order.tax, order.total) == (D("34.00"), D("3.49"), D("37.49"))
    assert order.version == utc(2026, 11, 30, 8, 6, 40)  # the latest line statusDate
    assert order.ship_to is not None and order.ship_to.country == "US"  # from "USA"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([{"Created"}], ChannelStatus.OPEN),
        ([{"Acknowledged"}, {"Shipped"}], ChannelStatus.OPEN),
        ([{"Shipped"}, {"Delivered"}], ChannelStatus.SHIPPED),
        ([{"Cancelled"}, {"Cancelled"}], ChannelStatus.CANCELLED),
        ([{"Shipped", "Cancelled"}], ChannelStatus.SHIPPED),
    ],
)
def test_walmart_order_status_from_line_statuses(
    statuses: list[set[str]], expected: ChannelStatus
) -> None:
    assert walmart.order_status(statuses) is expected


@pytest.mark.parametrize(
    ("parse", "name", "mutate", "path"),
    [
        (
            shopify.parse_order,
            "shopify_rest_multiline",
            lambda p: p["line_items"][1].update(quantity="two"),
            "$.line_items[1].quantity",
        ),
        (
            shopify.parse_order,
            "shopify_rest_multiline",
            lambda p: p.update(currency=None),
            "$.currency",
        ),
        (
            shopify.parse_order,
            "shopify_graphql_unicode_eur",
            lambda p: p["shippingAddress"].update(countryCodeV2="XX"),
            "$.shippingAddress.countryCodeV2",
        ),
        (
            amazon.parse_order,
            "amazon_unshipped_multiline",
            lambda p: p.update(OrderStatus="Lost"),
            "$.OrderStatus",
        ),
        (
            amazon.parse_order,
            "amazon_unshipped_multiline",
            lambda p: p["OrderItems"][0]["ItemPrice"].update(Amount="NaN"),
            "$.OrderItems[0].ItemPrice.Amount",
        ),
        (
            amazon.parse_order,
            "amazon_unshipped_multiline",
            lambda p: p.pop("OrderItems"),
            "$.OrderItems",
        ),
        (
            tiktok.parse_order,
            "tiktok_awaiting_shipment",
            lambda p: p.update(create_time="yesterday"),
            "$.create_time",
        ),
        (
            tiktok.parse_order,
            "tiktok_awaiting_shipment",
            lambda p: p["line_items"][0].pop("id"),
            "$.line_items[0].id",
        ),
        (
            ebay.parse_order,
            "ebay_not_started",
            lambda p: p.update(lastModifiedDate="2026-11-30T19:48:37"),
            "$.lastModifiedDate",
        ),
        (
            ebay.parse_order,
            "ebay_not_started",
            lambda p: p["lineItems"][0].update(quantity=1.5),
            "$.lineItems[0].quantity",
        ),
        (
            walmart.parse_order,
            "walmart_created",
            lambda p: p["orderLines"]["orderLine"][1]["orderLineStatuses"]["orderLineStatus"][
                0
            ].update(status="Lost"),
            "$.orderLines.orderLine[1].orderLineStatuses.orderLineStatus[0].status",
        ),
        (
            walmart.parse_order,
            "walmart_created",
            lambda p: p["orderLines"]["orderLine"][0]["item"].update(sku=" "),
            "$.orderLines.orderLine[0].item.sku",
        ),
    ],
)
def test_a_bad_field_is_one_payload_error_naming_its_path(parse, name, mutate, path) -> None:  # type: ignore[no-untyped-def]
    raw = payload(name)
    mutate(raw)
    with pytest.raises(PayloadError) as caught:
        parse(raw)
    assert caught.value.path == path
    assert caught.value.details == {"path": path, "reason": caught.value.reason}


@pytest.mark.parametrize(
    "parse",
    [
        shopify.parse_order,
        amazon.parse_order,
        tiktok.parse_order,
        ebay.parse_order,
        walmart.parse_order,
    ],
)
@pytest.mark.parametrize("raw", [[], "order", None, 42, {}])
def test_non_order_payloads_are_payload_errors(parse, raw) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PayloadError):
        parse(raw)


@pytest.mark.parametrize(
    ("filename", "parse"),
    [
        ("shopify-rest-order.json", shopify.parse_order),
        ("shopify-graphql-order.json", shopify.parse_order),
        ("amazon-order-with-items.json", amazon.parse_order),
        ("tiktok-order.json", tiktok.parse_order),
        ("ebay-order.json", ebay.parse_order),
        ("walmart-order.json", walmart.parse_order),
    ],
)
def test_documented_example_payloads_parse(filename: str, parse) -> None:  # type: ignore[no-untyped-def]
    import json
    from pathlib import Path

    path = Path(__file__).parents[3] / "examples" / "channels" / "payloads" / filename
    order = parse(json.loads(path.read_text(encoding="utf-8")))
    assert order.lines and order.external_id


def test_shopify_custom_items_without_product_are_named_by_title() -> None:
    raw = payload("shopify_rest_multiline")
    raw["line_items"][1].update(sku=None, variant_id=None, product_id=None, title="Gift wrapping")
    assert shopify.parse_order(raw).lines[1].channel_sku == "custom:Gift wrapping"
    raw["line_items"][1].update(title=None, name=None)
    with pytest.raises(PayloadError) as caught:
        shopify.parse_order(raw)
    assert caught.value.path == "$.line_items[1].sku"
