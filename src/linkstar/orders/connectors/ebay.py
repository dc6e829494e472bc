"""eBay Sell Fulfillment API v1: the `Order` type of getOrder / getOrders.

`lineItemCost` is the price of the line's whole quantity before discounts; the canonical unit
price divides it back. The ship-to is the first `fulfillmentStartInstructions[].shippingStep`.
Amounts are `{value, currency}` in the seller's currency (`pricingSummary.total.currency`).
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
    guarded,
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

_FULFILMENT = {"NOT_STARTED", "IN_PROGRESS", "FULFILLED"}


def status(fulfilment: str, payment: str | None, cancel_state: str | None) -> ChannelStatus:
    if fulfilment not in _FULFILMENT:
        raise PayloadError(
            f"unknown orderFulfillmentStatus {fulfilment!r}", "$.orderFulfillmentStatus"
        )
    if cancel_state == "CANCELED":
        return ChannelStatus.CANCELLED
    if fulfilment == "FULFILLED":
        return ChannelStatus.SHIPPED
    if payment == "FULLY_REFUNDED":
        return ChannelStatus.CANCELLED
    if payment in ("PENDING", "FAILED"):
        return ChannelStatus.PENDING
    return ChannelStatus.OPEN


def _amount(node: Mapping[str, Any], key: str, path: str) -> Decimal:
    """eBay `Amount`: `{"value": "12.99", "currency": "USD"}`."""
    inner = opt_obj(node, key, path)
    return Decimal("0") if inner is None else opt_money(inner, "value", at(path, key))


def _sum(node: Mapping[str, Any], key: str, inner: str, path: str) -> Decimal:
    return sum(
        (
            _amount(obj(x, at(at(path, key), j)), inner, at(at(path, key), j))
            for j, x in enumerate(lst(node, key, path, required=False))
        ),
        Decimal("0"),
    )


def _line(item: Mapping[str, Any], path: str) -> tuple[OrderLine, datetime | None]:
    qty = quantity(item.get("quantity"), at(path, "quantity"))
    cost = _amount(item, "lineItemCost", path)
    instructions = opt_obj(item, "lineItemFulfillmentInstructions", path) or {}
    line = OrderLine(
        external_line_id=req_str(item, "lineItemId", path),
        channel_sku=opt_str(item, "sku", path) or req_str(item, "legacyItemId", path),
        quantity=qty,
        unit_price=cost / qty if qty else cost,
        title=opt_str(item, "title", path),
        tax=_sum(item, "taxes", "amount", path),
        discount=abs(_sum(item, "appliedPromotions", "discountAmount", path)),
    )
    return line, opt_iso(instructions, "shipByDate", at(path, "lineItemFulfillmentInstructions"))


def _ship_to(p: Mapping[str, Any]) -> tuple[PostalAddress | None, str | None, datetime | None]:
    starts = lst(p, "fulfillmentStartInstructions", "$", required=False)
    if not starts:
        return None, None, None
    path = "$.fulfillmentStartInstructions[0]"
    start = obj(starts[0], path)
    step = opt_obj(start, "shippingStep", path)
    deliver_by = opt_iso(start, "maxEstimatedDeliveryDate", path)
    if step is None:
        return None, None, deliver_by
    path = at(path, "shippingStep")
    ship_to = opt_obj(step, "shipTo", path)
    if ship_to is None:
        return None, opt_str(step, "shippingServiceCode", path), deliver_by
    path = at(path, "shipTo")
    address = opt_obj(ship_to, "contactAddress", path) or {}
    apath = at(path, "contactAddress")
    phone = opt_obj(ship_to, "primaryPhone", path) or {}
    return (
        PostalAddress(
            name=opt_str(ship_to, "fullName", path),
            company=opt_str(ship_to, "companyName", path),
            line1=opt_str(address, "addressLine1", apath),
            line2=opt_str(address, "addressLine2", apath),
            city=opt_str(address, "city", apath),
            state=opt_str(address, "stateOrProvince", apath),
            postcode=opt_str(address, "postalCode", apath),
            country=country(opt_str(address, "countryCode", apath), at(apath, "countryCode")),
            phone=opt_str(phone, "phoneNumber", at(path, "primaryPhone")),
            email=opt_str(ship_to, "email", path),
        ),
        opt_str(step, "shippingServiceCode", "$.fulfillmentStartInstructions[0].shippingStep"),
        deliver_by,
    )


@guarded
def parse_order(payload: Mapping[str, Any]) -> ChannelOrder:
    """An eBay Fulfillment API order → ChannelOrder."""
    p = payload
    pricing = req_obj(p, "pricingSummary", "$")
    total = req_obj(pricing, "total", "$.pricingSummary")
    parsed = [
        _line(obj(x, at("$.lineItems", i)), at("$.lineItems", i))
        for i, x in enumerate(lst(p, "lineItems", "$"))
    ]
    ship_bys = [ship_by for _, ship_by in parsed if ship_by is not None]
    ship_to, service, deliver_by = _ship_to(p)
    cancel = opt_obj(p, "cancelStatus", "$") or {}
    buyer = opt_obj(p, "buyer", "$") or {}
    registration = opt_obj(buyer, "buyerRegistrationAddress", "$.buyer") or {}
    rpath = "$.buyer.buyerRegistrationAddress"
    phone = opt_obj(registration, "primaryPhone", rpath) or {}
    return ChannelOrder(
        channel=Channel.EBAY,
        external_id=req_str(p, "orderId", "$"),
        external_number=opt_str(p, "legacyOrderId", "$") or req_str(p, "orderId", "$"),
        version=iso_time(p.get("lastModifiedDate") or p.get("creationDate"), "$.lastModifiedDate"),
        placed_at=iso_time(p.get("creationDate"), "$.creationDate"),
        status=status(
            req_str(p, "orderFulfillmentStatus", "$"),
            opt_str(p, "orderPaymentStatus", "$"),
            opt_str(cancel, "cancelState", "$.cancelStatus"),
        ),
        currency=currency(
            opt_str(total, "currency", "$.pricingSummary.total"), "$.pricingSummary.total.currency"
        ),
        lines=tuple(line for line, _ in parsed),
        buyer=Buyer(
            name=opt_str(registration, "fullName", rpath),
            email=opt_str(registration, "email", rpath),
            phone=opt_str(phone, "phoneNumber", at(rpath, "primaryPhone")),
            external_id=opt_str(buyer, "username", "$.buyer"),
        ),
        ship_to=ship_to,
        subtotal=_amount(pricing, "priceSubtotal", "$.pricingSummary"),
        shipping=_amount(pricing, "deliveryCost", "$.pricingSummary"),
        tax=_amount(pricing, "tax", "$.pricingSummary"),
        # deliveryCost is before delivery discounts; both discounts are sent as negatives
        discount=abs(_amount(pricing, "priceDiscount", "$.pricingSummary"))
        + abs(_amount(pricing, "deliveryDiscount", "$.pricingSummary")),
        total=_amount(pricing, "total", "$.pricingSummary"),
        ship_by=min(ship_bys) if ship_bys else None,
        deliver_by=deliver_by,
        ship_service_level=service,
    )
