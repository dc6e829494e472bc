"""Amazon Selling Partner API Orders v0: an `Order` (getOrders / getOrder) joined with its
`OrderItem` list (getOrderItems). Its successor, Orders 2026-01-01, is read by `amazon_2026`.

The payload `parse_order` takes is the `Order` object with the item list under `OrderItems`
(`combine(order, items)` builds it). Amazon's `ItemPrice` is the price of the whole quantity;
the canonical unit price divides it back. Restricted data (name, address lines, phone, buyer
e-mail) is absent unless the app holds a Restricted Data Token: those fields then stay None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from linkstar.orders.connectors import amazon_2026
from linkstar.orders.connectors._fields import (
    at,
    country,
    currency,
    guarded,
    iso_time,
    lst,
    obj,
    opt_iso,
    opt_money,
    opt_obj,
    opt_str,
    quantity,
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

STATUSES: dict[str, ChannelStatus] = {
    "Pending": ChannelStatus.PENDING,
    "PendingAvailability": ChannelStatus.PENDING,
    "Unshipped": ChannelStatus.OPEN,
    "PartiallyShipped": ChannelStatus.OPEN,
    "Shipped": ChannelStatus.SHIPPED,
    "InvoiceUnconfirmed": ChannelStatus.SHIPPED,
    "Canceled": ChannelStatus.CANCELLED,
    "Unfulfillable": ChannelStatus.CANCELLED,
}
_CENT = Decimal("0.01")
_NEW_SHAPE = frozenset({"orderId", "orderItems", "lastUpdatedTime"})  # Orders 2026-01-01 keys


def combine(order: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The getOrders `Order` plus the getOrderItems `OrderItems`: what `parse_order` reads."""
    return {**order, "OrderItems": list(items)}


def _amount(node: Mapping[str, Any], key: str, path: str) -> Decimal:
    """`Money` objects: `{"CurrencyCode": "USD", "Amount": "19.99"}`."""
    money = opt_obj(node, key, path)
    return Decimal("0") if money is None else opt_money(money, "Amount", at(path, key))


def _unit(total: Decimal, qty: int) -> Decimal:
    if qty <= 0:
        return total
    unit = total / qty
    cents = unit.quantize(_CENT)
    return cents if cents == unit else unit.quantize(Decimal("0.0001"))


def _line(item: Mapping[str, Any], path: str) -> OrderLine:
    qty = quantity(item.get("QuantityOrdered"), at(path, "QuantityOrdered"))
    return OrderLine(
        external_line_id=req_str(item, "OrderItemId", path),
        channel_sku=opt_str(item, "SellerSKU", path) or req_str(item, "ASIN", path),
        quantity=qty,
        unit_price=_unit(_amount(item, "ItemPrice", path), qty),
        title=opt_str(item, "Title", path),
        tax=_amount(item, "ItemTax", path) + _amount(item, "ShippingTax", path),
        discount=_amount(item, "PromotionDiscount", path),
    )


def _address(node: Mapping[str, Any] | None, path: str) -> PostalAddress | None:
    if node is None:
        return None
    line2 = ", ".join(
        part
        for part in (opt_str(node, "AddressLine2", path), opt_str(node, "AddressLine3", path))
        if part
    )
    return PostalAddress(
        name=opt_str(node, "Name", path),
        company=opt_str(node, "CompanyName", path),
        line1=opt_str(node, "AddressLine1", path),
        line2=line2 or None,
        city=opt_str(node, "City", path),
        state=opt_str(node, "StateOrRegion", path),
        postcode=opt_str(node, "PostalCode", path),
        country=country(opt_str(node, "CountryCode", path), at(path, "CountryCode")),
        phone=opt_str(node, "Phone", path),
    )


@guarded
def parse_order(payload: Mapping[str, Any]) -> ChannelOrder:
    """An SP-API `Order` with its `OrderItems` → ChannelOrder; an Orders 2026-01-01 `Order`
    (`orderId`, items inline) is read by `amazon_2026`."""
    if "AmazonOrderId" not in payload and _NEW_SHAPE.intersection(payload):
        return amazon_2026.parse(payload)
    p = payload
    raw_status = req_str(p, "OrderStatus", "$")
    if raw_status not in STATUSES:
        raise PayloadError(f"unknown OrderStatus {raw_status!r}", "$.OrderStatus")
    items = [obj(item, at("$.OrderItems", i)) for i, item in enumerate(lst(p, "OrderItems", "$"))]
    lines = tuple(_line(item, at("$.OrderItems", i)) for i, item in enumerate(items))
    order_total = opt_obj(p, "OrderTotal", "$")
    code = opt_str(order_total, "CurrencyCode", "$.OrderTotal") if order_total else None
    for i, item in enumerate(items):
        price = opt_obj(item, "ItemPrice", at("$.OrderItems", i))
        code = code or (opt_str(price, "CurrencyCode", "$") if price else None)
    subtotal = sum((_amount(i, "ItemPrice", "$.OrderItems") for i in items), Decimal("0"))
    shipping = sum((_amount(i, "ShippingPrice", "$.OrderItems") for i in items), Decimal("0"))
    tax = sum((line.tax for line in lines), Decimal("0"))
    discount = sum(
        (
            _amount(i, "PromotionDiscount", "$.OrderItems")
            + _amount(i, "ShippingDiscount", "$.OrderItems")
            for i in items
        ),
        Decimal("0"),
    )
    total = (
        opt_money(order_total, "Amount", "$.OrderTotal")
        if order_total
        else subtotal + shipping + tax - discount
    )
    status = STATUSES[raw_status]
    afn = opt_str(p, "FulfillmentChannel", "$") == "AFN"
    if afn and status is ChannelStatus.OPEN:
        status = ChannelStatus.SHIPPED  # Fulfilled by Amazon: nothing for the seller to ship
    buyer = opt_obj(p, "BuyerInfo", "$") or {}
    tags = [
        tag
        for tag, flag in (
            ("prime", "IsPrime"),
            ("business", "IsBusinessOrder"),
            ("replacement", "IsReplacementOrder"),
        )
        if p.get(flag) is True
    ]
    if afn:
        tags.insert(0, "fba")
    return ChannelOrder(
        channel=Channel.AMAZON,
        external_id=req_str(p, "AmazonOrderId", "$"),
        external_number=req_str(p, "AmazonOrderId", "$"),
        version=iso_time(p.get("LastUpdateDate") or p.get("PurchaseDate"), "$.LastUpdateDate"),
        placed_at=iso_time(p.get("PurchaseDate"), "$.PurchaseDate"),
        status=status,
        currency=currency(code, "$.OrderTotal.CurrencyCode"),
        lines=lines,
        buyer=Buyer(
            name=opt_str(buyer, "BuyerName", "$.BuyerInfo"),
            email=opt_str(buyer, "BuyerEmail", "$.BuyerInfo") or opt_str(p, "BuyerEmail", "$"),
        ),
        ship_to=_address(opt_obj(p, "ShippingAddress", "$"), "$.ShippingAddress"),
        subtotal=subtotal,
        shipping=shipping,
        tax=tax,
        discount=discount,
        total=total,
        ship_by=opt_iso(p, "LatestShipDate", "$"),
        deliver_by=opt_iso(p, "LatestDeliveryDate", "$"),
        ship_service_level=opt_str(p, "ShipServiceLevel", "$"),
        tags=tuple(tags),
    )
