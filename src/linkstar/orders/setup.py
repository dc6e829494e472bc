"""Use cases for what shapes incoming orders: order rules (CRUD, dry run) and SKU mappings
(CRUD, CSV import). Never commits: the entry point does."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput, LinkStarError
from linkstar.kit.pagination import Page
from linkstar.orders.core.canonical import Channel
from linkstar.orders.core.rule_engine import evaluate
from linkstar.orders.core.rules import parse_rule
from linkstar.orders.core.skus import (
    SkuMapping,
    check_mapping,
    components_from_json,
    components_from_text,
    components_json,
)
from linkstar.orders.ingest import store_of
from linkstar.orders.models import Order, OrderLine, OrderRuleRow, SkuMappingRow
from linkstar.orders.repository import (
    OrderLineRepository,
    OrderRepository,
    OrderRuleRepository,
    SkuMappingRepository,
)
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

DRY_RUN_DAYS = 30
DRY_RUN_LIMIT = 20_000

# --- rules -----------------------------------------------------------------------------------


def list_rules(session: Session, actor: Principal) -> list[OrderRuleRow]:
    actor.require(Permission.orders_read)
    return OrderRuleRepository(session, actor.organisation_id).ordered()


def get_rule(session: Session, actor: Principal, rule_id: str) -> OrderRuleRow:
    actor.require(Permission.orders_read)
    return OrderRuleRepository(session, actor.organisation_id).get(rule_id)


def create_rule(session: Session, actor: Principal, data: Mapping[str, Any]) -> OrderRuleRow:
    """Validate and store a rule (at `position`, default: last); later rules move down."""
    actor.require(Permission.orders_write)
    rule = parse_rule({k: v for k, v in data.items() if k != "position"})
    rules = OrderRuleRepository(session, actor.organisation_id)
    position = data.get("position") or rules.next_position()
    _make_room(session, actor, int(position))
    row = rules.add(
        OrderRuleRow(
            position=int(position),
            name=rule.name,
            enabled=rule.enabled,
            stop=rule.stop,
            conditions=data.get("when"),
            actions=list(data["then"]),
        )
    )
    audit.record(session, actor, "order_rule.create", row, after=audit.snapshot(row))
    return row


def _make_room(session: Session, actor: Principal, position: int) -> None:
    session.execute(
        update(OrderRuleRow)
        .where(
            OrderRuleRow.organisation_id == actor.organisation_id,
            OrderRuleRow.position >= position,
        )
        .values(position=OrderRuleRow.position + 1)
        .execution_options(synchronize_session="fetch")
    )


def update_rule(
    session: Session, actor: Principal, rule_id: str, data: Mapping[str, Any]
) -> OrderRuleRow:
    """Replace a rule's definition (validated as a whole); bumps its revision."""
    actor.require(Permission.orders_write)
    row = OrderRuleRepository(session, actor.organisation_id).get(rule_id)
    merged: dict[str, Any] = {
        "name": row.name,
        "enabled": row.enabled,
        "stop": row.stop,
        "when": row.conditions,
        "then": row.actions,
    }
    merged.update({k: v for k, v in data.items() if k != "position"})
    rule = parse_rule(merged)
    before = audit.snapshot(row)
    if data.get("position") and int(data["position"]) != row.position:
        row.position = -1
        session.flush()
        _make_room(session, actor, int(data["position"]))
        row.position = int(data["position"])
    row.name, row.enabled, row.stop = rule.name, rule.enabled, rule.stop
    row.conditions, row.actions = merged["when"], list(merged["then"])
    row.revision += 1
    session.flush()
    audit.record(session, actor, "order_rule.update", row, before=before, after=audit.snapshot(row))
    return row


def delete_rule(session: Session, actor: Principal, rule_id: str) -> None:
    actor.require(Permission.orders_write)
    rules = OrderRuleRepository(session, actor.organisation_id)
    row = rules.get(rule_id)
    audit.record(session, actor, "order_rule.delete", row, before=audit.snapshot(row))
    rules.delete(row)


