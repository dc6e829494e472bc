"""Tables of the order hub: orders and their lines, raw payloads, the timeline, dead letters,
SKU mappings and order rules."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin
from linkstar.kit.clock import utcnow

Money = Numeric(18, 4)


class Order(IdMixin, TimestampMixin, OrgScoped, Base):
    """One channel order in canonical form; (store, external_id) identifies it."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("organisation_id", "store_id", "external_id"),
        Index("ix_orders_org_placed", "organisation_id", "placed_at"),
        Index("ix_orders_org_state", "organisation_id", "state"),
        Index("ix_orders_org_held", "organisation_id", "is_held"),
        # Inbox threads find a buyer's orders by e-mail (linking, lead conversion).
        Index("ix_orders_org_buyer_email", "organisation_id", "buyer_email"),
    )

    store_id: Mapped[str] = mapped_column(String(32), ForeignKey("stores.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    external_number: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    channel_status: Mapped[str] = mapped_column(String(20))
    version: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime]
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    buyer_email: Mapped[str | None] = mapped_column(String(254))
    buyer_phone: Mapped[str | None] = mapped_column(String(60))
    ship_name: Mapped[str | None] = mapped_column(String(200))
    ship_company: Mapped[str | None] = mapped_column(String(200))
    ship_line1: Mapped[str | None] = mapped_column(String(300))
    ship_line2: Mapped[str | None] = mapped_column(String(300))
    ship_city: Mapped[str | None] = mapped_column(String(120))
    ship_state: Mapped[str | None] = mapped_column(String(120))
    ship_postcode: Mapped[str | None] = mapped_column(String(20))
    ship_country: Mapped[str | None] = mapped_column(String(2))
    ship_phone: Mapped[str | None] = mapped_column(String(60))
    ship_email: Mapped[str | None] = mapped_column(String(254))
    address_verdict: Mapped[str | None] = mapped_column(String(20))
    address_flags: Mapped[list[Any] | None]
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    shipping: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    ship_by: Mapped[datetime | None]
    deliver_by: Mapped[datetime | None]
    ship_service_level: Mapped[str | None] = mapped_column(String(60))
    tax_terms: Mapped[str | None] = mapped_column(String(8))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    holds: Mapped[list[Any]] = mapped_column(default=list)  # [{reason, detail, since}]
    is_held: Mapped[bool] = mapped_column(Boolean, default=False)
    warehouse_code: Mapped[str | None] = mapped_column(String(20))  # preferred by a rule
    excluded_warehouses: Mapped[list[Any]] = mapped_column(default=list)
    split_plan: Mapped[list[Any] | None]
    merge_group: Mapped[str | None] = mapped_column(String(32), index=True)


class OrderLine(IdMixin, OrgScoped, Base):
    """A fulfilment line: a master SKU (a bundle gives one line per component)."""

    __tablename__ = "order_lines"

    order_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    external_line_id: Mapped[str] = mapped_column(String(200))
    channel_sku: Mapped[str] = mapped_column(String(120))
    master_sku: Mapped[str] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(500))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    component_of: Mapped[str | None] = mapped_column(String(120))


class OrderPayload(IdMixin, OrgScoped, Base):
    """A raw channel payload exactly as received; the same bytes are stored once per store."""

    __tablename__ = "order_payloads"
    __table_args__ = (UniqueConstraint("organisation_id", "store_id", "sha256"),)

    store_id: Mapped[str] = mapped_column(String(32), ForeignKey("stores.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(10))
    version: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(10))  # created | updated | unchanged | stale
    raw: Mapped[dict[str, Any]] = mapped_column(deferred=True)


class OrderEvent(IdMixin, OrgScoped, Base):
    """One entry of an order's timeline (import, update, rule application, hold, state…)."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order_at", "order_id", "at"),)

    order_id: Mapped[str] = mapped_column(String(32), ForeignKey("orders.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(254))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OrderDeadLetter(IdMixin, TimestampMixin, OrgScoped, Base):
    """A payload that could not become an order: kept with the error until retried or discarded."""

    __tablename__ = "order_dead_letters"
    __table_args__ = (Index("ix_order_dead_letters_org_state", "organisation_id", "state"),)

    store_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("stores.id", ondelete="CASCADE")
    )
    source: Mapped[str] = mapped_column(String(10))
    raw: Mapped[str] = mapped_column(Text, deferred=True)
    error: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="open")
    attempts: Mapped[int] = mapped_column(default=1)
    order_id: Mapped[str | None] = mapped_column(String(32))  # set when a retry succeeded


class SkuMappingRow(IdMixin, TimestampMixin, OrgScoped, Base):
    """channel SKU → master SKU or bundle components, for one store or a whole channel."""

    __tablename__ = "sku_mappings"
    __table_args__ = (UniqueConstraint("organisation_id", "scope", "channel_sku"),)

    scope: Mapped[str] = mapped_column(String(60))  # "store:<id>" or "channel:<name>"
    store_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("stores.id", ondelete="CASCADE")
    )
    channel: Mapped[str | None] = mapped_column(String(20))
    channel_sku: Mapped[str] = mapped_column(String(120))
    master_sku: Mapped[str | None] = mapped_column(String(120))
    components: Mapped[list[Any]] = mapped_column(default=list)  # [{sku, quantity}]


class OrderRuleRow(IdMixin, TimestampMixin, OrgScoped, Base):
    """One order rule; rules run by position on import (see orders.core.rules)."""

    __tablename__ = "order_rules"
    __table_args__ = (Index("ix_order_rules_org_position", "organisation_id", "position"),)

    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    stop: Mapped[bool] = mapped_column(Boolean, default=False)
    conditions: Mapped[dict[str, Any] | None]
    actions: Mapped[list[Any]]
    revision: Mapped[int] = mapped_column(default=1)
