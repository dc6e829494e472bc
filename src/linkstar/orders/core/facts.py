"""An order as the facts rules see, and a fingerprint of its content for idempotent imports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from linkstar.orders.core.canonical import ChannelOrder
from linkstar.orders.core.skus import ExplodedLine


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def fingerprint(order: ChannelOrder) -> str:
    """SHA-256 of the order's canonical content: equal for copies that say the same thing."""
    text = json.dumps(_plain(asdict(order)), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def payload_hash(raw: Mapping[str, Any] | str | bytes) -> str:
    """SHA-256 of a raw payload (JSON compared by value, not by formatting)."""
    if isinstance(raw, bytes):
        data = raw
    elif isinstance(raw, str):
        data = raw.encode()
    else:
        data = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str).encode()
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
        "ship_to": {} if ship is None else asdict(ship),
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
