"""POST /orders/allocate and /orders/route: the pipeline steps over HTTP, and the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linkstar.workspace.core import Role
from tests.api.conftest import assert_error
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import T0, make_order


@pytest.fixture
def ready(api, tenant):  # type: ignore[no-untyped-def]
    prepared = seed.prepare(api.sessions, tenant.principal, api.store(tenant), stock=3)
    orders = [make_order(f"H-{i}", placed_at=T0 - timedelta(hours=4 - i)) for i in (1, 2, 3)]
    ids = seed.import_orders(api.sessions, prepared, *orders)
    return prepared, ids


def test_allocate_then_route_over_http_shows_on_the_timeline(api, tenant, ready):
    _flow, (first, second, third) = ready
    caller = api.with_key(tenant)
    r = caller.post("/orders/allocate", json={})
    assert r.status_code == 200, r.text
    # Two units each, three in stock: the oldest order gets them, the others wait on stock.
    assert r.json()["advanced"] == [first]
    assert r.json()["held"] == {
        second: [f"{seed.MUG} short 2 of 2"],
        third: [f"{seed.MUG} short 2 of 2"],
    }
    r = caller.post("/orders/route", json={"order_ids": [first, second]})
    assert r.status_code == 200, r.text
    assert r.json() == {"advanced": [first], "held": {}}  # the held one is not waiting
    detail = caller.get(f"/orders/{first}").json()
    assert detail["state"] == "routed"
    routed = [e for e in detail["timeline"] if e["kind"] == "routed"]
    assert len(routed) == 1 and routed[0]["detail"]["service_id"] == "WCP-GND"
    decision = caller.get(f"/routing/decisions/{routed[0]['detail']['decision_id']}")
    assert decision.status_code == 200 and decision.json()["subject_ref"] == first
    held = caller.get(f"/orders/{second}").json()
    assert [h["reason"] for h in held["holds"]] == ["stock"]


def test_a_viewer_is_refused_and_bad_input_writes_nothing(api, tenant, ready):
    _flow, ids = ready
    viewer = api.as_user(api.add_user(tenant, Role.viewer))
    assert_error(viewer.post("/orders/allocate", json={}), 403, "permission_denied")
    caller = api.with_key(tenant)
    r = caller.post("/orders/allocate", json={"order_ids": "all"})
    assert r.status_code == 422, r.text
    r = caller.post("/orders/route", json={"orders": []})
    assert r.status_code == 422, r.text
    assert seed.reserved(api.sessions) == {}
    assert {seed.order(api.sessions, i).state for i in ids} == {"checked"}


def test_order_ids_must_look_like_ids(api, tenant, ready):
    caller = api.with_key(tenant)
    for bad in ["", "a\x00b", "x" * 65, "id with spaces"]:
        r = caller.post("/orders/route", json={"order_ids": [bad]})
        assert_error(r, 422, "invalid_input")
    assert seed.reserved(api.sessions) == {}
