"""Amazon Selling Partner API Orders `2026-01-01`: the `Order` of searchOrders / getOrder.

The successor of Orders v0 (`amazon.py`, which Amazon marks deprecated). One `Order` carries its
items (`orderItems`) and, for the `includedData` sets asked for, the buyer, the recipient, the
proceeds and the fulfilment; the poller asks for BUYER, RECIPIENT, PROCEEDS and FULFILLMENT.
Amounts are `Money` objects `{"amount": "49.99", "currencyCode": "USD"}`. Shapes and the mapping
are in docs/formats/channels.md ("Amazon SP-API Orders 2026-01-01").
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from linkstar.orders.connectors._fields import (
    at,
    country,
    currency,
    iso_time,
    lst,
    obj,
    opt_iso,
    opt_money,
    opt_obj,
    opt_str,
    quantity,
    req_obj,
    req_str,
)
from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)

# `FulfillmentStatus`: PENDING_AVAILABILITY (pre-order), PENDING, UNSHIPPED, PARTIALLY_SHIPPED,
# SHIPPED, CANCELLED, UNFULFILLABLE (Amazon-fulfilled orders placed off Amazon).
STATUSES: dict[str, ChannelStatus] = {
    "PENDING_AVAILABILITY": ChannelStatus.PENDING,
    "PENDING": ChannelStatus.PENDING,
    "UNSHIPPED": ChannelStatus.OPEN,
    "PARTIALLY_SHIPPED": ChannelStatus.OPEN,
    "SHIPPED": ChannelStatus.SHIPPED,
    "CANCELLED": ChannelStatus.CANCELLED,
    "UNFULFILLABLE": ChannelStatus.CANCELLED,
}
# Proceeds categories that pay for delivering the parcel: our `shipping` (v0 counts gift wrap
# there too). DELIVERY_TIP and OTHER are neither goods nor delivery: they stay in the total only.
_SHIPPING = ("SHIPPING", "GIFT_WRAP", "COD_FEE")
_TAGS = {"PRIME": "prime", "AMAZON_BUSINESS": "business", "PREORDER": "preorder"}


def _money(node: Mapping[str, Any] | None, key: str, path: str) -> Decimal:
    value = opt_obj(node, key, path) if node is not None else None
    return Decimal("0") if value is None else opt_money(value, "amount", at(path, key))


def _breakdown(proceeds: Mapping[str, Any] | None, path: str) -> dict[str, Decimal]:
    """Proceeds by category (`ITEM`, `SHIPPING`, `TAX`, `DISCOUNT`, ...), summed per category."""
    out: dict[str, Decimal] = {}
    if proceeds is None:
        return out
    for i, raw in enumerate(lst(proceeds, "breakdowns", path, required=False)):
        entry = obj(raw, at(at(path, "breakdowns"), i))
        kind = req_str(entry, "type", at(at(path, "breakdowns"), i))
        out[kind] = out.get(kind, Decimal("0")) + _money(entry, "subtotal", at(path, "breakdowns"))
    return out


def _line(item: Mapping[str, Any], path: str) -> OrderLine:
    product = req_obj(item, "product", path)
    where = at(path, "product")
    price = opt_obj(product, "price", where)
    proceeds = _breakdown(opt_obj(item, "proceeds", path), at(path, "proceeds"))
    return OrderLine(
        external_line_id=req_str(item, "orderItemId", path),
        channel_sku=opt_str(product, "sellerSku", where) or req_str(product, "asin", where),
        quantity=quantity(item.get("quantityOrdered"), at(path, "quantityOrdered")),
        unit_price=_money(price, "unitPrice", at(where, "price")),
        title=opt_str(product, "title", where),
        tax=proceeds.get("TAX", Decimal("0")),
        discount=abs(proceeds.get("DISCOUNT", Decimal("0"))),  # proceeds: a discount is negative
    )


def _address(node: Mapping[str, Any] | None, path: str) -> PostalAddress | None:
    if node is None:
        return None
    line2 = ", ".join(
        part
        for part in (opt_str(node, "addressLine2", path), opt_str(node, "addressLine3", path))
        if part
    )
    return PostalAddress(
        name=opt_str(node, "name", path),
        company=opt_str(node, "companyName", path),
        line1=opt_str(node, "addressLine1", path),
        line2=line2 or None,
        city=opt_str(node, "city", path),
        state=opt_str(node, "stateOrRegion", path),
        postcode=opt_str(node, "postalCode", path),
        country=country(opt_str(node, "countryCode", path), at(path, "countryCode")),
        phone=opt_str(node, "phone", path),
    )


def _window_end(fulfillment: Mapping[str, Any], key: str) -> Any:
    window = opt_obj(fulfillment, key, "$.fulfillment")
    return opt_iso(window, "latestDateTime", at("$.fulfillment", key)) if window else None


def _currency(grand: Mapping[str, Any] | None, items: list[Mapping[str, Any]]) -> str:
    """The grand total's currency, else the first item price's (no PROCEEDS asked for)."""
    code = opt_str(grand, "currencyCode", "$.proceeds.grandTotal") if grand else None
    for i, item in enumerate(items):
        where = at(at("$.orderItems", i), "product")
        price = opt_obj(opt_obj(item, "product", where) or {}, "price", where) or {}
        unit = opt_obj(price, "unitPrice", at(where, "price"))
        code = code or (
            opt_str(unit, "currencyCode", at(where, "price.unitPrice")) if unit else None
        )
    return currency(code, "$.proceeds.grandTotal.currencyCode")


def parse(p: Mapping[str, Any]) -> ChannelOrder:
    """An Orders 2026-01-01 `Order` → ChannelOrder (`amazon.parse_order` dispatches here)."""
    fulfillment = opt_obj(p, "fulfillment", "$")
    if fulfillment is None:
        raise PayloadError("no fulfillment: ask searchOrders for includedData=FULFILLMENT", "$")
    raw_status = req_str(fulfillment, "fulfillmentStatus", "$.fulfillment")
    if raw_status not in STATUSES:
        raise PayloadError(f"unknown fulfillmentStatus {raw_status!r}", "$.fulfillment")
    items = [obj(x, at("$.orderItems", i)) for i, x in enumerate(lst(p, "orderItems", "$"))]
    lines = tuple(_line(item, at("$.orderItems", i)) for i, item in enumerate(items))
    proceeds = opt_obj(p, "proceeds", "$")
    parts = _breakdown(proceeds, "$.proceeds")
    subtotal = parts.get("ITEM", sum((x.unit_price * x.quantity for x in lines), Decimal("0")))
    shipping = sum((parts.get(kind, Decimal("0")) for kind in _SHIPPING), Decimal("0"))
    tax = parts.get("TAX", sum((x.tax for x in lines), Decimal("0")))
    discount = abs(parts.get("DISCOUNT", Decimal("0")))
    grand = opt_obj(proceeds, "grandTotal", "$.proceeds") if proceeds else None
    total = (
        opt_money(grand, "amount", "$.proceeds.grandTotal")
        if grand
        else subtotal + shipping + tax - discount
    )
    status = STATUSES[raw_status]
    fba = opt_str(fulfillment, "fulfilledBy", "$.fulfillment") == "AMAZON"
    if fba and status is ChannelStatus.OPEN:
        status = ChannelStatus.SHIPPED  # Fulfilled by Amazon: nothing for the seller to ship
    programs = [str(x) for x in lst(p, "programs", "$", required=False)]
    associated = [
        obj(x, "$.associatedOrders") for x in lst(p, "associatedOrders", "$", required=False)
    ]
    tags = [_TAGS[x] for x in programs if x in _TAGS]
    if any(a.get("associationType") == "REPLACEMENT_ORIGINAL_ID" for a in associated):
        tags.append("replacement")
    if fba:
        tags.insert(0, "fba")
    buyer = opt_obj(p, "buyer", "$") or {}
    recipient = opt_obj(p, "recipient", "$") or {}
    order_id = req_str(p, "orderId", "$")
    return ChannelOrder(
        channel=Channel.AMAZON,
        external_id=order_id,
        external_number=order_id,
        version=iso_time(p.get("lastUpdatedTime") or p.get("createdTime"), "$.lastUpdatedTime"),
        placed_at=iso_time(p.get("createdTime"), "$.createdTime"),
        status=status,
        currency=_currency(grand, items),
        lines=lines,
        buyer=Buyer(
            name=opt_str(buyer, "buyerName", "$.buyer"),
            email=opt_str(buyer, "buyerEmail", "$.buyer"),
        ),
        ship_to=_address(
            opt_obj(recipient, "deliveryAddress", "$.recipient"), "$.recipient.deliveryAddress"
        ),
        subtotal=subtotal,
        shipping=shipping,
        tax=tax,
        discount=discount,
        total=total,
        ship_by=_window_end(fulfillment, "shipByWindow"),
        deliver_by=_window_end(fulfillment, "deliverByWindow"),
        ship_service_level=opt_str(fulfillment, "fulfillmentServiceLevel", "$.fulfillment"),
        tags=tuple(tags),
    )
