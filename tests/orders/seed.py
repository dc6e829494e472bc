"""Seed one organisation's order-hub rows through the services (for API and console tests)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.orders import service, setup
from linkstar.orders.core.codec import order_to_json
from linkstar.workspace.core import system_principal
from tests.orders.conftest import make_order


def seed_orders(sessions: sessionmaker[Session], org_id: str, store_id: str) -> dict[str, str]:
    """An order (placed yesterday), an open dead letter, a SKU mapping and a rule; their ids."""
    actor = system_principal(org_id, "seed")
    now = utcnow()
    order = make_order(
        f"ORD-{org_id[:6]}", version=now - timedelta(hours=20), placed_at=now - timedelta(days=1)
    )
    with unit_of_work(sessions) as s:
        rule = setup.create_rule(
            s,
            actor,
            {
                "name": "Tag big orders",
                "when": {"field": "total", "op": "gte", "value": 50},
                "then": [{"type": "tag", "tag": "big"}],
            },
        )
        mapping, _ = setup.put_mapping(
            s, actor, channel_sku="AMZ-MUG-RED", master_sku="HP-85123A", store_id=store_id
        )
        report = service.import_items(
            s, actor, store_id, [order_to_json(order), {"external_id": "broken"}], "webhook"
        )
    return {
        "order_id": report.order_ids[0],
        "dead_letter_id": report.errors[0].dead_letter_id,
        "mapping_id": mapping.id,
        "rule_id": rule.id,
    }
