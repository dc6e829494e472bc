"""A split order is routed one parcel per warehouse, each from where its units leave."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.inventory import service as inventory
from linkstar.inventory.schemas import ReceiptCreate
from linkstar.orders import flow
from linkstar.orders.core.canonical import OrderLine
from linkstar.orders.models import Order
from linkstar.orders.parcels import order_of
from linkstar.orders.suspensions import suspend_and_reroute
from linkstar.rating import routing
from linkstar.rating.models import RoutingDecision
from linkstar.workspace import service as wservice
from linkstar.workspace.core import WarehouseKind
from linkstar.workspace.schemas import WarehouseCreate
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import make_order


def _split_order(sessions, tenant, store, second: str) -> tuple[seed.Flow, str]:
    """3 mugs ordered to California; 1 in Ontario, the rest in `second`; a split allowed."""
    ready = seed.prepare(sessions, tenant.principal, store, stock=1)
    with unit_of_work(sessions) as s:
        if second not in ready.warehouses:
            data = WarehouseCreate(
                code=second, name="Riverside", kind=WarehouseKind.third_party,
                line1="2 Dock Road", city="Riverside", state="CA", postcode="92507",
                country="US", timezone="America/Los_Angeles",
            )  # fmt: skip
            wservice.create_warehouse(s, ready.actor, data)
        inventory.receive(s, ready.actor, ReceiptCreate(sku=seed.MUG, warehouse=second, quantity=5))
    line = OrderLine("L1", "AMZ-MUG-RED", 3, Decimal("29.99"), "Red enamel mug")
    order = make_order("SP-1", lines=(line,), total="89.97")
    (order_id,) = seed.import_orders(sessions, ready, order)
    with unit_of_work(sessions) as s:  # as a `split` rule action leaves it
        row = s.get(Order, order_id)
        assert row is not None
        row.split_plan = [{"name": "rest", "by": "warehouse", "lines": [0]}]
    with unit_of_work(sessions) as s:
        assert flow.allocate_orders(s, ready.actor).advanced == [order_id]
    return ready, order_id


def _decisions(sessions, order_id: str) -> list[tuple[str, dict[str, Any]]]:
    with sessions() as s:
        rows = s.scalars(select(RoutingDecision).order_by(RoutingDecision.subject_ref))
        return [(d.subject_ref, d.inputs) for d in rows]


def test_each_warehouse_part_is_its_own_parcel_with_its_own_decision(sessions, tenant, store):
    ready, order_id = _split_order(sessions, tenant, store, "US-CA-RIV")
    with unit_of_work(sessions) as s:
        report = flow.route_orders(s, ready.actor)
    assert report.advanced == [order_id]
    decisions = _decisions(sessions, order_id)
    assert [ref for ref, _ in decisions] == [f"{order_id}/US-CA-ONT", f"{order_id}/US-CA-RIV"]
    ont, riv = (inputs for _, inputs in decisions)
    assert (ont["warehouse"], ont["origin_postcode"], ont["weight_g"], ont["parcel"]) == (
        "US-CA-ONT", "91761", 350, "1 of 2",
    )  # fmt: skip
    assert (riv["warehouse"], riv["origin_postcode"], riv["weight_g"], riv["parcel"]) == (
        "US-CA-RIV", "92507", 700, "2 of 2",
    )  # fmt: skip
    assert (ont["declared_value"], riv["declared_value"]) == ("29.99", "59.98")
    assert seed.order(sessions, order_id).state == "routed"
    kind, detail = seed.events(sessions, order_id)[-2]
    assert kind == "routed"
    assert [(p["parcel"], p["status"]) for p in detail["parcels"]] == [
        (f"{order_id}/US-CA-ONT", "assigned"),
        (f"{order_id}/US-CA-RIV", "assigned"),
    ]
    with sessions() as s:
        newest = routing.parcel_decisions(s, ready.actor, order_id)
    assert [d.subject_ref for d in newest] == [ref for ref, _ in decisions]
    assert {order_of(ref) for ref, _ in decisions} == {order_id}


def test_a_parcel_no_service_carries_holds_the_order_naming_its_warehouse(sessions, tenant, store):
    ready, order_id = _split_order(sessions, tenant, store, "US-NJ-EDI")
    with unit_of_work(sessions) as s:
        report = flow.route_orders(s, ready.actor)
    assert report.advanced == [] and list(report.held) == [order_id]
    assert [ref for ref, _ in _decisions(sessions, order_id)] == [
        f"{order_id}/US-CA-ONT",
        f"{order_id}/US-NJ-EDI",
    ]
    row = seed.order(sessions, order_id)
    assert (row.state, row.holds[0]["reason"]) == ("allocated", "routing")
    kind, detail = seed.events(sessions, order_id)[-1]
    assert kind == "held"
    assert detail["reasons"] == ["US-NJ-EDI: no_eligible_service", "US-NJ-EDI: origin_not_served"]
    assert [p["status"] for p in detail["parcels"]] == ["assigned", "held"]
    with sessions() as s:
        held = s.get(RoutingDecision, detail["decision_id"])
        assert held is not None and held.subject_ref == f"{order_id}/US-NJ-EDI"


def test_a_suspension_reroutes_each_parcel_of_a_split_order(sessions, tenant, store):
    ready, order_id = _split_order(sessions, tenant, store, "US-CA-RIV")
    with unit_of_work(sessions) as s:
        flow.route_orders(s, ready.actor)
    with unit_of_work(sessions) as s:
        outcome = suspend_and_reroute(
            s, ready.actor, carrier="westcoast", service_id="WCP-GND", reason="depot fire"
        )
    parcels = [f"{order_id}/US-CA-ONT", f"{order_id}/US-CA-RIV"]
    assert sorted(outcome.affected) == parcels
    assert outcome.rerouted.advanced == [order_id]
    rerouted = [d for k, d in seed.events(sessions, order_id) if k == "rerouted"]
    assert [(d["parcel"], d["service_id"], d["fallback"]) for d in rerouted] == [
        (parcels[0], "WCP-2DAY", True),
        (parcels[1], "WCP-2DAY", True),
    ]
    assert seed.order(sessions, order_id).state == "routed"
