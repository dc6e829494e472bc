"""Every query of inventory; tenant-scoped through the repository base.

The counter updates are single conditional UPDATE statements: the database checks and changes
a row in one step, so two transactions can never both take the last unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.exc import IntegrityError

from linkstar.db.base import Base
from linkstar.db.bulk import insert_rows
from linkstar.db.repository import Repository
from linkstar.inventory.models import (
    Allocation,
    InboundLeg,
    InboundLine,
    InboundShipment,
    LedgerEntry,
    Sku,
    StockLevel,
    StockReturn,
    StockReturnLine,
    StoreStockPolicy,
    Transfer,
    TransferLine,
)
from linkstar.kit.clock import utcnow
from linkstar.kit.ids import new_id
from linkstar.workspace.models import Warehouse

# Take `q` units of what is available; no row changes when fewer are available.
_RESERVE = text(
    "UPDATE stock_levels SET allocated = allocated + :q, updated_at = :now "
    "WHERE id = :id AND organisation_id = :org AND on_hand - allocated - safety_stock >= :q"
)
# PostgreSQL: every level of a batch in one statement. The InitPlan locks the rows in id order
# before the UPDATE touches any (one lock order for every transaction: no deadlocks); the
# UPDATE then rechecks availability on the latest row version (READ COMMITTED re-evaluates
# its WHERE on a row another transaction changed), so it never takes more than is there.
_RESERVE_MANY_PG = text(
    "UPDATE stock_levels AS s SET allocated = s.allocated + w.q, updated_at = :now "
    "FROM unnest(CAST(:ids AS varchar[]), CAST(:qs AS integer[])) AS w(id, q) "
    "WHERE s.id = w.id AND s.organisation_id = :org "
    "AND s.on_hand - s.allocated - s.safety_stock >= w.q "
    "AND (SELECT count(*) FROM (SELECT l.id FROM stock_levels AS l "
    "WHERE l.id = ANY(CAST(:ids AS varchar[])) AND l.organisation_id = :org "
    "ORDER BY l.id FOR UPDATE) AS locked) >= 0 "
    "RETURNING s.id"
)
# Apply ledger deltas only when the result keeps 0 <= allocated <= on_hand.
_MOVE = text(
    "UPDATE stock_levels SET on_hand = on_hand + :dh, allocated = allocated + :da, "
    "updated_at = :now WHERE id = :id AND organisation_id = :org "
    "AND on_hand + :dh >= 0 AND allocated + :da >= 0 AND allocated + :da <= on_hand + :dh"
)


class SkuRepository(Repository[Sku]):
    model = Sku
    order_column = "sku"

    def by_codes(self, codes: Iterable[str]) -> dict[str, Sku]:
        """The SKUs with these codes, by code (unknown codes are simply absent)."""
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        rows = self.session.scalars(self.select().where(Sku.sku.in_(wanted)))
        return {row.sku: row for row in rows}

    def select_ids(self, ids: Iterable[str]) -> list[Sku]:
        """The SKUs with these ids."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        return list(self.session.scalars(self.select().where(Sku.id.in_(wanted))))


