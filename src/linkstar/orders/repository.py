"""Every query of the order hub; tenant-scoped through the repository base."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, func, or_, select

from linkstar.db.repository import Repository, chunks
from linkstar.kit.clock import as_utc
from linkstar.orders.models import (
    Order,
    OrderDeadLetter,
    OrderEvent,
    OrderLine,
    OrderPayload,
    OrderRuleRow,
    SkuMappingRow,
)


class StoredKey(NamedTuple):
    id: str
    version: datetime
    content_hash: str


class OrderRepository(Repository[Order]):
    model = Order
    order_column = "placed_at"

    def existing(self, store_id: str, external_ids: Sequence[str]) -> dict[str, StoredKey]:
        """(id, version, content hash) of one store's orders among these external ids."""
        found: dict[str, StoredKey] = {}
        columns = (Order.external_id, Order.id, Order.version, Order.content_hash)
        for part in chunks(list(external_ids)):
            stmt = select(*columns).where(
                Order.organisation_id == self.organisation_id,
                Order.store_id == store_id,
                Order.external_id.in_(part),
            )
            for external_id, id_, version, digest in self.session.execute(stmt):
                found[external_id] = StoredKey(id_, as_utc(version), digest)
        return found

    def filtered(
        self,
        *,
        state: str | None = None,
        store_id: str | None = None,
        channel: str | None = None,
        held: bool | None = None,
        q: str | None = None,
        since: datetime | None = None,
    ) -> Select[Any]:
        """Orders matching the list filters (q: external number or id, buyer name or e-mail)."""
        stmt = self.select()
        if state:
            stmt = stmt.where(Order.state == state)
        if store_id:
            stmt = stmt.where(Order.store_id == store_id)
        if channel:
            stmt = stmt.where(Order.channel == channel)
        if held is not None:
            stmt = stmt.where(Order.is_held.is_(held))
        if since is not None:
            stmt = stmt.where(Order.placed_at >= since)
        if q:
            like = f"%{q.strip().lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(Order.external_number).like(like),
                    func.lower(Order.external_id).like(like),
                    func.lower(Order.buyer_name).like(like),
                    func.lower(Order.buyer_email).like(like),
                    func.lower(Order.ship_name).like(like),
                )
            )
        return stmt

    def page_filtered(self, stmt: Select[Any], limit: int, offset: int) -> list[Order]:
        """One page of a filtered query, newest first."""
        ordered = stmt.order_by(Order.placed_at.desc(), Order.id.desc())
        return list(self.session.scalars(ordered.limit(limit).offset(offset)))

    def count_filtered(self, stmt: Select[Any]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)

    def merge_candidates(
        self, order: Order, since: datetime, open_states: Iterable[str]
    ) -> list[Order]:
        """Open orders of the same buyer to the same address placed since `since`."""
        stmt = self.select().where(
            Order.id != order.id,
            func.lower(Order.buyer_email) == (order.buyer_email or "").lower(),
            Order.ship_postcode == order.ship_postcode,
            func.lower(Order.ship_line1) == (order.ship_line1 or "").lower(),
            Order.ship_country == order.ship_country,
            Order.placed_at >= since,
            Order.state.in_(list(open_states)),
        )
        return list(self.session.scalars(stmt.order_by(Order.placed_at, Order.id)))

    def counts_by_state(self) -> dict[str, int]:
        stmt = (
            select(Order.state, func.count())
            .where(Order.organisation_id == self.organisation_id)
            .group_by(Order.state)
        )
        return {state: int(n) for state, n in self.session.execute(stmt)}


class OrderLineRepository(Repository[OrderLine]):
    model = OrderLine
    order_column = "position"

    def of(self, order_id: str) -> list[OrderLine]:
        stmt = self.select().where(OrderLine.order_id == order_id)
        return list(self.session.scalars(stmt.order_by(OrderLine.position)))

    def of_many(self, order_ids: Sequence[str]) -> dict[str, list[OrderLine]]:
        found: dict[str, list[OrderLine]] = {}
        for part in chunks(list(order_ids)):
            stmt = self.select().where(OrderLine.order_id.in_(part)).order_by(OrderLine.position)
            for row in self.session.scalars(stmt):
                found.setdefault(row.order_id, []).append(row)
        return found


class OrderEventRepository(Repository[OrderEvent]):
    model = OrderEvent
    order_column = "at"

    def of(self, order_id: str) -> list[OrderEvent]:
        stmt = self.select().where(OrderEvent.order_id == order_id)
        return list(self.session.scalars(stmt.order_by(OrderEvent.at, OrderEvent.id)))


class OrderPayloadRepository(Repository[OrderPayload]):
    model = OrderPayload
    order_column = "received_at"

    def known_hashes(self, store_id: str, hashes: Sequence[str]) -> set[str]:
        """Which of these payload hashes this store already holds."""
        found: set[str] = set()
        for part in chunks(list(hashes)):
            stmt = select(OrderPayload.sha256).where(
                OrderPayload.organisation_id == self.organisation_id,
                OrderPayload.store_id == store_id,
                OrderPayload.sha256.in_(part),
            )
            found.update(self.session.scalars(stmt))
        return found

    def of(self, order_id: str) -> list[OrderPayload]:
        stmt = self.select().where(OrderPayload.order_id == order_id)
        return list(self.session.scalars(stmt.order_by(OrderPayload.received_at)))


class DeadLetterRepository(Repository[OrderDeadLetter]):
    model = OrderDeadLetter


class SkuMappingRepository(Repository[SkuMappingRow]):
    model = SkuMappingRow
    order_column = "channel_sku"


class OrderRuleRepository(Repository[OrderRuleRow]):
    model = OrderRuleRow
    order_column = "position"

    def ordered(self) -> list[OrderRuleRow]:
        stmt = self.select().order_by(OrderRuleRow.position, OrderRuleRow.id)
        return list(self.session.scalars(stmt))

    def next_position(self) -> int:
        stmt = select(func.max(OrderRuleRow.position)).where(
            OrderRuleRow.organisation_id == self.organisation_id
        )
        return int(self.session.scalar(stmt) or 0) + 1
