"""The shared part of an ingestion batch and the update of an order that already exists.

`orders.ingest` creates new orders; a newer copy of a known order comes here: changed fields,
a channel cancellation or shipment moving the state, a changed address checked again, changed
lines rewritten, reservations given back on cancellation; every change is on the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from linkstar.addresses.core import AddressInput, CheckedAddress, Policy
from linkstar.db.bulk import insert_rows
from linkstar.inventory.allocation import release as release_allocation
from linkstar.kit.clock import utcnow
from linkstar.kit.ids import ordered_id
from linkstar.orders.core.canonical import ChannelOrder, ChannelStatus
from linkstar.orders.core.rules import Rule
from linkstar.orders.core.skus import ExplodedLine, SkuMap, explode
from linkstar.orders.core.states import (
    TERMINAL,
    OrderState,
    holds_from_json,
    holds_to_json,
    release,
)
from linkstar.orders.intake import (
    OPEN_STATES,
    PENDING_HOLD,
    IngestReport,
    inputs_of,
    line_key,
    order_columns,
)
from linkstar.orders.models import Order, OrderLine
from linkstar.orders.pipeline import AddressTarget, check_addresses, open_address_reviews
from linkstar.orders.repository import OrderLineRepository, OrderRepository
from linkstar.workspace.models import Store


class BatchBase:
    """What one batch of an import shares: its context, its rows to write, its timeline events,
    and the update of an order that already exists (a newer copy of it)."""

    def __init__(
        self,
        session: Session,
        org_id: str,
        store: Store,
        source: str,
        actor: str,
        policy: Policy,
        rules: Sequence[Rule],
        skus: SkuMap,
    ) -> None:
        self.session, self.org_id, self.store = session, org_id, store
        self.source, self.actor, self.policy = source, actor, policy
        self.rules, self.skus = rules, skus
        self.now = utcnow()
        self.report = IngestReport()
        self.events: list[dict[str, Any]] = []
        self.known: set[str] = set()
        self.payloads: list[dict[str, Any]] = []
        # Given by a lookahead: the items' payload hashes, fingerprints and checked addresses.
        self.shas: list[str | None] = []
        self.digests: list[str | None] = []
        self.texts: dict[str, str] = {}  # payload JSON texts by payload hash
        self.checked: dict[AddressInput, CheckedAddress] = {}

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """One driver executemany per table and batch (no ORM or per-row parameter work)."""
        insert_rows(self.session.connection(), model.__table__, rows)

    def event(self, order_id: str, kind: str, detail: dict[str, Any]) -> None:
        # One microsecond apart, so a timeline sorted by time keeps the order they happened in
        # (ids are random and cannot break ties).
        at = self.now + timedelta(microseconds=len(self.events))
        self.events.append(
            {
                "id": ordered_id(),
                "organisation_id": self.org_id,
                "order_id": order_id,
                "at": at,
                "kind": kind,
                "actor": self.actor,
                "detail": detail,
            }
        )

    def _review(self, items: list[tuple[str, AddressTarget]]) -> None:
        """Queue held addresses for review; the review id goes on the order's timeline."""
        for order_id, review_id in open_address_reviews(self.session, self.org_id, items).items():
            self.event(order_id, "address_review_opened", {"review_id": review_id})

    def _line_rows(self, order_id: str, lines: Sequence[ExplodedLine]) -> list[dict[str, Any]]:
        return [
            {
                "id": ordered_id(),
                "organisation_id": self.org_id,
                "order_id": order_id,
                "position": position,
                "external_line_id": line.external_line_id,
                "channel_sku": line.channel_sku,
                "master_sku": line.master_sku,
                "title": line.title[:500] if line.title else None,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "component_of": line.component_of,
            }
            for position, line in enumerate(lines, start=1)
        ]

    def _merge(self, order_id: str, hours: int) -> None:
        """Group this order with open orders of the same buyer to the same address."""
        self.session.flush()
        orders = OrderRepository(self.session, self.org_id)
        order = orders.get(order_id)
        if not order.buyer_email or not order.ship_postcode:
            return
        since = order.placed_at - timedelta(hours=hours)
        found = [
            o
            for o in orders.merge_candidates(order, since, OPEN_STATES)
            if o.placed_at <= order.placed_at + timedelta(hours=hours)
        ]
        if not found:
            return
        group = next((o.merge_group for o in found if o.merge_group), None) or found[0].id
        for other in [order, *found]:
            if other.merge_group != group:
                other.merge_group = group
                self.event(
                    other.id,
                    "merged",
                    {"group": group, "with": [o.id for o in [order, *found] if o.id != other.id]},
                )

    # --- updates ------------------------------------------------------------------------------

    def _update(self, row: Order, order: ChannelOrder, digest: str) -> None:
        values = order_columns(order)
        changed = sorted(
            k for k, v in values.items() if k not in {"version"} and getattr(row, k) != v
        )
        holds = holds_from_json(row.holds)
        state = was = OrderState(row.state)
        notes: list[tuple[str, dict[str, Any]]] = []
        if PENDING_HOLD in {h.reason for h in holds} and order.status is not ChannelStatus.PENDING:
            holds, _gone = release(holds, PENDING_HOLD)
            notes.append(("released", {"reason": PENDING_HOLD, "detail": "paid on the channel"}))
        if state not in TERMINAL:
            if order.status is ChannelStatus.CANCELLED:
                to = (
                    OrderState.EXCEPTION
                    if state in {OrderState.SHIPPED, OrderState.DELIVERED}
                    else OrderState.CANCELLED
                )
                notes.append(
                    (
                        "state_changed",
                        {
                            "from": state.value,
                            "to": to.value,
                            "why": "cancelled on the channel",
                        },
                    )
                )
                state = to
            elif order.status is ChannelStatus.SHIPPED and state not in {
                OrderState.SHIPPED,
                OrderState.DELIVERED,
            }:
                notes.append(
                    (
                        "state_changed",
                        {"from": state.value, "to": "shipped", "why": "fulfilled on the channel"},
                    )
                )
                state = OrderState.SHIPPED
        address_fields = {
            k
            for k in changed
            if k.startswith("ship_") and k not in {"ship_by", "ship_service_level"}
        }
        target = AddressTarget(order.ship_to, holds)
        if address_fields and state not in TERMINAL:
            target.holds, _ = release(target.holds, "address")
            check_addresses([target], self.now, self.policy, self.checked)
            values["address_verdict"] = target.verdict
            values["address_flags"] = target.flags
            if state is OrderState.CHECKED and target.verdict in {"needs_review", "invalid"}:
                state = OrderState.NEW
        values.update(
            id=row.id,
            content_hash=digest,
            state=state.value,
            holds=holds_to_json(target.holds),
            is_held=bool(target.holds),
            updated_at=self.now,
        )
        self.session.execute(update(Order), [values])
        exploded, _ = explode(inputs_of(order), self.store.id, order.channel.value, self.skus)
        stored = OrderLineRepository(self.session, self.org_id).of(row.id)
        if [line_key(x) for x in stored] != [line_key(x) for x in exploded]:
            self.session.execute(delete(OrderLine).where(OrderLine.order_id == row.id))
            self._insert(OrderLine, self._line_rows(row.id, exploded))
            changed.append("lines")
        self.event(
            row.id,
            "updated",
            {"source": self.source, "version": order.version.isoformat(), "changed": changed},
        )
        for kind, detail in notes + target.events:
            self.event(row.id, kind, detail)
        if state is OrderState.CANCELLED and was is not OrderState.CANCELLED:
            # Cancelled on the channel: give back what the order had reserved.
            units = release_allocation(self.session, self.org_id, row.id, self.actor[:254])
            if units:
                self.event(row.id, "allocation_released", {"units": units})
        if address_fields and state not in TERMINAL:
            self._review([(row.id, target)])
        self.report.updated += 1
        self.report.held += bool(target.holds)
