"""Column mappings for the marketplaces' own order export files, and LinkStar's generic one.

The column names are the headers each marketplace writes; optional columns missing from a file
are simply not read. See docs/formats/channels.md for every preset's table and examples/channels/
for a sample file per preset.
"""

from __future__ import annotations

from dataclasses import replace

from linkstar.orders.connectors.mapping import ColumnMapping
from linkstar.orders.core.canonical import Channel, ChannelStatus

OPEN, SHIPPED = ChannelStatus.OPEN, ChannelStatus.SHIPPED
PENDING, CANCELLED = ChannelStatus.PENDING, ChannelStatus.CANCELLED

# Amazon order reports, tab-delimited flat files, one row per order item, ISO 8601 times with an
# offset. Two layouts (docs/formats/channels.md lists where each was checked):
# - order reports (New Orders flat file GET_FLAT_FILE_ORDER_REPORT_DATA_*, Unshipped Orders
#   GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING): order-id, order-item-id, quantity-purchased,
#   the recipient's address. The Unshipped Orders report has no prices and no currency column,
#   so its orders are read as USD with zero amounts; item-price is for the row's whole quantity.
# - order tracking reports (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL / _BY_LAST_UPDATE_
#   and the archived one): amazon-order-id, order-status, quantity; no item id, no name or
#   street (city, state, postcode and country only).
# Money as the report adds it up: line tax = item-tax + shipping-tax + gift-wrap-tax (as the
# poller's ItemTax + ShippingTax), shipping = shipping-price + gift-wrap-price, discount =
# item-promotion-discount + ship-promotion-discount over the order's rows; the columns a layout
# lacks are left out. fulfillment-channel "Amazon" (AFN) tags the order `fba`, as polled.
AMAZON_STATUSES: dict[str, ChannelStatus | None] = {
    "pending": PENDING, "pending - waiting for pick up": OPEN, "unshipped": OPEN,
    "partiallyshipped": OPEN, "shipping": OPEN, "shipped": SHIPPED, "complete": SHIPPED,
    "canceled": CANCELLED, "cancelled": CANCELLED,
    **{
        f"shipped - {outcome}": SHIPPED
        for outcome in (
            "delivered to buyer", "picked up", "out for delivery", "returned to seller",
            "returning to seller", "rejected by buyer", "lost in transit", "damaged",
        )
    },
}  # fmt: skip
AMAZON_MONEY: dict[str, str | tuple[str, ...]] = {
    "line_tax": ("item-tax", "shipping-tax", "gift-wrap-tax"),
    "shipping": ("shipping-price", "gift-wrap-price"),
    "line_discount": "item-promotion-discount",
    "discount": ("item-promotion-discount", "ship-promotion-discount"),
}
AMAZON = ColumnMapping(
    name="amazon",
    channel=Channel.AMAZON,
    columns={
        "external_id": "order-id", "external_number": "order-id", "line_id": "order-item-id",
        "placed_at": "purchase-date", "status": "order-status", "buyer_email": "buyer-email",
        "buyer_name": "buyer-name", "buyer_phone": "buyer-phone-number", "sku": "sku",
        "title": "product-name", "quantity": "quantity-purchased", "currency": "currency",
        "unit_price": "item-price", **AMAZON_MONEY,
        "ship_service_level": "ship-service-level", "ship_name": "recipient-name",
        "ship_line1": "ship-address-1", "ship_line2": "ship-address-2",
        "ship_line3": "ship-address-3", "ship_city": "ship-city", "ship_state": "ship-state",
        "ship_postcode": "ship-postal-code", "ship_country": "ship-country",
        "ship_phone": "ship-phone-number", "ship_by": "latest-ship-date",
        "deliver_by": "latest-delivery-date",
    },
    summed=frozenset({"shipping", "discount"}),
    line_price="total",
    status_values=AMAZON_STATUSES,
    default_currency="USD",
    delimiter="\t",
    channel_fulfilled={"amazon": "fba", "afn": "fba"},
)  # fmt: skip
AMAZON_ALL_ORDERS = replace(
    AMAZON,
    columns={
        "external_id": "amazon-order-id", "external_number": "amazon-order-id",
        "placed_at": "purchase-date", "updated_at": "last-updated-date",
        "status": "order-status", "fulfillment_channel": "fulfillment-channel",
        "ship_service_level": "ship-service-level", "title": "product-name", "sku": "sku",
        "sku_fallback": "asin", "quantity": "quantity", "currency": "currency",
        "unit_price": "item-price", **AMAZON_MONEY, "ship_city": "ship-city",
        "ship_state": "ship-state", "ship_postcode": "ship-postal-code",
        "ship_country": "ship-country",
    },
)  # fmt: skip

