"""Demo orders: a few hundred orders over the last 60 days across the demo's three stores.

Products are the demo catalogue's real master SKUs (UCI Online Retail); each store sells them
under its own channel SKUs, mapped through SKU mappings (plus one gift bundle). US destinations
are real standard ZIP codes (the `zipcodes` package) inside the USPS zone chart's area, with a
few UK and Canadian orders. Everything comes from a fixed seed; the orders go through the real
ingestion (address check, rules, holds), so some are held for their address and some are
cancelled by a later copy. Skipped (one log line) without the reference data.
"""

from __future__ import annotations

import csv
import gzip
import logging
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from linkstar.demo.catalogue import CatalogueItem, catalogue
from linkstar.orders import setup
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
    TaxTerms,
)
from linkstar.orders.ingest import ingest
from linkstar.orders.repository import OrderRuleRepository
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal

log = logging.getLogger(__name__)

SEED = 20261204
DAYS = 60
ORDERS = 360
USPS_FILE = "usps_zone_chart_2018-06_zip3_ranges.csv.gz"
FX_GBP_USD = Decimal("1.27")
RETAIL_MARKUP = Decimal("2.6")
FIRST = [
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "Lucas",
    "Mia",
    "Mateo",
    "Amelia",
    "Ethan",
    "Harper",
    "Aiden",
    "Chloe",
    "Daniel",
    "Priya",
    "Wei",
    "Fatima",
    "Diego",
    "Hannah",
    "Kenji",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Lee",
    "Nguyen",
    "Patel",
    "Kim",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
]
STREETS = [
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Pine St",
    "Washington Ave",
    "Lakeview Dr",
    "Park Ave",
    "Hillcrest Rd",
    "Sunset Blvd",
    "Church St",
]
# Real street addresses abroad (public landmarks' postal addresses).
ABROAD = [
    PostalAddress(line1="1 Princes Street", city="Edinburgh", postcode="EH2 2EQ", country="GB"),
    PostalAddress(line1="50 Baker Street", city="London", postcode="W1U 7BT", country="GB"),
    PostalAddress(line1="1 Deansgate", city="Manchester", postcode="M3 1AZ", country="GB"),
    PostalAddress(
        line1="301 Front St W", city="Toronto", state="ON", postcode="M5V 2T6", country="CA"
    ),
    PostalAddress(
        line1="1055 Canada Pl", city="Vancouver", state="BC", postcode="V6C 0C3", country="CA"
    ),
]
RULES: list[dict[str, Any]] = [
    {
        "name": "High-value orders ship with priority",
        "when": {"field": "total", "op": "gte", "value": 150},
        "then": [
            {"type": "tag", "tag": "high_value"},
            {"type": "set_priority", "priority": "high"},
        ],
    },
    {
        "name": "Canada and UK need an export check",
        "when": {"field": "ship_to.country", "op": "in", "value": ["CA", "GB"]},
        "then": [
            {"type": "hold", "reason": "export_check", "detail": "check the commercial invoice"},
            {"type": "set_warehouse", "warehouse": "UK1"},
        ],
    },
    {
        "name": "Gift trios leave from Newark",
        "when": {"field": "lines[].channel_sku", "op": "in", "value": ["AMZ-GIFT-TRIO", "HP-TRIO"]},
        "then": [{"type": "set_warehouse", "warehouse": "NJ1"}, {"type": "tag", "tag": "gift"}],
    },
]
STORE_SKU = {  # store name → how that store writes a master SKU's code
    "Amazon US": "HPA-{code}-US",
    "Shopify — harborpine.com": "HP{code}",
    "TikTok Shop US": "TT-{code}",
}
STORE_CHANNEL = {
    "Amazon US": Channel.AMAZON,
    "Shopify — harborpine.com": Channel.SHOPIFY,
    "TikTok Shop US": Channel.TIKTOK,
}


@dataclass(frozen=True)
class OrdersDemo:
    orders: int
    held: int
    skipped: str | None = None


