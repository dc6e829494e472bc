"""Services around ingestion: rules applied on import (merge, split, warehouses), dead-letter
retry, canonical JSON codec."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import InvalidInput, PermissionDenied
from linkstar.orders import service, setup
from linkstar.orders.core.canonical import OrderLine, TaxTerms
from linkstar.orders.core.codec import PayloadInvalid, order_from_json, order_to_json
from linkstar.orders.ingest import ingest, record_dead_letter
from linkstar.orders.models import Order, OrderDeadLetter, OrderEvent
from linkstar.workspace.core import Role, user_principal
from tests.orders.conftest import T0, make_order


def test_rules_set_warehouses_split_and_merge_on_import(sessions, tenant, store):
    actor = tenant.principal
    with unit_of_work(sessions) as s:
        setup.create_rule(
            s,
            actor,
            {
                "name": "Kits apart",
                "when": {"field": "lines[].channel_sku", "op": "eq", "value": "KIT-1"},
                "then": [
                    {
                        "type": "split",
                        "by": "line_group",
                        "groups": [{"name": "kits", "skus": ["KIT-1"]}],
                    },
                    {"type": "set_warehouse", "warehouse": "nj1"},
                    {"type": "exclude_warehouse", "warehouse": "FBA-1"},
                ],
            },
        )
        setup.create_rule(
            s,
            actor,
            {"name": "One parcel per buyer", "then": [{"type": "merge", "window_hours": 24}]},
        )
    first = make_order("M-1", placed_at=T0 - timedelta(hours=5))
    second = make_order(
        "M-2",
        placed_at=T0 - timedelta(hours=1),
        lines=(
            OrderLine("L1", "AMZ-MUG-RED", 1, Decimal("5")),
            OrderLine("L2", "KIT-1", 1, Decimal("9")),
        ),
    )
    far = make_order("M-3", placed_at=T0 + timedelta(days=3))
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, store, [(first, None)], "webhook")
        ingest(s, tenant.org.id, store, [(second, None), (far, None)], "webhook")
    with unit_of_work(sessions) as s:
        rows = {o.external_id: o for o in s.scalars(select(Order))}
        assert rows["M-2"].warehouse_code == "NJ1" and rows["M-2"].excluded_warehouses == ["FBA-1"]
        assert rows["M-2"].split_plan == [
            {"name": "kits", "by": "line_group", "lines": [1]},
            {"name": "rest", "by": "line_group", "lines": [0]},
        ]
        assert rows["M-1"].merge_group == rows["M-2"].merge_group == rows["M-1"].id
        assert rows["M-3"].merge_group is None
        merged = s.scalars(select(OrderEvent).where(OrderEvent.kind == "merged")).all()
        assert sorted(e.order_id for e in merged) == sorted([rows["M-1"].id, rows["M-2"].id])


def test_retry_of_a_fixed_dead_letter_creates_the_order_once(sessions, tenant, store):
    good = json.dumps(order_to_json(make_order("DL-1")))
    with unit_of_work(sessions) as s:
        dead_id = record_dead_letter(s, tenant.org.id, store, "webhook", good, "parser bug #12")
    with unit_of_work(sessions) as s:
        result = service.retry_dead_letter(s, tenant.principal, dead_id)
    assert result.error is None and result.report is not None and result.report.created == 1
    with unit_of_work(sessions) as s:
        dead = s.get(OrderDeadLetter, dead_id)
        assert dead is not None and (dead.state, dead.attempts) == ("retried", 2)
        order = s.scalars(select(Order)).one()
        assert dead.order_id == order.id and order.external_id == "DL-1"


def test_failed_retry_leaves_no_partial_order(sessions, tenant, store):
    broken = json.dumps({**order_to_json(make_order("DL-2")), "lines": [{"channel_sku": "X"}]})
    with unit_of_work(sessions) as s:
        dead_id = record_dead_letter(s, tenant.org.id, store, "poll", broken, "first error")
    with unit_of_work(sessions) as s:
        result = service.retry_dead_letter(s, tenant.principal, dead_id)
    assert result.error == "lines[0].quantity: must be a whole number"
    with unit_of_work(sessions) as s:
        assert s.scalars(select(Order)).all() == []
        dead = s.get(OrderDeadLetter, dead_id)
        assert dead is not None and (dead.state, dead.attempts, dead.error) == (
            "open",
            2,
            "lines[0].quantity: must be a whole number",
        )


def test_agents_read_orders_but_cannot_hold_them(sessions, tenant, store):
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, store, [(make_order(), None)], "api")
    agent = user_principal(tenant.org.id, "u", "agent@x.example", Role.agent)
    with unit_of_work(sessions) as s:
        assert service.get_order(s, agent, report.order_ids[0]).order.external_id
        with pytest.raises(PermissionDenied, match="lacks the orders:write permission"):
            service.hold(s, agent, report.order_ids[0], "fraud_check")


def test_codec_round_trip_and_precise_errors():
    order = make_order("C-1", tax_terms=TaxTerms.DDP, tags=("gift",))
    assert order_from_json(json.loads(json.dumps(order_to_json(order)))) == order
    data = order_to_json(order)
    cases = [
        ({**data, "colour": "red"}, "$: unknown key(s) colour"),
        ({**data, "version": "2026-11-20T10:00:00"}, "version: needs a UTC offset"),
        ({**data, "total": "lots"}, "total: 'lots' is not a number"),
        ({**data, "status": "lost"}, "'lost' is not a valid ChannelStatus"),
        ({**data, "ship_to": {"zip": "1"}}, "ship_to: unknown key(s) zip"),
        (
            {**data, "lines": [{**data["lines"][0], "quantity": -1}]},
            "quantity must not be negative",
        ),
        ({**data, "currency": "EURO"}, "currency must be an ISO 4217 code"),
    ]
    for payload, message in cases:
        with pytest.raises(PayloadInvalid) as err:
            order_from_json(payload)
        assert message in err.value.message, (message, err.value.message)
    assert isinstance(PayloadInvalid("x"), InvalidInput)
