"""Use cases of inventory: SKUs, stock counters, receipts and adjustments, the ledger.

Never commits: the entry point owns the transaction. Every counter change goes through
`apply_moves`, which changes the counters with a conditional UPDATE and writes the ledger
entries in the same transaction, so the ledger and the counters cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkstar.inventory.core import Counters, LedgerKind, Move, move
from linkstar.inventory.models import InboundLine, InboundShipment, LedgerEntry, Sku, StockLevel
from linkstar.inventory.repository import (
    LedgerRepository,
    SkuRepository,
    StockLevelRepository,
    TransferRepository,
)
from linkstar.inventory.schemas import AdjustmentCreate, ReceiptCreate, SkuCreate, StockRead
from linkstar.kit.errors import Conflict, InvalidInput, NotFound
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.models import Warehouse

READ = Permission.inventory_read
WRITE = Permission.inventory_write


@dataclass(frozen=True, slots=True)
class StockMove:
    """One counter change to make: which level, which move, why."""

    level: StockLevel
    move: Move
    reference: str = ""
    note: str = ""


def create_sku(session: Session, actor: Principal, data: SkuCreate) -> Sku:
    """Add a master SKU; a taken code is a 409."""
    actor.require(WRITE)
    skus = SkuRepository(session, actor.organisation_id)
    if skus.find(sku=data.sku) is not None:
        raise Conflict(f"SKU {data.sku} already exists", {"field": "sku"})
    try:
        with session.begin_nested():
            row = skus.add(Sku(**data.model_dump()))
    except IntegrityError:
        raise Conflict(f"SKU {data.sku} already exists", {"field": "sku"}) from None
    audit.record(session, actor, "sku.created", row, after={"sku": row.sku, "name": row.name})
    return row


def skus_page(session: Session, actor: Principal, limit: int, cursor: str | None) -> Page[Sku]:
    actor.require(READ)
    return SkuRepository(session, actor.organisation_id).page(limit, cursor)


def get_sku(session: Session, actor: Principal, sku_id: str) -> Sku:
    actor.require(READ)
    return SkuRepository(session, actor.organisation_id).get(sku_id)


def sku_by_code(session: Session, actor: Principal, code: str) -> Sku:
    """The SKU with this code, or NotFound."""
    row = SkuRepository(session, actor.organisation_id).find(sku=code)
    if row is None:
        raise NotFound(f"no SKU {code!r}", {"field": "sku"})
    return row


def known_skus(session: Session, actor: Principal, codes: Sequence[str]) -> dict[str, Sku]:
    """The SKUs with these codes, by code; InvalidInput listing the unknown ones."""
    skus = SkuRepository(session, actor.organisation_id).by_codes(codes)
    missing = sorted(set(codes) - skus.keys())
    if missing:
        raise InvalidInput(f"unknown SKU(s): {', '.join(missing)}", {"skus": missing})
    return skus


def warehouse(session: Session, actor: Principal, warehouse_id: str) -> Warehouse:
    """A warehouse of the organisation; NotFound carries the field for forms and imports."""
    try:
        return wrepo.WarehouseRepository(session, actor.organisation_id).get(warehouse_id)
    except NotFound:
        raise NotFound(f"no warehouse {warehouse_id}", {"field": "warehouse_id"}) from None


def warehouse_by_code(session: Session, actor: Principal, code: str) -> Warehouse:
    row = wrepo.WarehouseRepository(session, actor.organisation_id).find(code=code.upper())
    if row is None:
        raise NotFound(f"no warehouse with code {code!r}", {"field": "warehouse"})
    return row


def apply_moves(session: Session, actor: Principal, moves: Sequence[StockMove]) -> None:
    """Change the counters and write the ledger, all or nothing.

    Levels are updated in id order so concurrent transactions take row locks in one order and
    cannot deadlock each other. A move that would make stock negative or leave fewer units on
    hand than are reserved changes nothing and raises InvalidInput.
    """
    levels = StockLevelRepository(session, actor.organisation_id)
    for item in sorted(moves, key=lambda m: m.level.id):
        delta = item.move
        if not levels.move(item.level.id, delta.on_hand_delta, delta.allocated_delta):
            raise InvalidInput(
                f"{delta.kind.value} of {delta.on_hand_delta or delta.allocated_delta:+d} "
                "would leave stock negative or below what is reserved",
                {"stock_level_id": item.level.id, "kind": delta.kind.value},
            )
    LedgerRepository(session, actor.organisation_id).write(
        [
            {
                "stock_level_id": m.level.id,
                "sku_id": m.level.sku_id,
                "warehouse_id": m.level.warehouse_id,
                "kind": m.move.kind.value,
                "on_hand_delta": m.move.on_hand_delta,
                "allocated_delta": m.move.allocated_delta,
                "reference": m.reference,
                "note": m.note,
                "actor": actor.label,
            }
            for m in moves
        ]
    )
    for m in moves:
        session.expire(m.level)


def level_of(session: Session, actor: Principal, sku_id: str, warehouse_id: str) -> StockLevel:
    """The stock level of a SKU in a warehouse, created at zero when missing."""
    levels = StockLevelRepository(session, actor.organisation_id)
    return levels.for_pairs([(sku_id, warehouse_id)])[(sku_id, warehouse_id)]


def adjust(session: Session, actor: Principal, data: AdjustmentCreate) -> StockLevel:
    """Correct on_hand by a signed quantity, with a reason, as an adjustment entry."""
    actor.require(WRITE)
    sku = sku_by_code(session, actor, data.sku)
    site = warehouse_by_code(session, actor, data.warehouse)
    level = level_of(session, actor, sku.id, site.id)
    step = StockMove(level, move(LedgerKind.adjustment, data.quantity), data.reference, data.reason)
    apply_moves(session, actor, [step])
    return level


def receive(session: Session, actor: Principal, data: ReceiptCreate) -> StockLevel:
    """Book units that arrived (outside an inbound shipment) onto on_hand."""
    actor.require(WRITE)
    sku = sku_by_code(session, actor, data.sku)
    site = warehouse_by_code(session, actor, data.warehouse)
    level = level_of(session, actor, sku.id, site.id)
    apply_moves(
        session, actor, [StockMove(level, move(LedgerKind.receipt, data.quantity), data.reference)]
    )
    return level


def set_safety_stock(
    session: Session, actor: Principal, sku_code: str, warehouse_code: str, units: int
) -> StockLevel:
    """Units held back from allocation in one warehouse (not a ledger move)."""
    actor.require(WRITE)
    if units < 0:
        raise InvalidInput("safety stock cannot be negative", {"field": "safety_stock"})
    sku = sku_by_code(session, actor, sku_code)
    level = level_of(session, actor, sku.id, warehouse_by_code(session, actor, warehouse_code).id)
    level.safety_stock = units
    session.flush()
    return level


def inbound_units(session: Session, organisation_id: str) -> dict[tuple[str, str], int]:
    """(sku id, warehouse id) → units on inbound shipments and transfers in transit that have
    not been received yet."""
    stmt = (
        select(
            InboundLine.sku_id,
            InboundShipment.warehouse_id,
            func.sum(InboundLine.quantity - InboundLine.received_quantity),
        )
        .join(InboundShipment, InboundShipment.id == InboundLine.shipment_id)
        .where(InboundLine.organisation_id == organisation_id, InboundShipment.status != "received")
        .group_by(InboundLine.sku_id, InboundShipment.warehouse_id)
    )
    found = {(s, w): int(q or 0) for s, w, q in session.execute(stmt)}
    for key, units in TransferRepository(session, organisation_id).in_transit_units().items():
        found[key] = found.get(key, 0) + units
    return found


def stock_table(
    session: Session,
    actor: Principal,
    sku: str | None = None,
    warehouse_id: str | None = None,
    limit: int = 500,
) -> list[StockRead]:
    """Counters by SKU and warehouse, with available and inbound units."""
    actor.require(READ)
    rows = StockLevelRepository(session, actor.organisation_id).table(sku, warehouse_id, limit)
    inbound = inbound_units(session, actor.organisation_id)
    return [
        StockRead(
            id=level.id,
            sku_id=item.id,
            sku=item.sku,
            sku_name=item.name,
            warehouse_id=site.id,
            warehouse_code=site.code,
            on_hand=level.on_hand,
            allocated=level.allocated,
            safety_stock=level.safety_stock,
            available=Counters(level.on_hand, level.allocated).available(level.safety_stock),
            inbound=inbound.get((item.id, site.id), 0),
        )
        for level, item, site in rows
    ]


def stock_of(session: Session, actor: Principal, level: StockLevel) -> StockRead:
    """The table row of one stock level."""
    session.refresh(level)
    sku = SkuRepository(session, actor.organisation_id).get(level.sku_id)
    [row] = stock_table(session, actor, sku.sku, level.warehouse_id, limit=1)
    return row


def ledger_page(
    session: Session,
    actor: Principal,
    limit: int,
    cursor: str | None,
    sku_id: str | None = None,
    warehouse_id: str | None = None,
) -> Page[LedgerEntry]:
    """The ledger, newest first, optionally for one SKU and/or warehouse."""
    actor.require(READ)
    filters = {k: v for k, v in (("sku_id", sku_id), ("warehouse_id", warehouse_id)) if v}
    return LedgerRepository(session, actor.organisation_id).page_newest_first(
        limit, cursor, **filters
    )


def skus_all(session: Session, actor: Principal) -> list[Sku]:
    """Every SKU of the organisation, by code."""
    actor.require(READ)
    return SkuRepository(session, actor.organisation_id).list()