def chart_zips(data_dir: Path, rng: random.Random, count: int = 400) -> list[dict[str, str]]:
    """Real standard ZIP codes whose ZIP3 the USPS zone chart covers (a seeded sample)."""
    import zipcodes

    covered: set[str] = set()
    with gzip.open(data_dir / USPS_FILE, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            start, end = int(row["dest_zip_start"]), int(row["dest_zip_end"])
            covered.update(f"{z:03d}" for z in range(start, end + 1))
    pool = sorted(
        (
            z
            for z in zipcodes.list_all()
            if z["zip_code_type"] == "STANDARD" and z["active"] and z["zip_code"][:3] in covered
        ),
        key=lambda z: str(z["zip_code"]),
    )
    return rng.sample(pool, min(count, len(pool)))


def _price(item: CatalogueItem) -> Decimal:
    retail = item.unit_price * FX_GBP_USD * RETAIL_MARKUP
    return max(Decimal("4.99"), retail.quantize(Decimal("1")) - Decimal("0.01"))


def _code(item: CatalogueItem) -> str:
    return item.sku.removeprefix("HP-")


def load_orders(
    session: Session, actor: Principal, data_dir: Path, now: datetime | None = None
) -> OrdersDemo:
    """SKU mappings, three rules and ~360 orders for the demo stores (idempotent)."""
    items = catalogue(data_dir)
    if not items or not (data_dir / USPS_FILE).is_file():
        skipped = f"demo: reference data missing under {data_dir}, demo orders skipped"
        log.warning(skipped)
        return OrdersDemo(0, 0, skipped)
    rng = random.Random(SEED)
    stores = {s.name: s for s in repo.StoreRepository(session, actor.organisation_id).list()}
    stores = {name: stores[name] for name in STORE_SKU if name in stores}
    for name, store in stores.items():
        for item in items:
            setup.put_mapping(
                session,
                actor,
                store_id=store.id,
                master_sku=item.sku,
                channel_sku=STORE_SKU[name].format(code=_code(item)),
            )
    trio = [{"sku": i.sku, "quantity": 1} for i in items[:3]]
    setup.put_mapping(
        session, actor, channel="amazon", channel_sku="AMZ-GIFT-TRIO", components=trio
    )
    setup.put_mapping(session, actor, channel="shopify", channel_sku="HP-TRIO", components=trio)
    if not OrderRuleRepository(session, actor.organisation_id).list():
        for rule in RULES:
            setup.create_rule(session, actor, rule)
    zips = chart_zips(data_dir, rng)
    anchor = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    weights = [i.lines for i in items]
    first: dict[str, list[tuple[ChannelOrder, dict[str, Any]]]] = {name: [] for name in stores}
    later: dict[str, list[tuple[ChannelOrder, dict[str, Any]]]] = {name: [] for name in stores}
    for n in range(ORDERS):
        name = rng.choice(list(stores))
        order, raw = _order(n, name, rng, items, weights, zips, anchor)
        first[name].append((order, raw))
        if rng.random() < 0.07 and order.status is ChannelStatus.OPEN:
            cancelled = _replace_status(order, ChannelStatus.CANCELLED, timedelta(hours=3))
            later[name].append((cancelled, {**raw, "status_note": "cancelled by buyer"}))
    held = created = 0
    # One import per store, then the cancellations as later copies (updates on the timeline).
    for batch in (first, later):
        for name, copies in batch.items():
            report = ingest(
                session, actor.organisation_id, stores[name].id, copies, "poll", actor="demo"
            )
            created += report.created
            held += report.held
    return OrdersDemo(created, held)


def _replace_status(order: ChannelOrder, status: ChannelStatus, later: timedelta) -> ChannelOrder:
    return replace(order, status=status, version=order.version + later)


def _order(
    n: int,
    store_name: str,
    rng: random.Random,
    items: tuple[CatalogueItem, ...],
    weights: list[int],
    zips: list[dict[str, str]],
    anchor: datetime,
) -> tuple[ChannelOrder, dict[str, Any]]:
    channel = STORE_CHANNEL[store_name]
    placed = anchor - timedelta(minutes=rng.randrange(DAYS * 24 * 60))
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first.lower()}.{last.lower()}{rng.randrange(10, 99)}@example.com"
    roll = rng.random()
    if roll < 0.06:
        base = rng.choice(ABROAD)
        ship = PostalAddress(
            name=f"{first} {last}",
            line1=base.line1,
            city=base.city,
            state=base.state,
            postcode=base.postcode,
            country=base.country,
            phone="+44 20 7946 0958",
        )
    else:
        z = rng.choice(zips)
        city = z["city"] if roll > 0.09 else "Springfield"  # a few wrong cities → address hold
        ship = PostalAddress(
            name=f"{first} {last}",
            line1=f"{rng.randrange(10, 9899)} {rng.choice(STREETS)}",
            line2=f"Apt {rng.randrange(1, 40)}" if rng.random() < 0.2 else None,
            city=city,
            state=z["state"],
            postcode=z["zip_code"],
            country="US",
            phone=f"+1 {rng.randrange(201, 989)} 555 {rng.randrange(1000, 9999)}",
        )
    lines: list[OrderLine] = []
    for j, item in enumerate(rng.choices(items, weights=weights, k=rng.choice((1, 1, 1, 2, 2, 3)))):
        sku = STORE_SKU[store_name].format(code=_code(item))
        if any(x.channel_sku == sku for x in lines):
            continue
        lines.append(
            OrderLine(f"{n}-{j + 1}", sku, rng.choice((1, 1, 1, 2, 3)), _price(item), item.name)
        )
    if store_name != "TikTok Shop US" and rng.random() < 0.06:
        trio = "AMZ-GIFT-TRIO" if channel is Channel.AMAZON else "HP-TRIO"
        lines.append(OrderLine(f"{n}-9", trio, 1, Decimal("49.99"), "Gift trio"))
    subtotal = sum((x.unit_price * x.quantity for x in lines), Decimal("0"))
    shipping = Decimal("0") if subtotal >= 35 else Decimal("5.99")
    age = anchor - placed
    status = (
        ChannelStatus.SHIPPED
        if age > timedelta(days=4) and rng.random() < 0.75
        else ChannelStatus.OPEN
    )
    if channel is Channel.AMAZON:
        external = (
            f"11{rng.randrange(1, 4)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"
        )
        number = external
    elif channel is Channel.SHOPIFY:
        external = str(5_600_000_000_000 + n * 7919)
        number = f"#{1001 + n}"
    else:
        external = str(576_000_000_000_000_000 + n * 104_729)
        number = external
    level = rng.choice(("Standard", "Standard", "Standard", "Expedited"))
    order = ChannelOrder(
        channel=channel,
        external_id=external,
        external_number=number,
        version=placed + timedelta(minutes=rng.randrange(1, 30)),
        placed_at=placed,
        status=status,
        currency="USD",
        lines=tuple(lines),
        buyer=Buyer(f"{first} {last}", email),
        ship_to=ship,
        subtotal=subtotal,
        shipping=shipping,
        total=subtotal + shipping,
        ship_by=placed + timedelta(days=2),
        deliver_by=placed + timedelta(days=7 if level == "Standard" else 3),
        ship_service_level=level,
        tax_terms=TaxTerms.DDP if ship.country != "US" else None,
    )
    return order, _raw(order)


