"""Tables of inventory: master SKUs, stock counters, the ledger, reservations, inbound, buffers.

The counters of `stock_levels` are a cache of the ledger's sums, kept in step in the same
transaction and checked by the reconciliation job; CHECK constraints make negative stock or
over-reservation impossible whatever the code does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin
from linkstar.kit.clock import utcnow


class Sku(IdMixin, TimestampMixin, OrgScoped, Base):
    """A master SKU: one product, whatever the channel listings call it."""

    __tablename__ = "skus"
    __table_args__ = (UniqueConstraint("organisation_id", "sku"),)

    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    weight_g: Mapped[int] = mapped_column(default=0)
    length_mm: Mapped[int] = mapped_column(default=0)
    width_mm: Mapped[int] = mapped_column(default=0)
    height_mm: Mapped[int] = mapped_column(default=0)
    hs_code: Mapped[str] = mapped_column(String(12), default="")
    origin_country: Mapped[str] = mapped_column(String(2), default="")
    has_battery: Mapped[bool] = mapped_column(Boolean, default=False)
    has_liquid: Mapped[bool] = mapped_column(Boolean, default=False)
    is_fragile: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class StockLevel(IdMixin, OrgScoped, Base):
    """Counters of one SKU in one warehouse; available = on_hand - allocated - safety_stock."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("sku_id", "warehouse_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        CheckConstraint("allocated <= on_hand", name="allocated_within_on_hand"),
        CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
    )

    sku_id: Mapped[str] = mapped_column(String(32), ForeignKey("skus.id", ondelete="CASCADE"))
    warehouse_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("warehouses.id", ondelete="RESTRICT"), index=True
    )
    on_hand: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)
    safety_stock: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LedgerEntry(IdMixin, OrgScoped, Base):
    """One change of stock; never updated or deleted."""

    __tablename__ = "stock_ledger"
    __table_args__ = (
        Index("ix_stock_ledger_level_at", "stock_level_id", "at"),
        Index("ix_stock_ledger_org_at", "organisation_id", "at"),
    )

    stock_level_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stock_levels.id", ondelete="CASCADE")
    )
    sku_id: Mapped[str] = mapped_column(String(32))
    warehouse_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    on_hand_delta: Mapped[int]
    allocated_delta: Mapped[int]
    reference: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Allocation(IdMixin, TimestampMixin, OrgScoped, Base):
    """Units of one order line reserved in one warehouse, and why that warehouse."""

    __tablename__ = "allocations"
    __table_args__ = (
        Index("ix_allocations_org_order", "organisation_id", "order_ref"),
        Index("ix_allocations_level_state", "stock_level_id", "state"),
        # One live reservation per order line and stock level: a second, concurrent
        # allocation of the same order fails at insert instead of reserving twice.
        Index(
            "uq_allocations_live_line",
            "organisation_id",
            "order_ref",
            "line_ref",
            "stock_level_id",
            unique=True,
            sqlite_where=text("state = 'reserved'"),
            postgresql_where=text("state = 'reserved'"),
        ),
    )

    order_ref: Mapped[str] = mapped_column(String(120))
    line_ref: Mapped[str] = mapped_column(String(120))
    stock_level_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stock_levels.id", ondelete="CASCADE")
    )
    sku_id: Mapped[str] = mapped_column(String(32))
    warehouse_id: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[dict[str, Any]]


class InboundShipment(IdMixin, TimestampMixin, OrgScoped, Base):
    """Stock on its way to a warehouse: legs from the factory, lines of what is in it."""

    __tablename__ = "inbound_shipments"
    __table_args__ = (UniqueConstraint("organisation_id", "reference"),)

    reference: Mapped[str] = mapped_column(String(120))
    warehouse_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("warehouses.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="in_transit")
    received_at: Mapped[datetime | None]


class InboundLeg(IdMixin, OrgScoped, Base):
    """One leg of an inbound shipment (factory → consolidation → ocean → warehouse)."""

    __tablename__ = "inbound_legs"
    __table_args__ = (UniqueConstraint("shipment_id", "sequence"),)

    shipment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbound_shipments.id", ondelete="CASCADE")
    )
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(120))
    destination: Mapped[str] = mapped_column(String(120))
    carrier: Mapped[str] = mapped_column(String(120), default="")
    tracking_ref: Mapped[str] = mapped_column(String(120), default="")
    departed_at: Mapped[datetime | None]
    eta: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]


