"""Demo stock: Harbor & Pine Trading's 60 master SKUs in its three warehouses, two ocean
shipments on their way, and a transfer between the US warehouses in transit (another planned).

The SKUs are the shared demo catalogue (real UCI Online Retail products, `demo/catalogue.py`),
so demo orders and stock agree. Stock per warehouse follows each product's real popularity
(invoice lines) with seeded noise: the US warehouses carry the fast movers, the UK one
(Daventry) most of the range, and a few SKUs are out of stock somewhere so allocation has to
split or go further. Deterministic (one seeded RNG), idempotent (skipped when the SKUs exist).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from linkstar.demo.catalogue import CatalogueItem, catalogue
from linkstar.inventory import inbound, service, transfers
from linkstar.inventory.core import LedgerKind, move
from linkstar.inventory.models import Sku
from linkstar.inventory.repository import SkuRepository, StockLevelRepository
from linkstar.inventory.schemas import InboundCreate, SkuCreate, TransferCreate, TransferLineIn
from linkstar.kit.clock import utcnow
from linkstar.orders.stock import service as stock_publishing
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Principal

log = logging.getLogger(__name__)

SEED = 20261204
# Name keyword → (HS code, weight range g, box mm (l, w, h), battery, liquid, fragile)
KINDS: tuple[tuple[str, str, tuple[int, int], tuple[int, int, int], bool, bool, bool], ...] = (
    ("CAKESTAND", "6912.00", (1400, 1900), (330, 330, 120), False, False, True),
    ("NIGHT LIGHT", "9405.21", (120, 260), (130, 110, 110), True, False, False),
    ("LIGHT", "9405.21", (150, 400), (160, 140, 140), False, False, True),
    ("T-LIGHT", "7013.99", (250, 450), (160, 140, 140), False, False, True),
    ("LUNCH BOX", "3924.10", (180, 260), (200, 150, 80), False, False, False),
    ("SNACK BOXES", "3924.10", (220, 320), (160, 160, 110), False, False, False),
    ("BAG", "4202.92", (90, 180), (300, 250, 15), False, False, False),
    ("CAKE CASES", "4823.69", (60, 120), (110, 110, 60), False, False, False),
    ("PLASTERS", "3005.10", (40, 70), (95, 60, 20), False, False, False),
    ("BOTTLE", "3924.90", (300, 700), (290, 110, 110), False, False, False),
    ("MUG", "6912.00", (300, 420), (130, 100, 110), False, False, True),
    ("JAR", "7013.99", (350, 600), (140, 140, 160), False, False, True),
)
DEFAULT_KIND = ("9505.90", (150, 600), (220, 160, 90), False, False, False)
# Warehouse code → share of a SKU's base quantity it holds, and the chance it holds none.
SPREAD = {"US-CA-ONT": (1.0, 0.12), "US-NJ-EDI": (0.8, 0.15), "UK-NN-DAV": (0.6, 0.05)}


def load_inventory(session: Session, actor: Principal, data_dir: Path) -> int:
    """Create the demo SKUs, stock and inbound shipments; returns the SKUs created."""
    items = catalogue(data_dir)
    if not items:
        log.warning("demo stock not loaded: the UCI retail file is absent from %s", data_dir)
        return 0
    if SkuRepository(session, actor.organisation_id).count() > 0:
        return 0
    rng = random.Random(SEED)
    skus = [service.create_sku(session, actor, _sku(item, rng)) for item in items]
    warehouses = {
        w.code: w for w in wrepo.WarehouseRepository(session, actor.organisation_id).list()
    }
    _stock(session, actor, items, skus, warehouses, rng)
    _inbound(session, actor, items, warehouses)
    _transfers(session, actor, skus, warehouses)
    return len(skus)


def _sku(item: CatalogueItem, rng: random.Random) -> SkuCreate:
    upper = item.name.upper()
    hs, weight, box, battery, liquid, fragile = next(
        (k[1:] for k in KINDS if k[0] in upper), DEFAULT_KIND
    )
    return SkuCreate(
        sku=item.sku,
        name=item.name,
        weight_g=rng.randint(*weight),
        length_mm=box[0],
        width_mm=box[1],
        height_mm=box[2],
        hs_code=hs,
        origin_country=rng.choice(("CN", "CN", "CN", "GB", "IN")),
        has_battery=battery,
        has_liquid=liquid,
        is_fragile=fragile,
    )


def _stock(session, actor, items, skus, warehouses, rng) -> None:  # type: ignore[no-untyped-def]
    pairs = []
    plan: list[tuple[Sku, str, int, int]] = []
    for item, sku in zip(items, skus, strict=True):
        base = item.lines * 2  # popularity in the wholesaler's invoices → units held
        for code, (share, empty) in SPREAD.items():
            if code not in warehouses:
                continue
            units = 0 if rng.random() < empty else int(base * share * rng.uniform(0.6, 1.4))
            safety = max(2, units // 20) if units else 0
            plan.append((sku, code, units, safety))
            pairs.append((sku.id, warehouses[code].id))
    levels = StockLevelRepository(session, actor.organisation_id).for_pairs(pairs)
    moves = []
    for sku, code, units, safety in plan:
        level = levels[(sku.id, warehouses[code].id)]
        level.safety_stock = safety
        if units:
            moves.append(service.StockMove(level, move(LedgerKind.receipt, units), "OPENING-STOCK"))
    session.flush()
    service.apply_moves(session, actor, moves)


def _inbound(session, actor, items, warehouses) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    shipments = []
    if "US-CA-ONT" in warehouses:
        shipments.append(
            {
                "reference": "PO-HP-2611",
                "warehouse": "US-CA-ONT",
                "legs": [
                    {
                        "kind": "factory",
                        "origin": "Yiwu, Zhejiang (supplier)",
                        "destination": "Ningbo CFS",
                        "departed_at": day(-21),
                        "arrived_at": day(-19),
                    },
                    {
                        "kind": "consolidation",
                        "origin": "Ningbo CFS",
                        "destination": "Ningbo port (CNNGB)",
                        "departed_at": day(-17),
                        "arrived_at": day(-16),
                    },
                    {
                        "kind": "ocean",
                        "origin": "CNNGB",
                        "destination": "Long Beach (USLGB)",
                        "carrier": "COSCO",
                        "tracking_ref": "COSU6284419730",
                        "departed_at": day(-14),
                        "eta": day(4),
                    },
                    {
                        "kind": "truck",
                        "origin": "USLGB",
                        "destination": "US-CA-ONT",
                        "carrier": "Drayage",
                        "eta": day(7),
                    },
                ],
                "lines": [
                    {"sku": i.sku, "quantity": 240 + 24 * (n % 5)} for n, i in enumerate(items[:8])
                ],
            }
        )
    if "UK-NN-DAV" in warehouses:
        shipments.append(
            {
                "reference": "PO-HP-2614",
                "warehouse": "UK-NN-DAV",
                "legs": [
                    {
                        "kind": "factory",
                        "origin": "Shenzhen (supplier)",
                        "destination": "Yantian CFS",
                        "departed_at": day(-6),
                        "arrived_at": day(-5),
                    },
                    {
                        "kind": "ocean",
                        "origin": "CNYTN",
                        "destination": "Felixstowe (GBFXT)",
                        "carrier": "Evergreen",
                        "tracking_ref": "EGLV142600871234",
                        "eta": day(29),
                    },
                    {
                        "kind": "truck",
                        "origin": "GBFXT",
                        "destination": "UK-NN-DAV",
                        "eta": day(31),
                    },
                ],
                "lines": [
                    {"sku": i.sku, "quantity": 120 + 12 * (n % 4)}
                    for n, i in enumerate(items[4:12])
                ],
            }
        )
    for data in shipments:
        inbound.create(session, actor, InboundCreate.model_validate(data))


def publish_dry_run(session: Session, organisation_id: str) -> int:
    """One dry-run publication per demo store: the log shows what each would list, labelled
    as a dry run; demo stores have no real credentials, so nothing is ever sent."""
    stores = wrepo.StoreRepository(session, organisation_id).list()
    for store in stores:
        stock_publishing.publish_store(
            session, organisation_id, store.id, None, trigger="demo", dry_run=True
        )
    return len(stores)


def _transfers(session, actor, skus, warehouses) -> None:  # type: ignore[no-untyped-def]
    """Rebalancing the US coasts: a truckload on its way from Ontario to Edison (inbound there
    until received) and a draft for next week, of the SKUs Ontario holds most of."""
    if not {"US-CA-ONT", "US-NJ-EDI"} <= warehouses.keys():
        return
    ont = warehouses["US-CA-ONT"].id
    levels = {
        level.sku_id: level
        for level in StockLevelRepository(session, actor.organisation_id).list(warehouse_id=ont)
    }
    held = [x for x in skus if x.id in levels and levels[x.id].on_hand >= 10]
    by_stock = sorted(held, key=lambda x: (-levels[x.id].on_hand, x.sku))
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    plans = [("TR-HP-1203", by_stock[:3], 5, True), ("TR-HP-1210", by_stock[3:5], 12, False)]
    for reference, chosen, eta_days, dispatch in plans:
        if not chosen:
            continue
        data = TransferCreate(
            reference=reference,
            from_warehouse="US-CA-ONT",
            to_warehouse="US-NJ-EDI",
            lines=[TransferLineIn(sku=x.sku, quantity=levels[x.id].on_hand // 10) for x in chosen],
            carrier="Old Dominion Freight Line",
            tracking_ref=f"ODFL{reference[-4:]}77" if dispatch else "",
            eta=today + timedelta(days=eta_days),
            note="rebalance east coast stock",
        )
        row = transfers.create(session, actor, data)
        if dispatch:
            transfers.dispatch(session, actor, row.id)
