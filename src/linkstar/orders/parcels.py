"""An allocated order as the parcel rating.routing prices: one ORDERS row (docs/formats/routing.md).

- origin: the warehouse the order's units are reserved in (the one holding most units when a
  rule split the order: the parcel leaves from there);
- destination: the ship-to; residential unless a company is named;
- weight: the sum of SKU weight x quantity; size: the longest length and width of the lines and
  the stacked heights (a conservative box); a SKU without a weight leaves weight_g empty, so
  routing holds the order with `missing_weight_g` instead of guessing;
- declared value: the goods (subtotal - discount) in the order currency;
- contents: battery / liquid / fragile from the SKUs (carriers restrict these);
- promised_days: whole days from today to deliver_by (at least 1), empty without a promise;
- ddp: tax_terms DDP.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from linkstar.kit.clock import as_utc, utcnow
from linkstar.orders.models import Order, OrderLine


def parcel_row(
    order: Order,
    lines: Sequence[OrderLine],
    reserved: Sequence[Any],
    warehouses: dict[str, Any],
    skus: dict[str, Any],
    today: date | None = None,
) -> dict[str, Any]:
    """The ORDERS row of one allocated order."""
    today = today or utcnow().date()
    units: dict[str, int] = {}
    for row in reserved:
        units[row.warehouse_id] = units.get(row.warehouse_id, 0) + row.quantity
    origin = warehouses.get(max(units, key=lambda w: (units[w], w))) if units else None
    weight = length = width = height = 0
    contents: set[str] = set()
    missing_weight = False
    for line in lines:
        sku = skus.get(line.master_sku)
        if sku is None or sku.weight_g <= 0:
            missing_weight = True
            continue
        weight += sku.weight_g * line.quantity
        length, width = max(length, sku.length_mm), max(width, sku.width_mm)
        height += sku.height_mm * line.quantity
        contents |= {
            name
            for name, flag in (
                ("battery", sku.has_battery),
                ("liquid", sku.has_liquid),
                ("fragile", sku.is_fragile),
            )
            if flag
        }
    promised: int | str = ""
    if order.deliver_by is not None:
        promised = max(1, (as_utc(order.deliver_by).date() - today).days)
    value = max(Decimal(0), (order.subtotal or Decimal(0)) - (order.discount or Decimal(0)))
    return {
        "order_id": order.id,
        "store": order.store_id,
        "channel": order.channel,
        "warehouse": origin.code if origin is not None else "",
        "origin_country": origin.country if origin is not None else "",
        "origin_postcode": origin.postcode if origin is not None else "",
        "dest_country": order.ship_country or "",
        "dest_postcode": order.ship_postcode or "",
        "dest_city": order.ship_city or "",
        "dest_state": order.ship_state or "",
        "residential": not order.ship_company,
        "weight_g": "" if missing_weight or weight == 0 else weight,
        "length_mm": min(length, 100_000),
        "width_mm": min(width, 100_000),
        "height_mm": min(height, 100_000),
        "declared_value": f"{value:.2f}",
        "currency": order.currency,
        "contents": " ".join(sorted(contents)),
        "ddp": (order.tax_terms or "").upper() == "DDP",
        "priority": order.priority,
        "promised_days": promised,
        "ship_date": today.isoformat(),
        "tags": " ".join(str(t) for t in order.tags or []),
    }