@dataclass
class DryRunHit:
    order_id: str
    external_number: str | None
    placed_at: str
    actions: list[dict[str, Any]]


@dataclass
class DryRun:
    """What a rule would have done to the orders of the last `days` days (nothing is changed)."""

    days: int
    examined: int
    matched: int
    hits: list[DryRunHit] = field(default_factory=list)
    truncated: bool = False


def dry_run(
    session: Session, actor: Principal, data: Mapping[str, Any], days: int = DRY_RUN_DAYS
) -> DryRun:
    """Evaluate one rule (not saved) over recent orders; return the orders it fires on."""
    actor.require(Permission.orders_read)
    if not 1 <= days <= 366:
        raise InvalidInput("days is 1-366", {"field": "days"})
    rule = parse_rule({**{k: v for k, v in data.items() if k != "position"}, "enabled": True})
    org = actor.organisation_id
    orders = OrderRepository(session, org)
    stmt = orders.filtered(since=utcnow() - timedelta(days=days))
    rows = orders.page_filtered(stmt, DRY_RUN_LIMIT, 0)
    lines = OrderLineRepository(session, org).of_many([o.id for o in rows])
    result = DryRun(days, len(rows), 0, truncated=len(rows) == DRY_RUN_LIMIT)
    for order in rows:
        outcome = evaluate([rule], facts_of(order, lines.get(order.id, [])))
        if outcome.applications:
            result.matched += 1
            if len(result.hits) < 500:
                result.hits.append(
                    DryRunHit(
                        order.id,
                        order.external_number,
                        order.placed_at.isoformat(),
                        list(outcome.applications[0].actions),
                    )
                )
    return result


def facts_of(order: Order, lines: list[OrderLine]) -> dict[str, Any]:
    """The rule facts of a stored order (the same fields as at import)."""
    return {
        "store": order.store_id,
        "channel": order.channel,
        "external_id": order.external_id,
        "external_number": order.external_number,
        "channel_status": order.channel_status,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "shipping": order.shipping,
        "tax": order.tax,
        "discount": order.discount,
        "total": order.total,
        "placed_at": order.placed_at,
        "ship_by": order.ship_by,
        "deliver_by": order.deliver_by,
        "ship_service_level": order.ship_service_level,
        "tax_terms": order.tax_terms,
        "priority": order.priority,
        "tags": list(order.tags or ()),
        "line_count": len({line.external_line_id for line in lines}),
        "item_count": sum(line.quantity for line in lines if line.component_of is None)
        + len({line.external_line_id for line in lines if line.component_of is not None}),
        "buyer": {"name": order.buyer_name, "email": order.buyer_email, "phone": order.buyer_phone},
        "ship_to": {
            "name": order.ship_name,
            "company": order.ship_company,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "state": order.ship_state,
            "postcode": order.ship_postcode,
            "country": order.ship_country,
        },
        "address": {"verdict": order.address_verdict, "flags": list(order.address_flags or ())},
        "lines": [
            {
                "sku": line.master_sku,
                "channel_sku": line.channel_sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "title": line.title,
            }
            for line in lines
        ],
    }


# --- SKU mappings ----------------------------------------------------------------------------


def list_mappings(session: Session, actor: Principal) -> list[SkuMappingRow]:
    actor.require(Permission.orders_read)
    return SkuMappingRepository(session, actor.organisation_id).list()


def mappings_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[SkuMappingRow]:
    """A page of mappings, by channel SKU."""
    actor.require(Permission.orders_read)
    return SkuMappingRepository(session, actor.organisation_id).page(limit, cursor)


def _scope(session: Session, actor: Principal, store_id: str | None, channel: str | None) -> str:
    if store_id:
        store_of(session, actor.organisation_id, store_id)
        return f"store:{store_id}"
    if channel:
        try:
            return f"channel:{Channel(channel).value}"
        except ValueError:
            raise InvalidInput(
                f"channel must be one of {', '.join(c.value for c in Channel)}",
                {"field": "channel"},
            ) from None
    raise InvalidInput("give store_id or channel", {"field": "store_id"})