class InboundLine(IdMixin, OrgScoped, Base):
    """Units of one SKU on an inbound shipment."""

    __tablename__ = "inbound_lines"
    __table_args__ = (
        UniqueConstraint("shipment_id", "sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received_quantity >= 0", name="received_not_negative"),
    )

    shipment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbound_shipments.id", ondelete="CASCADE")
    )
    sku_id: Mapped[str] = mapped_column(String(32), ForeignKey("skus.id", ondelete="RESTRICT"))
    quantity: Mapped[int]
    received_quantity: Mapped[int] = mapped_column(default=0)


class Transfer(IdMixin, TimestampMixin, OrgScoped, Base):
    """Stock moved between two of the organisation's warehouses (draft → in_transit → received)."""

    __tablename__ = "stock_transfers"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        CheckConstraint("from_warehouse_id <> to_warehouse_id", name="distinct_warehouses"),
        Index("ix_stock_transfers_org_status", "organisation_id", "status"),
    )

    reference: Mapped[str] = mapped_column(String(120))
    from_warehouse_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("warehouses.id", ondelete="RESTRICT")
    )
    to_warehouse_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("warehouses.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="draft")
    carrier: Mapped[str] = mapped_column(String(120), default="")
    tracking_ref: Mapped[str] = mapped_column(String(120), default="")
    eta: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(300), default="")
    dispatched_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class TransferLine(IdMixin, OrgScoped, Base):
    """Units of one SKU on a transfer, and how many arrived so far."""

    __tablename__ = "stock_transfer_lines"
    __table_args__ = (
        UniqueConstraint("transfer_id", "sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "received_quantity >= 0 AND received_quantity <= quantity", name="received_in_range"
        ),
    )

    transfer_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stock_transfers.id", ondelete="CASCADE")
    )
    sku_id: Mapped[str] = mapped_column(String(32), ForeignKey("skus.id", ondelete="RESTRICT"))
    quantity: Mapped[int]
    received_quantity: Mapped[int] = mapped_column(default=0)


class StockReturn(IdMixin, TimestampMixin, OrgScoped, Base):
    """A return received at a warehouse; `reference` (the return id) is booked once only."""

    __tablename__ = "stock_returns"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        Index("ix_stock_returns_org_order", "organisation_id", "order_ref"),
    )

    reference: Mapped[str] = mapped_column(String(120))
    order_ref: Mapped[str] = mapped_column(String(120))
    warehouse_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("warehouses.id", ondelete="RESTRICT")
    )
    note: Mapped[str] = mapped_column(String(300), default="")
    received_by: Mapped[str] = mapped_column(String(254))


class StockReturnLine(IdMixin, OrgScoped, Base):
    """Units of one SKU that came back, restocked or written off."""

    __tablename__ = "stock_return_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    return_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stock_returns.id", ondelete="CASCADE"), index=True
    )
    sku_id: Mapped[str] = mapped_column(String(32), ForeignKey("skus.id", ondelete="RESTRICT"))
    quantity: Mapped[int]
    disposition: Mapped[str] = mapped_column(String(16))


class StoreStockPolicy(IdMixin, TimestampMixin, OrgScoped, Base):
    """How much of what is available a store may list."""

    __tablename__ = "store_stock_policies"
    __table_args__ = (
        UniqueConstraint("organisation_id", "store_id"),
        CheckConstraint(
            "percent_of_available >= 0 AND percent_of_available <= 100", name="percent_range"
        ),
    )

    store_id: Mapped[str] = mapped_column(String(32), ForeignKey("stores.id", ondelete="CASCADE"))
    max_listed: Mapped[int | None]
    stop_selling_below: Mapped[int] = mapped_column(default=0)
    percent_of_available: Mapped[int] = mapped_column(default=100)