def _raw(o: ChannelOrder) -> dict[str, Any]:
    """A small payload in the channel's own field names (what a connector would have kept)."""
    if o.channel is Channel.AMAZON:
        return {
            "AmazonOrderId": o.external_id,
            "PurchaseDate": o.placed_at.isoformat(),
            "LastUpdateDate": o.version.isoformat(),
            "OrderStatus": "Shipped" if o.status is ChannelStatus.SHIPPED else "Unshipped",
            "OrderTotal": {"CurrencyCode": o.currency, "Amount": str(o.total)},
            "ShipServiceLevel": o.ship_service_level,
            "NumberOfItemsUnshipped": sum(x.quantity for x in o.lines),
        }
    if o.channel is Channel.SHOPIFY:
        return {
            "id": int(o.external_id),
            "name": o.external_number,
            "created_at": o.placed_at.isoformat(),
            "updated_at": o.version.isoformat(),
            "financial_status": "paid",
            "fulfillment_status": "fulfilled" if o.status is ChannelStatus.SHIPPED else None,
            "total_price": str(o.total),
            "currency": o.currency,
        }
    return {
        "id": o.external_id,
        "status": "IN_TRANSIT" if o.status is ChannelStatus.SHIPPED else "AWAITING_SHIPMENT",
        "create_time": int(o.placed_at.timestamp()),
        "update_time": int(o.version.timestamp()),
        "payment": {"currency": o.currency, "total_amount": str(o.total)},
    }
