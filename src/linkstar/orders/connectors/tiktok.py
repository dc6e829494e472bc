"""TikTok Shop Order API (202309): one element of `data.orders` from Get Order Detail or
Search Orders.

TikTok lists one `line_items` entry per unit sold, so every canonical line has quantity 1 and
keeps TikTok's line item id (fulfilment calls name those ids). Times are Unix seconds. Shipping
is `shipping_fee`, already net of shipping discounts; total is TikTok's `total_amount`. The
country comes from `recipient_address.region_code`; `district_info` levels give state (L1) and
city (L3, else L2). The address is absent while the order is UNPAID or ON_HOLD.
"""

from __future__ import annotations

from collections.abc import Mapping
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

STATUSES: dict[str, ChannelStatus] = {
    "UNPAID": ChannelStatus.PENDING,
    "ON_HOLD": ChannelStatus.PENDING,
    "AWAITING_SHIPMENT": ChannelStatus.OPEN,
    "PARTIALLY_SHIPPING": ChannelStatus.OPEN,
    "AWAITING_COLLECTION": ChannelStatus.SHIPPED,
    "IN_TRANSIT": ChannelStatus.SHIPPED,
    "DELIVERED": ChannelStatus.SHIPPED,
    "COMPLETED": ChannelStatus.SHIPPED,
    "CANCELLED": ChannelStatus.CANCELLED,
}


def _districts(address: Mapping[str, Any], path: str) -> dict[str, str]:
    levels: dict[str, str] = {}
    for i, raw in enumerate(lst(address, "district_info", path, required=False)):
        node = obj(raw, at(at(path, "district_info"), i))
        level = opt_str(node, "address_level", path)
        name = opt_str(node, "address_name", path)
        if level and name:
            levels[level.upper()] = name
    return levels


def _address(node: Mapping[str, Any] | None, path: str) -> PostalAddress | None:
    if node is None:
        return None
    levels = _districts(node, path)
    line2 = ", ".join(
        part
        for part in (
            opt_str(node, "address_line2", path),
            opt_str(node, "address_line3", path),
            opt_str(node, "address_line4", path),
        )
        if part
    )
    return PostalAddress(
        name=opt_str(node, "name", path),
        line1=opt_str(node, "address_line1", path) or opt_str(node, "address_detail", path),
        line2=line2 or None,
        city=levels.get("L3") or levels.get("L2"),
        state=levels.get("L1"),
        postcode=opt_str(node, "postal_code", path),
        country=country(opt_str(node, "region_code", path), at(path, "region_code")),
        phone=opt_str(node, "phone_number", path),
    )


def _line(item: Mapping[str, Any], path: str) -> OrderLine:
    tax = sum(
        (
            opt_money(obj(t, at(at(path, "item_tax"), j)), "tax_amount", path)
            for j, t in enumerate(lst(item, "item_tax", path, required=False))
        ),
        Decimal("0"),
    )
    return OrderLine(
        external_line_id=req_str(item, "id", path),
        channel_sku=opt_str(item, "seller_sku", path) or req_str(item, "sku_id", path),
        quantity=1,
        unit_price=opt_money(item, "original_price", path) or opt_money(item, "sale_price", path),
        title=opt_str(item, "product_name", path),
        tax=tax,
        discount=opt_money(item, "seller_discount", path)
        + opt_money(item, "platform_discount", path),
    )


@guarded
def parse_order(payload: Mapping[str, Any]) -> ChannelOrder:
    """A TikTok Shop order detail object → ChannelOrder."""
    p = payload
    raw_status = req_str(p, "status", "$")
    if raw_status not in STATUSES:
        raise PayloadError(f"unknown status {raw_status!r}", "$.status")
    status = STATUSES[raw_status]
    by_tiktok = opt_str(p, "fulfillment_type", "$") == "FULFILLMENT_BY_TIKTOK"
    if by_tiktok and status is ChannelStatus.OPEN:
        status = ChannelStatus.SHIPPED
    lines = tuple(
        _line(obj(item, at("$.line_items", i)), at("$.line_items", i))
        for i, item in enumerate(lst(p, "line_items", "$"))
    )
    payment = req_obj(p, "payment", "$")
    pay = "$.payment"
    # sub_total is after the product discounts (original_total_product_price - seller_discount
    # - platform_discount); the canonical subtotal is before them, as every other channel's.
    discount = opt_money(payment, "seller_discount", pay) + opt_money(
        payment, "platform_discount", pay
    )
    subtotal = opt_money(payment, "original_total_product_price", pay) or (
        opt_money(payment, "sub_total", pay) + discount
    )
    placed_at = epoch(p.get("create_time"), "$.create_time")
    tags = [
        tag
        for tag, flag in (
            ("cod", "is_cod"),
            ("sample", "is_sample_order"),
            ("replacement", "is_replacement_order"),
        )
        if p.get(flag) is True
    ]
    if by_tiktok:
        tags.insert(0, "fbt")
    return ChannelOrder(
        channel=Channel.TIKTOK,
        external_id=req_str(p, "id", "$"),
        external_number=req_str(p, "id", "$"),
        version=opt_epoch(p, "update_time", "$") or placed_at,
        placed_at=placed_at,
        status=status,
        currency=currency(opt_str(payment, "currency", pay), at(pay, "currency")),
        lines=lines,
        buyer=Buyer(
            email=opt_str(p, "buyer_email", "$"),
            external_id=opt_str(p, "user_id", "$"),
        ),
        ship_to=_address(opt_obj(p, "recipient_address", "$"), "$.recipient_address"),
        subtotal=subtotal,
        shipping=opt_money(payment, "shipping_fee", pay),
        tax=opt_money(payment, "tax", pay),
        discount=discount,
        total=opt_money(payment, "total_amount", pay),
        ship_by=opt_epoch(p, "rts_sla_time", "$"),
        deliver_by=opt_epoch(p, "delivery_option_required_delivery_time", "$")
        or opt_epoch(p, "delivery_sla_time", "$"),
        ship_service_level=opt_str(p, "delivery_option_name", "$"),
        tags=tuple(tags),
    )
