"""Allocation and routing steps of the order pipeline, and re-routing after a suspension."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import PermissionDenied
from linkstar.orders import flow, service
from linkstar.orders.core.canonical import ChannelStatus, OrderLine, PostalAddress
from linkstar.orders.models import OrderEvent
from linkstar.orders.suspensions import suspend_and_reroute
from linkstar.rating.models import RoutingDecision
from linkstar.workspace.core import Role, user_principal
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import make_order


@pytest.fixture
def ready(sessions, tenant, store):
    return seed.prepare(sessions, tenant.principal, store, stock=5)


def _mugs(external_id: str, qty: int):
    line = OrderLine("L1", "AMZ-MUG-RED", qty, Decimal("29.99"), "Red enamel mug")
    return make_order(external_id, lines=(line,), total=str(Decimal("29.99") * qty))


def test_checked_orders_are_allocated_or_held_on_stock(sessions, ready):
    small, big = seed.import_orders(sessions, ready, _mugs("A-1", 2), _mugs("A-2", 9))
    assert seed.order(sessions, small).state == "checked"
    with unit_of_work(sessions) as s:
        report = flow.allocate_orders(s, ready.actor)
    assert report.advanced == [small]
    assert report.held == {big: [f"{seed.MUG} short 9 of 9"]}
    assert seed.order(sessions, small).state == "allocated"
    held = seed.order(sessions, big)
    assert (held.state, held.is_held, held.holds[0]["reason"]) == ("checked", True, "stock")
    assert seed.reserved(sessions) == {small: 2}  # all or nothing: the big order took none
    kind, detail = seed.events(sessions, small)[-2]
    assert kind == "allocated"
    assert detail["lines"][0]["picks"] == [{"warehouse": "US-CA-ONT", "qty": 2}]
    assert seed.events(sessions, small)[-1] == (
        "state_changed",
        {"from": "checked", "to": "allocated"},
    )
    assert seed.kinds(sessions, big)[-1] == "held"
    with unit_of_work(sessions) as s:  # a second run finds nothing to do
        again = flow.allocate_orders(s, ready.actor)
    assert (again.advanced, again.held) == ([], {})


def test_allocated_orders_are_routed_with_the_decision_on_the_timeline(sessions, ready):
    (order_id,) = seed.import_orders(sessions, ready, _mugs("R-1", 2))
    with unit_of_work(sessions) as s:
        flow.allocate_orders(s, ready.actor)
        report = flow.route_orders(s, ready.actor)
    assert report.advanced == [order_id]
    assert seed.order(sessions, order_id).state == "routed"
    kind, detail = seed.events(sessions, order_id)[-2]
    assert kind == "routed"
    assert (detail["carrier"], detail["service_id"], detail["fallback"]) == (
        "westcoast",
        "WCP-GND",
        False,
    )
    with sessions() as s:
        decision = s.get(RoutingDecision, detail["decision_id"])
        assert decision is not None and decision.subject_ref == order_id
        inputs = decision.inputs
    assert (inputs["warehouse"], inputs["origin_postcode"], inputs["dest_postcode"]) == (
        "US-CA-ONT",
        "91761",
        "94043",
    )
    assert (inputs["weight_g"], inputs["declared_value"], inputs["currency"]) == (
        700,
        "59.98",
        "USD",
    )
    assert seed.events(sessions, order_id)[-1][1]["decision_id"] == detail["decision_id"]


def test_an_order_no_service_can_carry_is_held_on_routing(sessions, ready):
    # The example card's WestCoast services reach the western ZIPs only.
    east = PostalAddress(name="Ann Lee", line1="350 5th Ave", city="New York", state="NY",
                         postcode="10118", country="US", phone="+1 212 736 3100")  # fmt: skip
    far = make_order("F-1", ship_to=east)
    (order_id,) = seed.import_orders(sessions, ready, far)
    with unit_of_work(sessions) as s:
        flow.allocate_orders(s, ready.actor)
        report = flow.route_orders(s, ready.actor)
    assert report.advanced == [] and list(report.held) == [order_id]
    row = seed.order(sessions, order_id)
    assert (row.state, row.holds[0]["reason"]) == ("allocated", "routing")
    kind, detail = seed.events(sessions, order_id)[-1]
    assert kind == "held" and detail["reasons"] == report.held[order_id]


def test_unknown_sku_is_held_on_stock_and_nothing_is_reserved(sessions, ready):
    odd = make_order("U-1", lines=(OrderLine("L1", "NOT-MAPPED", 1, Decimal("5"), "Thing"),))
    (order_id,) = seed.import_orders(sessions, ready, odd)
    with unit_of_work(sessions) as s:
        report = flow.allocate_orders(s, ready.actor)
    assert report.held == {order_id: ["unknown SKU(s): NOT-MAPPED"]}
    assert seed.reserved(sessions) == {}


def test_cancelling_an_allocated_order_releases_its_stock(sessions, ready):
    (order_id,) = seed.import_orders(sessions, ready, _mugs("C-1", 3))
    with unit_of_work(sessions) as s:
        flow.allocate_orders(s, ready.actor)
    assert seed.allocated_units(sessions) == 3
    with unit_of_work(sessions) as s:
        service.cancel(s, ready.actor, order_id, "buyer changed their mind")
    assert seed.allocated_units(sessions) == 0
    assert seed.reserved(sessions) == {}
    assert seed.events(sessions, order_id)[-1] == ("allocation_released", {"units": 3})


def test_a_viewer_cannot_run_the_steps_and_nothing_is_written(sessions, ready, tenant):
    seed.import_orders(sessions, ready, _mugs("V-1", 1))
    viewer = user_principal(tenant.org.id, tenant.owner.id, "v@example.com", Role.viewer)
    with sessions() as s:
        before = s.scalar(select(func.count()).select_from(OrderEvent))
    for step in (flow.allocate_orders, flow.route_orders):
        with unit_of_work(sessions) as s, pytest.raises(PermissionDenied):
            step(s, viewer)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(OrderEvent)) == before
    assert seed.reserved(sessions) == {}


def test_suspending_the_chosen_service_reroutes_unshipped_orders(sessions, ready):
    routed, cancelled = seed.import_orders(sessions, ready, _mugs("S-1", 1), _mugs("S-2", 1))
    with unit_of_work(sessions) as s:
        flow.allocate_orders(s, ready.actor)
        flow.route_orders(s, ready.actor)
    with unit_of_work(sessions) as s:
        service.cancel(s, ready.actor, cancelled)
    with unit_of_work(sessions) as s:
        outcome = suspend_and_reroute(
            s, ready.actor, carrier="westcoast", service_id="WCP-GND", reason="depot fire"
        )
    assert sorted(outcome.affected) == sorted([routed, cancelled])
    assert outcome.rerouted.advanced == [routed]  # the cancelled order is left alone
    kind, detail = seed.events(sessions, routed)[-1]
    assert kind == "rerouted"
    assert (detail["service_id"], detail["fallback"]) == ("WCP-2DAY", True)
    assert seed.order(sessions, routed).state == "routed"
    assert seed.kinds(sessions, cancelled)[-1] == "allocation_released"


def test_a_channel_cancellation_releases_the_allocation(sessions, ready):
    original = _mugs("X-1", 2)
    (order_id,) = seed.import_orders(sessions, ready, original)
    with unit_of_work(sessions) as s:
        flow.allocate_orders(s, ready.actor)
    assert seed.reserved(sessions) == {order_id: 2}
    cancelled = replace(
        original, status=ChannelStatus.CANCELLED, version=original.version + timedelta(hours=1)
    )
    seed.import_orders(sessions, ready, cancelled)
    assert seed.order(sessions, order_id).state == "cancelled"
    assert seed.reserved(sessions) == {} and seed.allocated_units(sessions) == 0
    # An import's events share one timestamp: look for it, not at its position.
    assert ("allocation_released", {"units": 2}) in seed.events(sessions, order_id)


def test_an_order_sent_back_to_checked_is_allocated_afresh(sessions, ready):
    (order_id,) = seed.import_orders(sessions, ready, _mugs("B-1", 2))
    with unit_of_work(sessions) as s:
        flow.allocate_orders(s, ready.actor)
    with unit_of_work(sessions) as s:
        service.change_state(s, ready.actor, order_id, "checked", "re-plan")
    assert seed.reserved(sessions) == {order_id: 2}  # still reserved from the first pass
    with unit_of_work(sessions) as s:
        assert flow.allocate_orders(s, ready.actor).advanced == [order_id]
    assert seed.reserved(sessions) == {order_id: 2} and seed.allocated_units(sessions) == 2