class StockLevelRepository(Repository[StockLevel]):
    model = StockLevel
    order_column = "id"

    def for_pairs(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StockLevel]:
        """Levels by (sku id, warehouse id), creating the missing ones with zero counters."""
        wanted = set(pairs)
        if not wanted:
            return {}
        sku_ids = {s for s, _ in wanted}
        found = {
            (row.sku_id, row.warehouse_id): row
            for row in self.session.scalars(self.select().where(StockLevel.sku_id.in_(sku_ids)))
        }
        for sku_id, warehouse_id in sorted(wanted - found.keys()):
            try:
                with self.session.begin_nested():
                    level = self.add(StockLevel(sku_id=sku_id, warehouse_id=warehouse_id))
            except IntegrityError:  # a concurrent transaction created it first: use that one
                level = self.session.scalars(
                    self.select().where(
                        StockLevel.sku_id == sku_id, StockLevel.warehouse_id == warehouse_id
                    )
                ).one()
            found[(sku_id, warehouse_id)] = level
        return found

    def for_skus(self, sku_ids: Iterable[str]) -> list[StockLevel]:
        """Every level of these SKUs, fresh from the database."""
        ids = sorted(set(sku_ids))
        if not ids:
            return []
        stmt = (
            self.select()
            .where(StockLevel.sku_id.in_(ids))
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def table(
        self, sku: str | None = None, warehouse_id: str | None = None, limit: int = 500
    ) -> list[tuple[StockLevel, Sku, Warehouse]]:
        """Levels with their SKU and warehouse, by SKU then warehouse code."""
        stmt = (
            select(StockLevel, Sku, Warehouse)
            .join(Sku, Sku.id == StockLevel.sku_id)
            .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
            .where(StockLevel.organisation_id == self.organisation_id)
        )
        if sku:
            stmt = stmt.where(Sku.sku == sku)
        if warehouse_id:
            stmt = stmt.where(StockLevel.warehouse_id == warehouse_id)
        stmt = stmt.order_by(Sku.sku, Warehouse.code).limit(limit)
        return [(a, b, c) for a, b, c in self.session.execute(stmt)]

    def reserve(self, level_id: str, quantity: int) -> bool:
        """Atomically reserve `quantity` units if that many are available; True when it did."""
        params = {"q": quantity, "id": level_id, "org": self.organisation_id, "now": utcnow()}
        return self.session.connection().execute(_RESERVE, params).rowcount == 1

    def reserve_many(self, wanted: dict[str, int]) -> set[str]:
        """Reserve each level's quantity where that many are available, all or nothing per
        level; returns the levels that had too few (nothing was taken from those).

        One statement on PostgreSQL (the lock window of a batch is one round trip, not one per
        level); SQLite, whose writers are serialised anyway, takes the levels one by one.
        """
        ids = sorted(wanted)
        if not ids:
            return set()
        if self.session.get_bind().dialect.name == "postgresql":
            params = {
                "ids": ids,
                "qs": [wanted[i] for i in ids],
                "org": self.organisation_id,
                "now": utcnow(),
            }
            taken = set(self.session.connection().execute(_RESERVE_MANY_PG, params).scalars())
            return set(ids) - taken
        return {level_id for level_id in ids if not self.reserve(level_id, wanted[level_id])}

    def move(self, level_id: str, on_hand_delta: int, allocated_delta: int) -> bool:
        """Atomically apply deltas if the counters stay valid; True when it did."""
        params = {
            "dh": on_hand_delta,
            "da": allocated_delta,
            "id": level_id,
            "org": self.organisation_id,
            "now": utcnow(),
        }
        return self.session.connection().execute(_MOVE, params).rowcount == 1

    def counters(self) -> dict[tuple[str, str], tuple[str, int, int]]:
        """(sku id, warehouse id) → (level id, on_hand, allocated), for reconciliation."""
        stmt = select(
            StockLevel.sku_id,
            StockLevel.warehouse_id,
            StockLevel.id,
            StockLevel.on_hand,
            StockLevel.allocated,
        ).where(StockLevel.organisation_id == self.organisation_id)
        return {(s, w): (i, h, a) for s, w, i, h, a in self.session.execute(stmt)}

    def overwrite(self, level_id: str, on_hand: int, allocated: int) -> None:
        """Set the counters (reconciliation repair only)."""
        self.session.execute(
            update(StockLevel)
            .where(StockLevel.id == level_id, StockLevel.organisation_id == self.organisation_id)
            .values(on_hand=on_hand, allocated=allocated, updated_at=utcnow())
        )


class LedgerRepository(Repository[LedgerEntry]):
    model = LedgerEntry
    order_column = "at"

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert ledger entries in one multi-row statement."""
        if rows:
            now = utcnow()
            insert_rows(
                self.session.connection(),
                _table(LedgerEntry),
                [
                    {"id": new_id(), "organisation_id": self.organisation_id, "at": now} | row
                    for row in rows
                ],
            )

    def sums(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(sku id, warehouse id) → (Σ on_hand deltas, Σ allocated deltas)."""
        stmt = (
            select(
                LedgerEntry.sku_id,
                LedgerEntry.warehouse_id,
                func.sum(LedgerEntry.on_hand_delta),
                func.sum(LedgerEntry.allocated_delta),
            )
            .where(LedgerEntry.organisation_id == self.organisation_id)
            .group_by(LedgerEntry.sku_id, LedgerEntry.warehouse_id)
        )
        return {(s, w): (int(h or 0), int(a or 0)) for s, w, h, a in self.session.execute(stmt)}


class AllocationRepository(Repository[Allocation]):
    model = Allocation

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert allocation rows in one multi-row statement."""
        if rows:
            now = utcnow()
            base = {"organisation_id": self.organisation_id, "created_at": now, "updated_at": now}
            insert_rows(
                self.session.connection(),
                _table(Allocation),
                [{"id": new_id()} | base | r for r in rows],
            )

    def for_orders(self, order_refs: Iterable[str], state: str | None = None) -> list[Allocation]:
        """The allocations of these orders (optionally in one state), oldest first."""
        stmt = self.select().where(Allocation.order_ref.in_(sorted(set(order_refs))))
        if state is not None:
            stmt = stmt.where(Allocation.state == state)
        return list(self.session.scalars(stmt.order_by(Allocation.created_at, Allocation.id)))

    def claim(self, allocation_id: str, from_state: str, to_state: str) -> bool:
        """Move one allocation between states; False when another transaction got there first."""
        result = self.session.execute(
            update(Allocation)
            .where(
                Allocation.id == allocation_id,
                Allocation.organisation_id == self.organisation_id,
                Allocation.state == from_state,
            )
            .values(state=to_state, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


class InboundShipmentRepository(Repository[InboundShipment]):
    model = InboundShipment


class InboundLegRepository(Repository[InboundLeg]):
    model = InboundLeg
    order_column = "sequence"


class InboundLineRepository(Repository[InboundLine]):
    model = InboundLine
    order_column = "id"


class TransferRepository(Repository[Transfer]):
    model = Transfer

    def claim(self, transfer_id: str, from_status: str, **values: Any) -> bool:
        """Set columns only while the transfer is in `from_status` (one statement, so it also
        takes the row lock that orders concurrent dispatches, receipts and cancels)."""
        result = self.session.execute(
            update(Transfer)
            .where(
                Transfer.id == transfer_id,
                Transfer.organisation_id == self.organisation_id,
                Transfer.status == from_status,
            )
            .values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    def in_transit_units(self) -> dict[tuple[str, str], int]:
        """(sku id, destination warehouse id) → units dispatched and not yet received."""
        stmt = (
            select(
                TransferLine.sku_id,
                Transfer.to_warehouse_id,
                func.sum(TransferLine.quantity - TransferLine.received_quantity),
            )
            .join(Transfer, Transfer.id == TransferLine.transfer_id)
            .where(
                Transfer.organisation_id == self.organisation_id, Transfer.status == "in_transit"
            )
            .group_by(TransferLine.sku_id, Transfer.to_warehouse_id)
        )
        return {(s, w): int(q or 0) for s, w, q in self.session.execute(stmt)}


class TransferLineRepository(Repository[TransferLine]):
    model = TransferLine
    order_column = "id"

    def of(self, transfer_id: str) -> list[TransferLine]:
        """The lines of one transfer, fresh from the database."""
        stmt = (
            self.select()
            .where(TransferLine.transfer_id == transfer_id)
            .order_by(TransferLine.id)
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def book_received(self, line_id: str, quantity: int) -> bool:
        """Add to received_quantity unless that would pass the line's quantity."""
        result = self.session.execute(
            update(TransferLine)
            .where(
                TransferLine.id == line_id,
                TransferLine.organisation_id == self.organisation_id,
                TransferLine.received_quantity + quantity <= TransferLine.quantity,
            )
            .values(received_quantity=TransferLine.received_quantity + quantity)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


class ReturnRepository(Repository[StockReturn]):
    model = StockReturn


class ReturnLineRepository(Repository[StockReturnLine]):
    model = StockReturnLine
    order_column = "id"

    def returned_units(self, order_ref: str) -> dict[str, int]:
        """sku id → units already returned from one order (every return, every disposition)."""
        stmt = (
            select(StockReturnLine.sku_id, func.sum(StockReturnLine.quantity))
            .join(StockReturn, StockReturn.id == StockReturnLine.return_id)
            .where(
                StockReturn.organisation_id == self.organisation_id,
                StockReturn.order_ref == order_ref,
            )
            .group_by(StockReturnLine.sku_id)
        )
        return {s: int(q or 0) for s, q in self.session.execute(stmt)}


class StorePolicyRepository(Repository[StoreStockPolicy]):
    model = StoreStockPolicy


def _table(model: type[Base]) -> Table:
    """The Core table of a model: bulk inserts through it skip the ORM's per-row work."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
