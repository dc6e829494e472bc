"""An order as the facts rules see, and a fingerprint of its content for idempotent imports."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from linkstar.kit.jsontext import dumps_with
from linkstar.orders.core.canonical import ChannelOrder, PostalAddress
from linkstar.orders.core.skus import ExplodedLine

_compact = dumps_with(separators=(",", ":"), ensure_ascii=False)
_sorted_compact = dumps_with(sort_keys=True, separators=(",", ":"), default=str)


def _d(value: Decimal) -> str:
    return str(value.normalize()) if value == value.to_integral() else str(value)


def _t(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def fingerprint(order: ChannelOrder) -> str:
    """SHA-256 of the order's canonical content: equal for copies that say the same thing.

    Built field by field (not with dataclasses.asdict) because it runs for every imported copy.
    """
    ship = order.ship_to
    b = order.buyer
    content = [
        order.channel.value,
        order.external_id,
        order.external_number,
        _t(order.version),
        _t(order.placed_at),
        order.status.value,
        order.currency,
        [b.name, b.email, b.phone, b.external_id],
        None
        if ship is None
        else [
            ship.name,
            ship.company,
            ship.line1,
            ship.line2,
            ship.city,
            ship.state,
            ship.postcode,
            ship.country,
            ship.phone,
            ship.email,
        ],
        [
            [
                x.external_line_id,
                x.channel_sku,
                x.quantity,
                _d(x.unit_price),
                x.title,
                _d(x.tax),
                _d(x.discount),
            ]
            for x in order.lines
        ],
        _d(order.subtotal),
        _d(order.shipping),
        _d(order.tax),
        _d(order.discount),
        _d(order.total),
        _t(order.ship_by),
        _t(order.deliver_by),
        order.ship_service_level,
        order.tax_terms.value if order.tax_terms else None,
        list(order.tags),
    ]
    text = _compact(content)
    return hashlib.sha256(text.encode()).hexdigest()


def payload_hash(raw: Mapping[str, Any] | str | bytes) -> str:
    """SHA-256 of a raw payload (JSON compared by value, not by formatting)."""
    if isinstance(raw, bytes):
        data = raw
    elif isinstance(raw, str):
        data = raw.encode()
    else:
        data = _sorted_compact(raw).encode()
    return hashlib.sha256(data).hexdigest()


def order_facts(
    order: ChannelOrder,
    lines: Sequence[ExplodedLine],
    *,
    store_id: str,
    store_name: str = "",
    priority: str = "normal",
    address_verdict: str | None = None,
    address_flags: Sequence[str] = (),
) -> dict[str, Any]:
    """The fields rules may test (see rules.FIELDS), from a canonical order and its lines."""
    ship = order.ship_to
    return {
        "store": store_id,
        "store_name": store_name,
        "channel": order.channel.value,
        "external_id": order.external_id,
        "external_number": order.external_number,
        "channel_status": order.status.value,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "shipping": order.shipping,
        "tax": order.tax,
        "discount": order.discount,
        "total": order.total,
        "placed_at": order.placed_at,
        "ship_by": order.ship_by,
        "deliver_by": order.deliver_by,
        "ship_service_level": order.ship_service_level,
        "tax_terms": order.tax_terms.value if order.tax_terms else None,
        "priority": priority,
        "tags": list(order.tags),
        "line_count": len(order.lines),
        "item_count": sum(line.quantity for line in order.lines),
        "buyer": {"name": order.buyer.name, "email": order.buyer.email, "phone": order.buyer.phone},
        "ship_to": {} if ship is None else _address(ship),
        "address": {"verdict": address_verdict, "flags": list(address_flags)},
        "lines": [
            {
                "sku": line.master_sku,
                "channel_sku": line.channel_sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "title": line.title,
            }
            for line in lines
        ],
    }


def _address(ship: PostalAddress) -> dict[str, Any]:
    return {
        "name": ship.name,
        "company": ship.company,
        "line1": ship.line1,
        "line2": ship.line2,
        "city": ship.city,
        "state": ship.state,
        "postcode": ship.postcode,
        "country": ship.country,
        "phone": ship.phone,
        "email": ship.email,
    }