# Shopify admin → Orders → Export (CSV): one row per line item; order-level columns (Email,
# totals, shipping address, Id) are filled on the order's first row only; Name is on every row.
# Its Subtotal is after discounts (Total = Subtotal + Shipping + Taxes), so it is not read: our
# subtotal, before discounts, is Σ Lineitem price * quantity. A shop that shows prices with tax
# exports gross prices and Total = Subtotal + Shipping; the export has no column saying so, so it
# is inferred per order from the totals (as for an API payload without `taxes_included`).
SHOPIFY = ColumnMapping(
    name="shopify",
    channel=Channel.SHOPIFY,
    group_by="Name",
    columns={
        "external_id": "Id", "external_number": "Name", "buyer_email": "Email",
        "status": "Financial Status", "fulfillment_status": "Fulfillment Status",
        "currency": "Currency", "shipping": "Shipping", "tax": "Taxes",
        "total": "Total", "discount": "Discount Amount", "ship_service_level": "Shipping Method",
        "placed_at": "Created at", "cancelled_at": "Cancelled at", "quantity": "Lineitem quantity",
        "title": "Lineitem name", "unit_price": "Lineitem price", "sku": "Lineitem sku",
        "line_discount": "Lineitem discount", "ship_name": "Shipping Name",
        "ship_company": "Shipping Company", "ship_line1": "Shipping Address1",
        "ship_line2": "Shipping Address2", "ship_city": "Shipping City",
        "ship_postcode": "Shipping Zip", "ship_state": "Shipping Province",
        "ship_country": "Shipping Country", "ship_phone": "Shipping Phone",
        "buyer_phone": "Phone", "buyer_name": "Billing Name", "tags": "Tags",
    },
    status_values={
        "pending": PENDING, "authorized": OPEN, "paid": OPEN, "partially_paid": OPEN,
        "partially_refunded": OPEN, "refunded": CANCELLED, "voided": CANCELLED,
        "expired": PENDING, "fulfilled": SHIPPED, "unfulfilled": None, "partial": None,
        "restocked": None,
    },
    prices_include_tax="infer",
)  # fmt: skip

# eBay Seller Hub → Orders → Download report (CSV, "All orders"): prices carry the currency
# symbol; Ship To Country is a country name; Custom Label is the seller's SKU.
EBAY = ColumnMapping(
    name="ebay",
    channel=Channel.EBAY,
    columns={
        "external_id": "Order Number", "external_number": "Sales Record Number",
        "buyer_id": "Buyer Username", "buyer_name": "Buyer Name", "buyer_email": "Buyer Email",
        "ship_name": "Ship To Name", "ship_phone": "Ship To Phone",
        "ship_line1": "Ship To Address 1", "ship_line2": "Ship To Address 2",
        "ship_city": "Ship To City", "ship_state": "Ship To State",
        "ship_postcode": "Ship To Zip", "ship_country": "Ship To Country",
        "line_id": "Transaction ID", "sku": "Custom Label", "sku_fallback": "Item Number",
        "title": "Item Title", "quantity": "Quantity", "unit_price": "Sold For",
        "shipping": "Shipping And Handling", "tax": "eBay Collected Tax", "total": "Total Price",
        "placed_at": "Sale Date", "ship_by": "Ship By Date",
        "deliver_by": "Maximum Estimated Delivery Date",
        "ship_service_level": "Shipping Service",
    },
    date_formats=("%b-%d-%y", "%b-%d-%Y", "%m/%d/%Y", "%d/%m/%Y"),
    default_currency="USD",
)  # fmt: skip

