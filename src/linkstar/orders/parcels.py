"""An allocated order as the parcels rating.routing prices: ORDERS rows (docs/formats/routing.md).

- one parcel per warehouse the order's units are reserved in: an order allocated in one
  warehouse is one row whose order_id is the order id; a split order (allocation spread it over
  several warehouses) is one row per warehouse, order_id `<order id>/<warehouse code>`, holding
  that warehouse's units of each line, so each part is routed from where it leaves;
- origin: that warehouse;
- destination: the ship-to; residential unless a company is named;
- weight: the sum of SKU weight x quantity; size: the longest length and width of the lines and
  the stacked heights (a conservative box); a SKU without a weight leaves weight_g empty, so
  routing holds the order with `missing_weight_g` instead of guessing;
- declared value: the goods (subtotal - discount) in the order currency; a split parcel declares
  its share, by the list value (unit price x units) of the lines it carries;
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

SEPARATOR = "/"


def order_of(ref: str) -> str:
    """The order id of a parcel reference (`<order id>` or `<order id>/<warehouse code>`)."""
    return ref.split(SEPARATOR, 1)[0]


def parcel_rows(
    order: Order,
    lines: Sequence[OrderLine],
    reserved: Sequence[Any],
    warehouses: dict[str, Any],
    skus: dict[str, Any],
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The ORDERS rows of one allocated order: one per warehouse its units are reserved in."""
    by_site: dict[str, dict[str, int]] = {}  # warehouse id → order line id → units
    for row in reserved:
        site = by_site.setdefault(row.warehouse_id, {})
        site[row.line_ref] = site.get(row.line_ref, 0) + row.quantity
    if len(by_site) <= 1:
        origin = warehouses.get(next(iter(by_site))) if by_site else None
        parts = [(order.id, origin, [(x, x.quantity) for x in lines])]
    else:
        parts = []
        for site_id in sorted(by_site, key=lambda w: getattr(warehouses.get(w), "code", w)):
            origin = warehouses.get(site_id)
            code = origin.code if origin is not None else site_id
            mine = [(x, by_site[site_id][x.id]) for x in lines if by_site[site_id].get(x.id)]
            parts.append((f"{order.id}{SEPARATOR}{code}", origin, mine))
    listed = sum(((x.unit_price or Decimal(0)) * x.quantity for x in lines), Decimal(0))
    rows = []
    for number, (ref, origin, carried) in enumerate(parts, start=1):
        share = Decimal(1)
        if len(parts) > 1 and listed > 0:
            share = sum(((x.unit_price or Decimal(0)) * q for x, q in carried), Decimal(0)) / listed
        row = _row(order, ref, origin, carried, skus, share, today or utcnow().date())
        if len(parts) > 1:
            row["parcel"] = f"{number} of {len(parts)}"
        rows.append(row)
    return rows


def _row(
    order: Order,
    ref: str,
    origin: Any,
    carried: Sequence[tuple[OrderLine, int]],
    skus: dict[str, Any],
    share: Decimal,
    today: date,
) -> dict[str, Any]:
    weight = length = width = height = 0
    contents: set[str] = set()
    missing_weight = False
    for line, quantity in carried:
        sku = skus.get(line.master_sku)
        if sku is None or sku.weight_g <= 0:
            missing_weight = True
            continue
        weight += sku.weight_g * quantity
        length, width = max(length, sku.length_mm), max(width, sku.width_mm)
        height += sku.height_mm * quantity
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
    goods = max(Decimal(0), (order.subtotal or Decimal(0)) - (order.discount or Decimal(0)))
    value = goods * share
    return {
        "order_id": ref,
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