def put_mapping(
    session: Session,
    actor: Principal,
    *,
    channel_sku: str,
    master_sku: str | None = None,
    components: list[dict[str, Any]] | None = None,
    store_id: str | None = None,
    channel: str | None = None,
) -> tuple[SkuMappingRow, bool]:
    """Create or replace the mapping of one channel SKU in one scope; (row, created)."""
    actor.require(Permission.orders_write)
    scope = _scope(session, actor, store_id, channel)
    parts = components_from_json(components or [])
    sku = channel_sku.strip()
    check_mapping(
        SkuMapping(
            sku,
            master_sku.strip() if master_sku else None,
            parts,
            store_id if store_id else None,
            None if store_id else channel,
        )
    )
    mappings = SkuMappingRepository(session, actor.organisation_id)
    row = mappings.find(scope=scope, channel_sku=sku)
    created = row is None
    if row is None:
        row = SkuMappingRow(
            scope=scope,
            store_id=store_id or None,
            channel=None if store_id else scope.removeprefix("channel:"),
            channel_sku=sku,
        )
    before = None if created else audit.snapshot(row)
    row.master_sku = master_sku.strip() if master_sku else None
    row.components = components_json(parts)
    if created:
        mappings.add(row)
    session.flush()
    after = audit.snapshot(row)
    if before is not None:
        before.pop("updated_at", None)
    if created or before != {k: v for k, v in after.items() if k != "updated_at"}:
        audit.record(
            session,
            actor,
            "sku_mapping.create" if created else "sku_mapping.update",
            row,
            before=before,
            after=after,
        )
    return row, created


def delete_mapping(session: Session, actor: Principal, mapping_id: str) -> None:
    actor.require(Permission.orders_write)
    mappings = SkuMappingRepository(session, actor.organisation_id)
    row = mappings.get(mapping_id)
    audit.record(session, actor, "sku_mapping.delete", row, before=audit.snapshot(row))
    mappings.delete(row)


CSV_COLUMNS = ("store", "channel", "channel_sku", "master_sku", "components")


@dataclass
class CsvImport:
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_mappings_csv(session: Session, actor: Principal, text: str) -> CsvImport:
    """Rows `store,channel,channel_sku,master_sku,components` (components `A*2|B`); bad rows are
    reported with row, column and reason, good rows are kept."""
    actor.require(Permission.orders_write)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("channel_sku",) if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            f"CSV header must use {', '.join(CSV_COLUMNS)}",
            {"missing": missing, "unknown": unknown},
        )
    stores = {s.name: s.id for s in _stores(session, actor)}
    result = CsvImport()
    for number, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        try:
            store_id = None
            if row.get("store"):
                store_id = stores.get(row["store"]) or (
                    row["store"] if row["store"] in stores.values() else None
                )
                if store_id is None:
                    raise InvalidInput(f"no store named {row['store']!r}", {"column": "store"})
            with session.begin_nested():
                _, created = put_mapping(
                    session,
                    actor,
                    channel_sku=row.get("channel_sku", ""),
                    master_sku=row.get("master_sku") or None,
                    components=components_json(components_from_text(row.get("components", ""))),
                    store_id=store_id,
                    channel=row.get("channel") or None,
                )
        except LinkStarError as exc:
            column = (exc.details or {}).get("column") or (exc.details or {}).get("field") or ""
            result.errors.append({"row": number, "column": column, "reason": exc.message})
            continue
        if created:
            result.created += 1
        else:
            result.updated += 1
    if not result.created and not result.updated and not result.errors:
        raise Conflict("the CSV has no rows")
    return result


def _stores(session: Session, actor: Principal) -> list[Any]:
    from linkstar.workspace import repository as workspace_repo

    return workspace_repo.StoreRepository(session, actor.organisation_id).list()
