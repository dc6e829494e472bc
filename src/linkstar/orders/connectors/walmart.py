"""Walmart Marketplace Orders API v3: one element of `list.elements.order` (or getAnOrder's
`order`).

The purchase order (`purchaseOrderId`) is the unit Walmart ships and so our `external_id`; the
buyer-facing `customerOrderId` is the number. Times are epoch milliseconds. The address country
is ISO alpha-3 ("USA"). A PRODUCT charge is taken as the amount for the line's whole quantity
and divided back to a unit price (Walmart nearly always sends quantity 1 per line). The order
status is derived from the line statuses (Created, Acknowledged, Shipped, Delivered, Cancelled).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from linkstar.orders.connectors._fields import (
    at,
    country,
    currency,
    epoch,
    guarded,
    lst,
    obj,
    opt_epoch,
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

LINE_STATUSES = {"Created", "Acknowledged", "Shipped", "Delivered", "Cancelled"}


def order_status(line_statuses: list[set[str]]) -> ChannelStatus:
    """All lines cancelled → cancelled; every live line shipped/delivered → shipped; else open."""
    live = [s - {"Cancelled"} for s in line_statuses]
    live = [s for s in live if s]
    if not live:
        return ChannelStatus.CANCELLED
    if all(s <= {"Shipped", "Delivered"} for s in live):
        return ChannelStatus.SHIPPED
    return ChannelStatus.OPEN


def _line(
    node: Mapping[str, Any], path: str
) -> tuple[OrderLine, Decimal, set[str], str | None, datetime | None]:
    item = req_obj(node, "item", path)
    qty_node = req_obj(node, "orderLineQuantity", path)
    qty = quantity(qty_node.get("amount"), at(at(path, "orderLineQuantity"), "amount"))
    product = shipping = tax = Decimal("0")
    code: str | None = None
    charges = req_obj(node, "charges", path)
    for j, raw in enumerate(lst(charges, "charge", at(path, "charges"))):
        cpath = at(at(path, "charges.charge"), j)
        charge = obj(raw, cpath)
        amount_node = req_obj(charge, "chargeAmount", cpath)
        amount = opt_money(amount_node, "amount", at(cpath, "chargeAmount"))
        code = code or opt_str(amount_node, "currency", at(cpath, "chargeAmount"))
        kind = opt_str(charge, "chargeType", cpath)
        if kind == "PRODUCT":
            product += amount
        elif kind == "SHIPPING":
            shipping += amount
        tax_node = opt_obj(charge, "tax", cpath)
        if tax_node is not None:
            tax_amount = opt_obj(tax_node, "taxAmount", at(cpath, "tax")) or {}
            tax += opt_money(tax_amount, "amount", at(cpath, "tax.taxAmount"))
    statuses: set[str] = set()
    cancelled = 0
    status_path = at(path, "orderLineStatuses.orderLineStatus")
    entries = lst(
        req_obj(node, "orderLineStatuses", path), "orderLineStatus", at(path, "orderLineStatuses")
    )
    for j, raw in enumerate(entries):
        spath = at(status_path, j)
        entry = obj(raw, spath)
        value = req_str(entry, "status", spath)
        if value not in LINE_STATUSES:
            raise PayloadError(f"unknown line status {value!r}", at(spath, "status"))
        statuses.add(value)
        if value == "Cancelled":
            counted = opt_obj(entry, "statusQuantity", spath)
            units = counted.get("amount") if counted else None
            cancelled += qty if units is None else quantity(units, at(spath, "statusQuantity"))
    if not statuses:
        raise PayloadError("line has no status", status_path)
    line = OrderLine(
        external_line_id=req_str(node, "lineNumber", path),
        channel_sku=req_str(item, "sku", at(path, "item")),
        quantity=max(qty - cancelled, 0),  # cancelled units are not to be shipped
        unit_price=product / qty if qty else product,
        title=opt_str(item, "productName", at(path, "item")),
        tax=tax,
    )
    return line, shipping, statuses, code, opt_epoch(node, "statusDate", path, millis=True)


@guarded
def parse_order(payload: Mapping[str, Any]) -> ChannelOrder:
    """A Walmart purchase order → ChannelOrder."""
    p = payload
    lines_node = req_obj(p, "orderLines", "$")
    parsed = [
        _line(obj(x, at("$.orderLines.orderLine", i)), at("$.orderLines.orderLine", i))
        for i, x in enumerate(lst(lines_node, "orderLine", "$.orderLines"))
    ]
    placed_at = epoch(p.get("orderDate"), "$.orderDate", millis=True)
    changed = [d for *_, d in parsed if d is not None]
    codes = [c for _, _, _, c, _ in parsed if c]
    info = opt_obj(p, "shippingInfo", "$") or {}
    address = opt_obj(info, "postalAddress", "$.shippingInfo")
    apath = "$.shippingInfo.postalAddress"
    ship_to = None
    if address is not None:
        ship_to = PostalAddress(
            name=opt_str(address, "name", apath),
            line1=opt_str(address, "address1", apath),
            line2=opt_str(address, "address2", apath),
            city=opt_str(address, "city", apath),
            state=opt_str(address, "state", apath),
            postcode=opt_str(address, "postalCode", apath),
            country=country(opt_str(address, "country", apath), at(apath, "country")),
            phone=opt_str(info, "phone", "$.shippingInfo"),
        )
    lines = tuple(line for line, *_ in parsed)
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    shipping = sum((s for _, s, *_ in parsed), Decimal("0"))
    tax = sum((line.tax for line in lines), Decimal("0"))
    return ChannelOrder(
        channel=Channel.WALMART,
        external_id=req_str(p, "purchaseOrderId", "$"),
        external_number=opt_str(p, "customerOrderId", "$"),
        version=max([placed_at, *changed]),
        placed_at=placed_at,
        status=order_status([statuses for _, _, statuses, *_ in parsed]),
        currency=currency(codes[0] if codes else None, "$.orderLines.orderLine[0].charges"),
        lines=lines,
        buyer=Buyer(
            name=ship_to.name if ship_to else None,
            email=opt_str(p, "customerEmailId", "$"),
            phone=opt_str(info, "phone", "$.shippingInfo"),
        ),
        ship_to=ship_to,
        subtotal=subtotal,
        shipping=shipping,
        tax=tax,
        total=subtotal + shipping + tax,
        ship_by=opt_epoch(info, "estimatedShipDate", "$.shippingInfo", millis=True),
        deliver_by=opt_epoch(info, "estimatedDeliveryDate", "$.shippingInfo", millis=True),
        ship_service_level=opt_str(info, "methodCode", "$.shippingInfo"),
        tags=tuple(t.lower() for t in (opt_str(p, "orderType", "$"),) if t),
    )
