"""Amazon's order report flat files through the `amazon` preset: each documented layout, status
values, and the encodings Amazon writes them in (docs/formats/channels.md, "Export files")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors import amazon
from linkstar.orders.connectors.files import RowError, parse_order_file
from linkstar.orders.connectors.mapping import ColumnMapping
from linkstar.orders.connectors.presets import LAYOUTS
from linkstar.orders.core.canonical import ChannelStatus, OrderLine, PostalAddress
from tests.orders.connectors.conftest import payload

EXAMPLES = Path(__file__).parents[3] / "examples" / "channels"
# GET_FLAT_FILE_ORDER_REPORT_DATA_* (New Orders): the header of Amazon's documented flat file
NEW_ORDERS = (
    "order-id\torder-item-id\tpurchase-date\tpayments-date\tbuyer-email\tbuyer-name\t"
    "buyer-phone-number\tsku\tproduct-name\tquantity-purchased\tcurrency\titem-price\titem-tax\t"
    "shipping-price\tshipping-tax\tship-service-level\trecipient-name\tship-address-1\t"
    "ship-address-2\tship-address-3\tship-city\tship-state\tship-postal-code\tship-country\t"
    "ship-phone-number\tdelivery-start-date\tdelivery-end-date\tdelivery-time-zone\t"
    "delivery-Instructions\n"
)


def report(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def test_the_all_orders_report_is_read_by_the_amazon_preset() -> None:
    result = parse_order_file(report("amazon-all-orders-report.txt"), "all.txt", "amazon")
    assert result.errors == []
    delivered, cancelled, fba = result.orders
    assert [o.status for o in result.orders] == [
        ChannelStatus.SHIPPED,  # "Shipped - Delivered to Buyer"
        ChannelStatus.CANCELLED,
        ChannelStatus.SHIPPED,
    ]
    assert delivered.external_id == delivered.external_number == "113-6014921-4433810"
    assert delivered.placed_at == datetime(2026, 11, 30, 17, 5, 41, tzinfo=UTC)  # -08:00 → UTC
    assert delivered.version == datetime(2026, 12, 2, 22, 12, 9, tzinfo=UTC)  # last-updated-date
    assert delivered.lines == (
        OrderLine(
            "1",
            "LS-BOTTLE-750-BLK",
            2,
            D("22.99"),
            "Insulated Steel Water Bottle 750 ml, Black",
            D("4.84"),  # item-tax 4.65 + gift-wrap-tax 0.19
        ),
        # item-tax 2.02 + shipping-tax 0.25; item-promotion-discount -2.00
        OrderLine("2", "LS-LID-STRAW", 1, D("19.99"), "Replacement Straw Lid", D("2.27"), D("2")),
    )
    assert (delivered.subtotal, delivered.shipping, delivered.tax, delivered.discount) == (
        D("65.97"),
        D("6.98"),  # shipping-price 3.99 + gift-wrap-price 2.99
        D("7.11"),
        D("3.00"),  # item-promotion-discount 2.00 + ship-promotion-discount 1.00
    )
    assert delivered.total == D("77.06")  # what the buyer paid, every money column counted
    assert delivered.tags == ()  # fulfillment-channel Merchant
    assert delivered.ship_to == PostalAddress(
        city="SEATTLE", state="WA", postcode="98103-7223", country="US"
    )  # the tracking reports carry no name or street
    assert cancelled.lines[0].quantity == 0 and cancelled.total == 0
    assert [(x.channel_sku, x.quantity) for x in fba.lines] == [("B0CX4EXAMPL", 1)]  # the ASIN
    assert fba.tags == ("fba",)  # fulfillment-channel Amazon


@pytest.mark.parametrize("channel", ["Amazon", "AFN", "afn"])
def test_an_fba_order_from_a_file_is_tagged_and_shipped_as_a_polled_one(channel: str) -> None:
    data = report("amazon-all-orders-report.txt").replace(
        b"Shipped\tAmazon\t", f"Unshipped\t{channel}\t".encode()
    )
    fba = parse_order_file(data, "all.txt", "amazon").orders[2]
    polled = amazon.parse_order(
        {**payload("amazon_unshipped_multiline"), "FulfillmentChannel": "AFN", "IsPrime": False}
    )
    assert (fba.status, fba.tags) == (ChannelStatus.SHIPPED, ("fba",))
    assert (polled.status, polled.tags) == (fba.status, fba.tags)
    pending = data.replace(b"Unshipped\t", b"Pending\t")  # Amazon has not taken it yet
    assert parse_order_file(pending, "all.txt", "amazon").orders[2].status is ChannelStatus.PENDING


def test_added_columns_count_empty_cells_as_zero_and_name_the_one_that_is_not_an_amount() -> None:
    data = report("amazon-all-orders-report.txt")
    empty = parse_order_file(data.replace(b"\t0.25\t", b"\t\t"), "all.txt", "amazon").orders[0]
    assert (empty.lines[1].tax, empty.tax, empty.total) == (D("2.02"), D("6.86"), D("76.81"))
    bad = parse_order_file(data.replace(b"\t0.25\t", b"\tn/a\t"), "all.txt", "amazon")
    assert [o.external_id for o in bad.orders] == ["114-7730021-9182734", "111-2203918-5570011"]
    assert bad.errors == [RowError(3, "shipping-tax", "'n/a' is not an amount")]


def test_the_unshipped_orders_report_has_no_prices_and_is_read_as_open_usd() -> None:
    result = parse_order_file(report("amazon-unshipped-orders-report.txt"), "u.txt", "amazon")
    assert result.errors == []
    (order,) = result.orders
    assert (order.status, order.currency, order.total) == (ChannelStatus.OPEN, "USD", 0)
    assert [(x.external_line_id, x.channel_sku, x.quantity) for x in order.lines] == [
        ("62118434510442", "LS-BOTTLE-750-BLK", 2),
        ("62118434510443", "LS-LID-STRAW", 1),
    ]
    assert order.ship_to is not None and order.ship_to.line1 == "4410 Fremont Ave N"


def test_a_new_orders_report_in_windows_1252_keeps_its_accents() -> None:
    row = (
        "302-1234567-7654321\t11111111111111\t2026-12-01T10:50:49+01:00\t"
        "2026-12-01T10:50:49+01:00\tx@marketplace.amazon.es\tMaría Núñez\t\tSKU-1\t"
        "Champú anticaspa 250 ml\t1\tEUR\t8.95\t1.55\t0.00\t0.00\tStandard\tMaría Núñez\t"
        "Calle Mayor 1\t\t\tMADRID\tMadrid\t28013\tES\t\t\t\t\t\n"
    )
    result = parse_order_file((NEW_ORDERS + row).encode("cp1252"), "es.txt", "amazon")
    (order,) = result.orders
    assert order.lines[0].title == "Champú anticaspa 250 ml"
    assert order.buyer.name == "María Núñez"
    assert order.placed_at == datetime(2026, 12, 1, 9, 50, 49, tzinfo=UTC)


@pytest.mark.parametrize(("encoding", "bom"), [("cp932", b""), ("utf-16-le", b"\xff\xfe")])
def test_japanese_reports_in_shift_jis_and_utf16_reports_are_decoded(
    encoding: str, bom: bytes
) -> None:
    row = (
        "250-1234567-7654321\t22222222222222\t2026-12-01T10:50:49+09:00\t"
        "2026-12-01T10:50:49+09:00\tx@marketplace.amazon.co.jp\t山田 太郎\t\tSKU-JP\t"
        "ステンレス ボトル ー 500ml\t2\tJPY\t3960\t360\t0\t0\tStandard\t山田 太郎\t"
        "千代田区丸の内1-1\t\t\t千代田区\t東京都\t100-0005\tJP\t\t\t\t\t\n"
    )
    data = bom + (NEW_ORDERS + row).encode(encoding)
    (order,) = parse_order_file(data, "jp.txt", "amazon").orders
    assert order.lines[0].title == "ステンレス ボトル ー 500ml"
    assert (order.currency, order.lines[0].unit_price) == ("JPY", D("1980"))
    assert order.ship_to is not None and order.ship_to.state == "東京都"


def test_a_file_of_neither_layout_names_the_order_reports_columns() -> None:
    with pytest.raises(InvalidInput, match="'order-id', 'purchase-date', 'quantity-purchased'"):
        parse_order_file(b"id\tsku\tqty\n1\tA\t1\n", "x.txt", "amazon")


def test_every_amazon_layout_survives_a_round_trip_but_a_saved_copy_is_not_switched() -> None:
    for layout in LAYOUTS["amazon"]:
        assert ColumnMapping.from_dict(layout.to_dict()) == layout
    own = ColumnMapping.from_dict({**LAYOUTS["amazon"][0].to_dict(), "default_currency": "GBP"})
    with pytest.raises(InvalidInput, match="'order-id'"):  # a seller's own mapping is kept
        parse_order_file(report("amazon-all-orders-report.txt"), "all.txt", own)