# TikTok Shop Seller Center → Orders → Export (CSV/XLSX): one row per SKU with its quantity.
TIKTOK = ColumnMapping(
    name="tiktok",
    channel=Channel.TIKTOK,
    columns={
        "external_id": "Order ID", "status": "Order Status", "sku": "Seller SKU",
        "sku_fallback": "SKU ID", "title": "Product Name", "quantity": "Quantity",
        "unit_price": "SKU Unit Original Price", "line_discount": "SKU Seller Discount",
        "shipping": "Shipping Fee After Discount", "tax": "Taxes", "total": "Order Amount",
        "placed_at": "Created Time", "cancelled_at": "Cancelled Time",
        "ship_service_level": "Delivery Option", "buyer_id": "Buyer Username",
        "ship_name": "Recipient", "ship_phone": "Phone #", "ship_postcode": "Zipcode",
        "ship_country": "Country", "ship_state": "State", "ship_city": "City",
        "ship_line1": "Detail Address", "ship_line2": "Additional address information",
    },
    status_values={
        "unpaid": PENDING, "on hold": PENDING, "to ship": OPEN, "awaiting shipment": OPEN,
        "awaiting collection": SHIPPED, "shipped": SHIPPED, "in transit": SHIPPED,
        "delivered": SHIPPED, "completed": SHIPPED, "cancelled": CANCELLED,
        "canceled": CANCELLED,
    },
    date_formats=("%m/%d/%Y %I:%M:%S %p", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M"),
    default_currency="USD",
)  # fmt: skip

# Walmart Seller Center → Orders → Download (CSV): one row per PO line; US addresses only.
WALMART = ColumnMapping(
    name="walmart",
    channel=Channel.WALMART,
    columns={
        "external_id": "PO#", "external_number": "Order#", "placed_at": "Order Date",
        "ship_by": "Ship By", "deliver_by": "Delivery Date", "ship_name": "Customer Name",
        "ship_phone": "Customer Phone Number", "ship_line1": "Ship to Address 1",
        "ship_line2": "Ship to Address 2", "ship_city": "City", "ship_state": "State",
        "ship_postcode": "Zip", "line_id": "Line#", "status": "Status",
        "title": "Item Description", "ship_service_level": "Shipping Method", "quantity": "Qty",
        "sku": "SKU", "unit_price": "Item Cost", "shipping": "Shipping Cost", "line_tax": "Tax",
    },
    summed=frozenset({"shipping"}),
    line_price="total",
    status_values={
        "created": OPEN, "acknowledged": OPEN, "shipped": SHIPPED, "delivered": SHIPPED,
        "cancelled": CANCELLED,
    },
    date_formats=("%m/%d/%Y", "%m/%d/%Y %H:%M", "%Y-%m-%d"),
    default_currency="USD",
    default_country="US",
)  # fmt: skip

# LinkStar's own import format: our field names as headers, ISO 8601 times, unit prices.
GENERIC = ColumnMapping(
    name="linkstar",
    columns={
        f: f
        for f in (
            "external_id", "external_number", "line_id", "sku", "title", "quantity", "unit_price",
            "line_tax", "line_discount", "currency", "status", "placed_at", "updated_at",
            "buyer_name", "buyer_email", "buyer_phone", "ship_name", "ship_company",
            "ship_line1", "ship_line2", "ship_city", "ship_state", "ship_postcode",
            "ship_country", "ship_phone", "shipping", "tax", "discount", "total", "ship_by",
            "deliver_by", "ship_service_level", "tags",
        )
    },
    status_values={s.value: s for s in ChannelStatus},
)  # fmt: skip

PRESETS: dict[str, ColumnMapping] = {
    m.name: m for m in (AMAZON, SHOPIFY, EBAY, TIKTOK, WALMART, GENERIC)
}
# A preset whose marketplace writes more than one layout: the first whose required columns are
# all in the file's header is used (else the preset's own, which names what is missing).
LAYOUTS: dict[str, tuple[ColumnMapping, ...]] = {"amazon": (AMAZON, AMAZON_ALL_ORDERS)}


def for_header(mapping: ColumnMapping, header: list[str]) -> ColumnMapping:
    """The layout of a preset that this header holds; any other mapping is returned as is."""
    layouts = LAYOUTS.get(mapping.name, ())
    if mapping not in layouts:
        return mapping
    names = {cell.strip() for cell in header}
    return next((m for m in layouts if m.required_columns() <= names), mapping)
