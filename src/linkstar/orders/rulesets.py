"""Load the organisation's order rules and SKU mappings as pure core objects."""

from __future__ import annotations

from sqlalchemy.orm import Session

from linkstar.orders.core.rules import Rule, parse_rule
from linkstar.orders.core.skus import SkuMap, SkuMapping, components_from_json
from linkstar.orders.models import OrderRuleRow, SkuMappingRow
from linkstar.orders.repository import OrderRuleRepository, SkuMappingRepository


def rule_of(row: OrderRuleRow) -> Rule:
    """The core rule of a stored row (stored rules were validated when saved)."""
    return parse_rule(
        {
            "id": row.id,
            "name": row.name,
            "enabled": row.enabled,
            "stop": row.stop,
            "when": row.conditions,
            "then": row.actions,
        }
    )


def load_rules(session: Session, org_id: str) -> list[Rule]:
    """Every rule of the organisation, in evaluation order."""
    return [rule_of(row) for row in OrderRuleRepository(session, org_id).ordered()]


def mapping_of(row: SkuMappingRow) -> SkuMapping:
    return SkuMapping(
        channel_sku=row.channel_sku,
        master_sku=row.master_sku,
        components=components_from_json(row.components),
        store_id=row.store_id,
        channel=row.channel,
    )


def load_sku_map(session: Session, org_id: str) -> SkuMap:
    """Every SKU mapping of the organisation, ready for look-ups."""
    return SkuMap(mapping_of(row) for row in SkuMappingRepository(session, org_id).list())
