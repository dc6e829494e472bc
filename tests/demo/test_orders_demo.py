"""The demo workspace's orders: real catalogue SKUs, real ZIPs, holds, cancellations, rules."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from linkstar.config import Settings
from linkstar.db.uow import unit_of_work
from linkstar.demo import orders as demo_orders
from linkstar.demo import workspace as demo
from linkstar.demo.catalogue import UCI_FILE
from linkstar.kit.crypto import SecretBox
from linkstar.orders.models import Order, OrderLine, OrderRuleRow, SkuMappingRow
from linkstar.workspace.core import system_principal

DATA_DIR = Settings().reference_data_dir
needs_data = pytest.mark.skipif(
    not (DATA_DIR / demo_orders.USPS_FILE).is_file() or not (DATA_DIR / UCI_FILE).is_file(),
    reason=f"reference data absent under {DATA_DIR} (set LINKSTAR_REFERENCE_DATA_DIR)",
)


def _load(sessions, settings, data_dir):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return demo.load(s, SecretBox(settings.encryption_keys()), data_dir).organisation.id


@needs_data
def test_demo_orders_are_realistic_and_loading_again_adds_nothing(sessions, settings):
    org_id = _load(sessions, settings, DATA_DIR)
    with sessions() as s:
        every = list(s.scalars(select(Order).where(Order.organisation_id == org_id)))
        # The inbox demo adds the orders its B2B leads placed (inbox reports, lead conversion).
        orders = [o for o in every if not o.external_id.startswith("B2B-")]
        assert len(orders) == demo_orders.ORDERS and 1 <= len(every) - len(orders) <= 20
        channels = Counter(o.channel for o in orders)
        assert set(channels) == {"amazon", "shopify", "tiktok"}
        states = Counter(o.state for o in orders)
        assert states["cancelled"] >= 5 and states["shipped"] >= 100
        # The pipeline ran: open orders were allocated and most of them routed.
        assert states["routed"] >= 30 and states["allocated"] + states["checked"] >= 10
        reasons = Counter(h["reason"] for o in orders for h in o.holds)
        assert reasons["address"] >= 3 and reasons["export_check"] >= 5
        assert reasons["routing"] == states["allocated"]  # an allocated order left is held
        assert {o.ship_country for o in orders} == {"US", "GB", "CA"}
        masters = set(s.scalars(select(OrderLine.master_sku)))
        assert masters and all(m.startswith("HP-") for m in masters)
        assert s.scalar(select(func.count()).select_from(OrderRuleRow)) == 3
        bundles = [m for m in s.scalars(select(SkuMappingRow)) if m.components]
        assert len(bundles) == 2
        span = max(o.placed_at for o in orders) - min(o.placed_at for o in orders)
        assert span.days >= 55
    # Re-running the order loader (the demo loader itself keeps an existing workspace) is a no-op.
    with unit_of_work(sessions) as s:
        result = demo_orders.load_orders(
            s, system_principal(org_id), DATA_DIR, now=datetime.now(UTC)
        )
    assert result.orders == 0
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == len(every)


def test_without_reference_data_demo_orders_are_skipped(sessions, settings, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        _load(sessions, settings, tmp_path)
    assert "demo orders skipped" in caplog.text
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0
