"""Order export files: every preset on its sample file, row errors, CSV dialects and XLSX."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import Workbook

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors.files import RowError, parse_order_file
from linkstar.orders.connectors.mapping import ColumnMapping
from linkstar.orders.connectors.presets import GENERIC, PRESETS
from linkstar.orders.core.canonical import Channel, ChannelStatus, OrderLine, PostalAddress

EXAMPLES = Path(__file__).parents[3] / "examples" / "channels"
SAMPLES = {
    "amazon": "amazon-order-report.txt",
    "shopify": "shopify-orders-export.csv",
    "ebay": "ebay-orders-report.csv",
    "tiktok": "tiktok-orders-export.csv",
    "walmart": "walmart-orders-export.csv",
    "linkstar": "linkstar-orders.csv",
}
GENERIC_HEADER = "external_id,sku,quantity,unit_price,currency,placed_at,ship_country,status\n"


def sample(preset: str) -> bytes:
    return (EXAMPLES / SAMPLES[preset]).read_bytes()


@pytest.mark.parametrize(
    ("preset", "ids", "channel"),
    [
        ("amazon", ["113-6014921-4433810", "114-7730021-9182734"], Channel.AMAZON),
        ("shopify", ["5745893228712", "5745893228999", "5745893231111"], Channel.SHOPIFY),
        ("ebay", ["12-11054-28713", "05-11071-90211"], Channel.EBAY),
        ("tiktok", ["576829349823748312", "576829349823799001"], Channel.TIKTOK),
        ("walmart", ["1819456903284", "1819456909999"], Channel.WALMART),
        ("linkstar", ["WEB-20261204-0001", "WEB-20261204-0002"], Channel.FILE),
    ],
)
def test_every_preset_reads_its_sample_file_whole(
    preset: str, ids: list[str], channel: Channel
) -> None:
    result = parse_order_file(sample(preset), SAMPLES[preset], preset)
    assert result.errors == []
    assert [o.external_id for o in result.orders] == ids
    assert {o.channel for o in result.orders} == {channel}
    assert len(result.raw) == len(result.orders)


def test_amazon_report_groups_item_rows_and_divides_the_row_price() -> None:
    order = parse_order_file(sample("amazon"), "report.txt", "amazon").orders[0]
    assert order.lines == (
        OrderLine(
            "62118434510442",
            "LS-BOTTLE-750-BLK",
            2,
            D("22.99"),
            "Insulated Steel Water Bottle 750 ml, Black",
            D("4.65"),
        ),
        OrderLine(
            "62118434510443", "LS-LID-STRAW", 1, D("19.99"), "Replacement Straw Lid", D("2.02")
        ),
    )
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        D("65.97"),
        D("3.99"),
        D("6.67"),
        D("76.63"),
    )
    assert order.placed_at == datetime(2026, 11, 30, 17, 5, 41, tzinfo=UTC)
    assert order.ship_service_level == "Standard"
    assert order.ship_to == PostalAddress(
        name="Daniel Kim",
        line1="4410 Fremont Ave N",
        line2="Unit 302",
        city="SEATTLE",
        state="WA",
        postcode="98103-7223",
        country="US",
        phone="+1 206-555-0187",
    )


def test_shopify_export_reads_first_row_order_values_and_statuses() -> None:
    result = parse_order_file(sample("shopify"), "orders_export.csv", "shopify")
    first, refunded, fulfilled = result.orders
    assert result.raw[0][0]["Subtotal"] == "79.97"  # Shopify's, after the 5.00 discount
    assert first.external_number == "#1042"
    assert first.status is ChannelStatus.OPEN
    assert first.buyer.name == "Maria Lopez" and first.buyer.email == "maria.lopez@example.com"
    assert [(line.channel_sku, line.quantity, line.unit_price) for line in first.lines] == [
        ("MUG-CER-350-WHT", 2, D("24.99")),
        ("TEA-TIN-GRN-100", 1, D("34.99")),
    ]
    assert (first.subtotal, first.shipping, first.tax, first.discount, first.total) == (
        D("84.97"),
        D("6.99"),
        D("6.40"),
        D("5.00"),
        D("93.36"),
    )
    assert first.placed_at == datetime(2026, 11, 28, 14, 14, 22, tzinfo=UTC)  # -0500 → UTC
    assert first.ship_to is not None and first.ship_to.postcode == "78702"  # Shopify's '78702
    assert first.tags == ("wholesale", "repeat-buyer")
    assert refunded.status is ChannelStatus.CANCELLED  # Cancelled at is filled
    assert fulfilled.status is ChannelStatus.SHIPPED
    assert (fulfilled.currency, fulfilled.total, fulfilled.lines[0].title) == (
        "JPY",
        D("7180"),
        "抹茶ボウル",
    )


def test_ebay_report_reads_symbols_country_names_and_short_dates() -> None:
    result = parse_order_file(sample("ebay"), "ebay.csv", "ebay")
    lamp, bowl = result.orders
    assert result.notes == [5, 6]  # the "record(s) downloaded" and "Seller ID" trailer lines
    assert lamp.deliver_by == datetime(2026, 12, 8, tzinfo=UTC)
    assert lamp.placed_at == datetime(2026, 11, 30, tzinfo=UTC)
    assert lamp.ship_by == datetime(2026, 12, 2, tzinfo=UTC)
    assert (lamp.shipping, lamp.tax, lamp.total) == (D("8.50"), D("4.80"), D("73.20"))
    assert bowl.ship_to is not None and bowl.ship_to.country == "DE"  # "Germany"
    assert bowl.lines == (
        OrderLine("1998877665010", "225566778899", 2, D("19.00"), "Keramikschale handgemacht"),
    )


def test_tiktok_and_walmart_exports() -> None:
    hoodie, unpaid = parse_order_file(sample("tiktok"), "tiktok.csv", "tiktok").orders
    assert hoodie.placed_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    assert (hoodie.status, unpaid.status) == (ChannelStatus.OPEN, ChannelStatus.PENDING)
    assert hoodie.lines == (
        OrderLine("1", "LS-HOODIE-M-NVY", 2, D("26.99"), "Fleece Hoodie", D("0"), D("2.00")),
    )
    assert unpaid.lines[0].channel_sku == "1729384756100001"  # no Seller SKU: SKU ID
    created, shipped = parse_order_file(sample("walmart"), "walmart.csv", "walmart").orders
    assert [(line.external_line_id, line.quantity, line.unit_price) for line in created.lines] == [
        ("1", 2, D("13.99")),
        ("2", 1, D("9.50")),
    ]
    assert (created.shipping, created.tax, created.total) == (D("4.99"), D("3.38"), D("45.85"))
    assert created.ship_to is not None and created.ship_to.country == "US"  # the preset's default
    assert shipped.status is ChannelStatus.SHIPPED


def test_a_bad_row_rejects_only_its_own_order_with_row_column_and_reason() -> None:
    data = (
        GENERIC_HEADER
        + "A-1,SKU-1,1,10.00,USD,2026-12-01T10:00:00Z,US,open\n"
        + "A-2,SKU-1,1,10.00,USD,2026-12-01T10:00:00Z,US,open\n"
        + "A-2,SKU-2,two,5.00,USD,2026-12-01T10:00:00Z,US,open\n"
        + "A-3,SKU-3,1,abc,USD,2026-12-01T10:00:00Z,US,open\n"
        + "A-4,SKU-4,1,1.00,USD,yesterday,US,open\n"
        + "A-5,SKU-5,1,1.00,USD,2026-12-01T10:00:00Z,Narnia,open\n"
        + "A-6,SKU-6,1,1.00,USD,2026-12-01T10:00:00Z,US,lost\n"
        + "A-7,,1,1.00,USD,2026-12-01T10:00:00Z,US,open\n"
        + "A-8,SKU-8,1,1.00,,2026-12-01T10:00:00Z,US,open\n"
        + ",SKU-9,1,1.00,USD,2026-12-01T10:00:00Z,US,open\n"
        + "A-10,SKU-10,3,2.50,usd,2026-12-01T10:00:00Z,gb,shipped\n"
    ).encode()
    result = parse_order_file(data, "orders.csv", "linkstar")
    assert [o.external_id for o in result.orders] == ["A-1", "A-10"]
    assert result.errors == [
        RowError(11, "external_id", "the order id is empty"),
        RowError(4, "quantity", "'two' is not a whole quantity"),
        RowError(5, "unit_price", "'abc' is not an amount"),
        RowError(6, "placed_at", "'yesterday' is not a date/time"),
        RowError(7, "ship_country", "'Narnia' is not a country"),
        RowError(8, "status", "unknown status 'lost'"),
        RowError(9, "sku", "the SKU is empty"),
        RowError(10, "currency", "no currency (ISO 4217 code needed)"),
    ]
    last = result.orders[1]
    assert (last.currency, last.status, last.total) == ("USD", ChannelStatus.SHIPPED, D("7.50"))
    assert last.ship_to == PostalAddress(country="GB")
    assert result.raw[0] == [
        {
            "external_id": "A-1",
            "sku": "SKU-1",
            "quantity": "1",
            "unit_price": "10.00",
            "currency": "USD",
            "placed_at": "2026-12-01T10:00:00Z",
            "ship_country": "US",
            "status": "open",
        }
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(delimiter: str) -> None:
    rows = [
        GENERIC_HEADER.strip().split(","),
        ["B-1", "SKU-1", "2", "3.25", "EUR", "2026-12-01 10:00:00+01:00", "FR", "open"],
    ]
    data = "\r\n".join(delimiter.join(r) for r in rows).encode()
    (order,) = parse_order_file(data, "orders.csv", "linkstar").orders
    assert (order.placed_at, order.subtotal) == (datetime(2026, 12, 1, 9, 0, tzinfo=UTC), D("6.50"))


def test_windows_1252_files_and_quoted_fields_are_read() -> None:
    data = (
        GENERIC_HEADER.replace("status", "title")
        + 'C-1,SKU-1,1,1.00,EUR,2026-12-01T10:00:00Z,FR,"Crème brûlée, 2 pots"\n'
    ).encode("cp1252")
    (order,) = parse_order_file(data, "orders.csv", "linkstar").orders
    assert order.lines[0].title == "Crème brûlée, 2 pots"


def test_xlsx_files_read_typed_cells() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "external_id",
            "sku",
            "quantity",
            "unit_price",
            "currency",
            "placed_at",
            "ship_postcode",
            "ship_country",
        ]
    )
    sheet.append(["X-1", "SKU-1", 2, 19.5, "USD", datetime(2026, 12, 1, 10, 30), "02139", "US"])
    sheet.append(["X-1", "SKU-2", 1.0, 5, "USD", datetime(2026, 12, 1, 10, 30), None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    (order,) = parse_order_file(buffer.getvalue(), "orders.xlsx", GENERIC).orders
    assert [(line.channel_sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("SKU-1", 2, D("19.5")),
        ("SKU-2", 1, D("5")),
    ]
    assert order.placed_at == datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    assert order.ship_to == PostalAddress(postcode="02139", country="US")


def test_file_level_problems_are_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="no column 'placed_at', 'quantity'"):
        parse_order_file(b"external_id,sku\nA,B\n", "orders.csv", "linkstar")
    with pytest.raises(InvalidInput, match="unknown preset 'etsy'"):
        parse_order_file(b"", "orders.csv", "etsy")
    with pytest.raises(InvalidInput, match="empty"):
        parse_order_file(b"", "orders.csv", "linkstar")
    with pytest.raises(InvalidInput, match="XLSX"):
        parse_order_file(b"not a zip", "orders.xlsx", "linkstar")


def test_a_custom_mapping_with_a_time_zone_and_decimal_commas_round_trips_as_data() -> None:
    mapping = ColumnMapping(
        name="shop-de",
        columns={
            "external_id": "Bestellnummer",
            "sku": "Artikel",
            "quantity": "Menge",
            "unit_price": "Preis",
            "placed_at": "Datum",
        },
        date_formats=("%d.%m.%Y %H:%M",),
        timezone="Europe/Berlin",
        default_currency="EUR",
        decimal_comma=True,
    )
    assert ColumnMapping.from_dict(mapping.to_dict()) == mapping
    data = "Bestellnummer;Artikel;Menge;Preis;Datum\nDE-1;LS-MUG;2;1.234,50 €;01.12.2026 10:00\n"
    (order,) = parse_order_file(data.encode(), "bestellungen.csv", mapping).orders
    assert order.lines[0].unit_price == D("1234.50")
    assert order.placed_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert order.currency == "EUR"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"columns": {"sku": "s"}}, "need a column"),
        (
            {
                "columns": {
                    "external_id": "a",
                    "sku": "b",
                    "quantity": "c",
                    "placed_at": "d",
                    "colour": "e",
                }
            },
            "unknown fields colour",
        ),
        (
            {
                "columns": {"external_id": "a", "sku": "b", "quantity": "c", "placed_at": "d"},
                "timezone": "Mars/Olympus",
            },
            "unknown time zone",
        ),
        (
            {
                "columns": {"external_id": "a", "sku": "b", "quantity": "c", "placed_at": "d"},
                "summed": ["total"],
            },
            "summed",
        ),
        (
            {
                "columns": {"external_id": "a", "sku": "b", "quantity": "c", "placed_at": "d"},
                "default_status": "lost",
            },
            "malformed",
        ),
        ({"columns": ["a"]}, "field → a column name, or a list of them"),
        (
            {"columns": {"external_id": "a", "sku": "b", "quantity": "c", "placed_at": ["d"]}},
            "only amounts add columns, not placed_at",
        ),
        (
            {
                "columns": {
                    "external_id": "a",
                    "sku": "b",
                    "quantity": "c",
                    "placed_at": "d",
                    "tax": [],
                }
            },
            "tax needs column names to add",
        ),
        (
            {
                "columns": {
                    "external_id": "a",
                    "sku": "b",
                    "quantity": "c",
                    "placed_at": "d",
                    "tax": ["x", 1],
                }
            },
            "a list of them to add up",
        ),
        ({}, "malformed"),
    ],
)
def test_bad_saved_mappings_are_rejected_with_a_reason(
    data: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        ColumnMapping.from_dict(data)


def test_an_infinite_quantity_is_a_row_error_not_a_crash() -> None:
    data = b"external_id,sku,quantity,placed_at\n1,A,INFINITY,2026-12-01T10:00Z\n"
    result = parse_order_file(data, "x.csv", "linkstar")
    assert result.orders == []
    assert result.errors == [RowError(2, "quantity", "'INFINITY' is not a whole quantity")]


def test_nan_and_infinite_amounts_are_row_errors_not_a_crash() -> None:
    head = b"external_id,sku,quantity,placed_at,currency,unit_price\n"
    rows = b"1,A,1,2026-12-01T10:00Z,USD,NaN\n2,A,1,2026-12-01T10:00Z,USD,-Infinity\n"
    result = parse_order_file(head + rows, "x.csv", "linkstar")
    assert result.orders == []
    assert result.errors == [
        RowError(2, "unit_price", "'NaN' is not an amount"),
        RowError(3, "unit_price", "'-Infinity' is not an amount"),
    ]


def test_every_preset_survives_a_round_trip() -> None:
    for mapping in PRESETS.values():
        assert ColumnMapping.from_dict(mapping.to_dict()) == mapping


def test_a_mapping_saved_before_column_lists_loads_and_lists_are_saved_as_json_lists() -> None:
    old = {  # a stored mapping from before: strings only, no channel_fulfilled
        "name": "mine",
        "columns": {"external_id": "id", "sku": "sku", "quantity": "qty", "placed_at": "at"},
        "summed": [],
        "default_currency": "EUR",
        "delimiter": ",",
    }
    mapping = ColumnMapping.from_dict(old)
    assert (mapping.columns["sku"], mapping.channel_fulfilled) == ("sku", {})
    adding = ColumnMapping.from_dict(
        {**old, "columns": {**old["columns"], "tax": ["vat", "duty"]}}  # type: ignore[dict-item]
    )
    saved = json.loads(json.dumps(adding.to_dict()))
    assert saved["columns"]["tax"] == ["vat", "duty"]
    assert ColumnMapping.from_dict(saved) == adding
    data = b"id,sku,qty,at,vat,duty\n1,A,1,2026-12-01T10:00Z,1.50,\n2,B,1,2026-12-01T10:00Z,,\n"
    first, second = parse_order_file(data, "mine.csv", adding).orders
    assert (first.tax, second.tax) == (D("1.50"), D("0"))


def test_row_numbers_count_the_blank_line_before_the_ebay_header() -> None:
    data = sample("ebay").replace(b",No,2,$19.00,", b",No,2.5,$19.00,")
    result = parse_order_file(data, "ebay.csv", "ebay")
    assert [o.external_id for o in result.orders] == ["12-11054-28713"]
    assert result.errors == [RowError(4, "Quantity", "'2.5' is not a whole quantity")]


@pytest.mark.parametrize("quantity", ["INFINITY", "-Infinity", "NaN", "sNaN"])
def test_quantities_that_are_no_whole_number_are_row_errors(quantity: str) -> None:
    data = sample("ebay").replace(b",No,2,$19.00,", f",No,{quantity},$19.00,".encode())
    result = parse_order_file(data, "ebay.csv", "ebay")
    assert result.errors == [RowError(4, "Quantity", f"{quantity!r} is not a whole quantity")]


def test_xlsx_date_only_cells_and_a_table_that_does_not_start_at_a1() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([])  # a blank first row and a blank first column, as exports sometimes have
    sheet.append([None, "external_id", "sku", "quantity", "unit_price", "currency", "placed_at"])
    sheet.append([None, "X-9", "SKU-9", 3, 2.25, "EUR", date(2026, 12, 2)])
    sheet.append([None, "X-10", "SKU-9", "three", 2.25, "EUR", date(2026, 12, 2)])
    buffer = io.BytesIO()
    book.save(buffer)
    result = parse_order_file(buffer.getvalue(), "orders.xlsx", GENERIC)
    (order,) = result.orders
    assert order.placed_at == datetime(2026, 12, 2, tzinfo=UTC)
    assert [(line.channel_sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("SKU-9", 3, D("2.25"))
    ]
    assert [(e.row, e.column) for e in result.errors] == [(4, "quantity")]


_SHOPIFY_EU = (
    "Name,Email,Financial Status,Currency,Subtotal,Shipping,Taxes,Total,Discount Amount,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Shipping Country,Id\n"
    # a shop showing prices with 20 % VAT: 2 x 30.00 gross - 6.00 discount + 6.00 shipping;
    # Taxes 10.00 are inside those prices, so Total = Subtotal + Shipping
    "#2001,a@example.com,paid,EUR,54.00,6.00,10.00,60.00,6.00,2026-11-28 09:14:22 +0100,"
    "2,Mug,30.00,MUG-1,FR,9001\n"
    # a shop showing prices without tax: Total = Subtotal + Shipping + Taxes
    "#2002,b@example.com,paid,USD,30.00,5.00,2.40,37.40,0.00,2026-11-28 09:14:22 -0500,"
    "1,Mug,30.00,MUG-1,US,9002\n"
)


def test_shopify_export_of_a_shop_showing_prices_with_tax_is_netted_per_order() -> None:
    gross, net = parse_order_file(_SHOPIFY_EU.encode(), "orders_export.csv", "shopify").orders
    # goods 60.00 less the 10.00 of tax they include; the export does not split shipping's tax
    assert (gross.subtotal, gross.shipping, gross.tax, gross.discount, gross.total) == (
        D("50.00"), D("6.00"), D("10.00"), D("6.00"), D("60.00"),
    )  # fmt: skip
    assert gross.subtotal + gross.shipping + gross.tax - gross.discount == gross.total
    assert (net.subtotal, net.shipping, net.tax, net.discount, net.total) == (
        D("30.00"), D("5.00"), D("2.40"), D("0.00"), D("37.40"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("included", "subtotal"), [("no", D("24.00")), ("yes", D("20.00")), ("infer", D("20.00"))]
)
def test_a_mapping_says_whether_prices_include_tax(included: str, subtotal: D) -> None:
    mapping = replace(GENERIC, name="vat-shop", prices_include_tax=included)
    assert ColumnMapping.from_dict(mapping.to_dict()) == mapping
    body = (
        "external_id,sku,quantity,unit_price,currency,placed_at,tax,total\n"
        "A-1,SKU-1,1,24.00,EUR,2026-11-28,4.00,24.00\n"
    )
    (order,) = parse_order_file(body.encode(), "vat.csv", mapping).orders
    assert (order.subtotal, order.tax, order.total) == (subtotal, D("4.00"), D("24.00"))


def test_a_mapping_with_an_unknown_prices_include_tax_is_refused() -> None:
    with pytest.raises(InvalidInput, match="prices_include_tax is 'no', 'yes' or 'infer'"):
        ColumnMapping.from_dict({"columns": dict(GENERIC.columns), "prices_include_tax": "maybe"})
