"""Orders console: Allocate / Route on an order, and bulk Allocate / Route / Release hold."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from linkstar.db.uow import unit_of_work
from linkstar.orders.core.canonical import OrderLine
from linkstar.workspace.models import Store
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import make_order


def mugs(external_id: str, qty: int):  # type: ignore[no-untyped-def]
    line = OrderLine("L1", "AMZ-MUG-RED", qty, Decimal("29.99"), "Red enamel mug")
    return make_order(external_id, lines=(line,), total=str(Decimal("29.99") * qty))


@pytest.fixture
def ready(sessions, tenant) -> seed.Flow:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        store = Store(organisation_id=tenant.org.id, name="Amazon US", channel="amazon",
                      region="US", currency="USD")  # fmt: skip
        s.add(store)
        s.flush()
        store_id = store.id
    return seed.prepare(sessions, tenant.principal, store_id, stock=5)


def notice(html: str) -> str:
    found = re.search(r'<div class="notice notice-(\w+)"[^>]*>([^<]*)</div>', html)
    assert found, "no notice"
    return f"{found.group(1)}: {found.group(2)}"


def test_allocate_then_route_one_order_from_its_page(owner, sessions, ready) -> None:  # type: ignore[no-untyped-def]
    (order_id,) = seed.import_orders(sessions, ready, mugs("A-1", 2))
    page = owner.get(f"/orders/{order_id}").text
    assert f'action="/orders/{order_id}/allocate"' in page
    assert f'action="/orders/{order_id}/route"' not in page
    done = owner.follow(owner.post(f"/orders/{order_id}/allocate"))
    assert notice(done.text) == "success: Allocate: 1 allocated."
    assert seed.order(sessions, order_id).state == "allocated"
    assert f'action="/orders/{order_id}/route"' in done.text
    again = owner.follow(owner.post(f"/orders/{order_id}/allocate"))
    assert notice(again.text) == (
        "error: Allocate: 0 allocated, 1 not checked and unheld, left as they were."
    )
    routed = owner.follow(owner.post(f"/orders/{order_id}/route"))
    assert notice(routed.text) == "success: Route: 1 routed."
    assert seed.order(sessions, order_id).state == "routed"
    assert "routed" in seed.kinds(sessions, order_id)


def test_bulk_allocate_route_and_release(owner, sessions, ready) -> None:  # type: ignore[no-untyped-def]
    a, b, c = seed.import_orders(sessions, ready, mugs("B-1", 2), mugs("B-2", 2), mugs("B-3", 3))
    listing = owner.get("/orders").text
    assert 'form id="bulk-form"' in listing
    assert f'name="order_id" value="{c}" form="bulk-form"' in listing
    r = owner.post("/orders/bulk-action", {"action": "allocate", "order_id": [a, b, c]})
    assert notice(owner.follow(r).text) == (
        f"success: Allocate: 2 allocated, 1 held ({seed.MUG} short 3 of 3)."
    )
    assert [seed.order(sessions, i).state for i in (a, b, c)] == ["allocated"] * 2 + ["checked"]
    r = owner.post("/orders/bulk-action", {"action": "route", "order_id": [a, b]})
    assert notice(owner.follow(r).text) == "success: Route: 2 routed."
    r = owner.post(
        "/orders/bulk-action", {"action": "release", "order_id": [c, a], "back": "/orders/holds"}
    )
    assert r.headers["location"] == "/orders/holds"
    assert notice(owner.follow(r).text) == "success: Release hold: 1 released, 1 had no hold."
    assert seed.order(sessions, c).is_held is False


def test_bulk_refuses_nothing_selected_and_unknown_ids(owner, sessions, ready) -> None:  # type: ignore[no-untyped-def]
    (a,) = seed.import_orders(sessions, ready, mugs("C-1", 1))
    r = owner.post("/orders/bulk-action", {"action": "allocate"})
    assert notice(owner.follow(r).text) == "error: Select at least one order."
    r = owner.post("/orders/bulk-action", {"action": "explode", "order_id": [a]})
    assert notice(owner.follow(r).text) == "error: Choose Allocate, Route or Release hold."
    r = owner.post("/orders/bulk-action", {"action": "allocate", "order_id": [a, "0" * 32]})
    assert notice(owner.follow(r).text) == "error: Some selected orders do not exist."
    assert seed.order(sessions, a).state == "checked"  # nothing was done
