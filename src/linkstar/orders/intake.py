"""What ingestion writes and reports: the report, per-copy validation, dead letters, and the
mapping of a canonical order to its row. Shared by `ingest` and the services."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.kit.ids import new_id
from linkstar.orders.core.canonical import ChannelOrder, ChannelStatus, PostalAddress
from linkstar.orders.core.skus import ExplodedLine, InputLine
from linkstar.orders.core.states import Hold, OrderState
from linkstar.orders.models import OrderDeadLetter, OrderLine
from linkstar.workspace import repository as workspace_repo
from linkstar.workspace.models import Store

SOURCES = frozenset({"webhook", "poll", "file", "api"})
BATCH = 2000
PENDING_HOLD = "channel_pending"
OPEN_STATES = ("new", "checked", "allocated", "routed")
_MONEY_LIMIT = Decimal("1e13")

Item = tuple[ChannelOrder, Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class IngestError:
    index: int
    external_id: str
    message: str
    dead_letter_id: str


@dataclass
class IngestReport:
    """What an import did: counts by outcome, and every refused item with its dead letter."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    held: int = 0
    errors: list[IngestError] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.stale += other.stale
        self.held += other.held
        self.errors.extend(other.errors)
        self.order_ids.extend(other.order_ids)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "held": self.held,
            "errors": [_err(e) for e in self.errors],
        }


def _err(e: IngestError) -> dict[str, Any]:
    return {
        "index": e.index,
        "external_id": e.external_id,
        "message": e.message,
        "dead_letter_id": e.dead_letter_id,
    }


def check_source(source: str) -> str:
    if source not in SOURCES:
        raise InvalidInput(
            f"source must be one of {', '.join(sorted(SOURCES))}", {"source": source}
        )
    return source


def validate(order: ChannelOrder) -> None:
    """What the order table needs beyond the canonical type's own checks (InvalidInput)."""
    if len(order.external_id) > 200:
        raise InvalidInput("external_id is longer than 200 characters")
    if not order.lines:
        raise InvalidInput("an order needs at least one line")
    seen: set[str] = set()
    for line in order.lines:
        if line.external_line_id in seen:
            raise InvalidInput(f"line id {line.external_line_id} appears twice")
        seen.add(line.external_line_id)
        if line.quantity > 1_000_000 or len(line.channel_sku) > 120:
            raise InvalidInput(f"line {line.external_line_id}: quantity or SKU out of range")
        if abs(line.unit_price) >= _MONEY_LIMIT:
            raise InvalidInput(f"line {line.external_line_id}: unit price out of range")
    for name in ("subtotal", "shipping", "tax", "discount", "total"):
        value: Decimal = getattr(order, name)
        if not value.is_finite() or abs(value) >= _MONEY_LIMIT:
            raise InvalidInput(f"{name} is out of range")
    country = order.ship_to.country if order.ship_to else None
    if country is not None and len(country) != 2:
        raise InvalidInput("ship_to.country must be an ISO 3166-1 alpha-2 code")


def store_of(session: Session, org_id: str, store_id: str) -> Store:
    """The organisation's store, or NotFound."""
    store = workspace_repo.StoreRepository(session, org_id).find(id=store_id)
    if store is None:
        raise NotFound(f"store {store_id} not found")
    return store


def record_dead_letter(
    session: Session,
    org_id: str,
    store_id: str | None,
    source: str,
    raw: str,
    error: str,
) -> str:
    """Keep a payload that could not become an order, with the error; returns its id."""
    row_id = new_id()
    session.execute(
        insert(OrderDeadLetter),
        [
            {
                "id": row_id,
                "organisation_id": org_id,
                "store_id": store_id,
                "source": check_source(source),
                "raw": raw,
                "error": error[:4000],
                "state": "open",
                "attempts": 1,
            }
        ],
    )
    return row_id


def raw_text(order: ChannelOrder, raw: Mapping[str, Any] | None) -> str:
    if raw is not None:
        return json.dumps(raw, default=str)
    return json.dumps({"external_id": order.external_id, "channel": order.channel.value})


def inputs_of(order: ChannelOrder) -> list[InputLine]:
    return [
        InputLine(
            line.external_line_id, line.channel_sku, line.quantity, line.unit_price, line.title
        )
        for line in order.lines
    ]


def line_key(line: OrderLine | ExplodedLine) -> tuple[str, str, str, int, Decimal]:
    return (
        line.external_line_id,
        line.channel_sku,
        line.master_sku,
        line.quantity,
        Decimal(line.unit_price).normalize(),
    )


def initial_state(status: ChannelStatus, verdict: str | None, holds: Sequence[Hold]) -> str:
    if status is ChannelStatus.CANCELLED:
        return OrderState.CANCELLED.value
    if status is ChannelStatus.SHIPPED:
        return OrderState.SHIPPED.value
    if verdict in {"valid", "corrected"}:
        return OrderState.CHECKED.value
    return OrderState.NEW.value


def order_columns(o: ChannelOrder) -> dict[str, Any]:
    ship = o.ship_to or PostalAddress()
    return {
        "channel": o.channel.value,
        "external_id": o.external_id,
        "external_number": _cut(o.external_number, 200),
        "channel_status": o.status.value,
        "version": o.version,
        "placed_at": o.placed_at,
        "buyer_name": _cut(o.buyer.name, 200),
        "buyer_email": _cut(o.buyer.email, 254),
        "buyer_phone": _cut(o.buyer.phone, 60),
        "ship_name": _cut(ship.name, 200),
        "ship_company": _cut(ship.company, 200),
        "ship_line1": _cut(ship.line1, 300),
        "ship_line2": _cut(ship.line2, 300),
        "ship_city": _cut(ship.city, 120),
        "ship_state": _cut(ship.state, 120),
        "ship_postcode": _cut(ship.postcode, 20),
        "ship_country": ship.country,
        "ship_phone": _cut(ship.phone, 60),
        "ship_email": _cut(ship.email, 254),
        "currency": o.currency,
        "subtotal": o.subtotal,
        "shipping": o.shipping,
        "tax": o.tax,
        "discount": o.discount,
        "total": o.total,
        "ship_by": o.ship_by,
        "deliver_by": o.deliver_by,
        "ship_service_level": _cut(o.ship_service_level, 60),
        "tax_terms": o.tax_terms.value if o.tax_terms else None,
    }


def _cut(value: str | None, limit: int) -> str | None:
    return None if value is None else value[:limit]
