"""The /orders, /sku-mappings and /order-rules API: behaviour, permissions, nothing half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linkstar.kit.clock import utcnow
from linkstar.orders.core.canonical import Buyer
from linkstar.orders.core.codec import order_to_json
from linkstar.workspace.core import Role
from tests.api.conftest import assert_error
from tests.orders.conftest import BAD_US, make_order
from tests.orders.seed import seed_orders


@pytest.fixture
def shop(api, tenant):  # type: ignore[no-untyped-def]
    store_id = api.store(tenant)
    ids = seed_orders(api.sessions, tenant.org.id, store_id)
    return {"store_id": store_id, **ids}


def order_json(external_id: str, **kw):  # type: ignore[no-untyped-def]
    now = utcnow()
    kw.setdefault("version", now - timedelta(hours=1))
    kw.setdefault("placed_at", now - timedelta(hours=2))
    return order_to_json(make_order(external_id, **kw))


def test_import_list_filter_and_detail(api, tenant, shop):
    caller = api.with_key(tenant)
    body = {
        "store_id": shop["store_id"],
        "source": "poll",
        "orders": [
            order_json("114-1", buyer=Buyer("Ann Lee", "ann@x.io")),
            order_json("114-2", ship_to=BAD_US),
            {"external_id": "114-3", "channel": "amazon"},
        ],
    }
    r = caller.post("/orders/import", json=body)
    assert r.status_code == 201, r.text
    report = r.json()
    assert (report["created"], report["held"]) == (2, 1)
    assert [(e["index"], e["external_id"]) for e in report["errors"]] == [(2, "114-3")]
    assert report["errors"][0]["message"] == "lines: is required: a list of lines"

    listed = caller.get("/orders", params={"held": "true"}).json()
    assert [o["external_id"] for o in listed["items"]] == ["114-2"] and listed["total"] == 1
    assert listed["items"][0]["holds"][0]["reason"] == "address"
    assert caller.get("/orders", params={"q": "ANN@X"}).json()["total"] == 1
    assert caller.get("/orders", params={"state": "checked"}).json()["total"] == 2
    assert caller.get("/orders", params={"channel": "ebay"}).json()["total"] == 0
    assert_error(caller.get("/orders", params={"state": "lost"}), 422, "invalid_input")

    first = caller.get("/orders", params={"limit": 2}).json()
    second = caller.get("/orders", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None

    detail = caller.get(f"/orders/{shop['order_id']}").json()
    assert detail["lines"][0]["master_sku"] == "HP-85123A"
    assert [e["kind"] for e in detail["timeline"]] == ["imported", "rule_applied"]
    assert detail["timeline"][1]["detail"]["rule"] == "Tag big orders"
    assert detail["tags"] == ["big"] and detail["payloads"][0]["source"] == "webhook"


def test_import_is_idempotent_with_and_without_key(api, tenant, shop):
    caller = api.with_key(tenant)
    body = {"store_id": shop["store_id"], "orders": [order_json("115-1")]}
    first = caller.post("/orders/import", json=body, headers={"Idempotency-Key": "k1"})
    replay = caller.post("/orders/import", json=body, headers={"Idempotency-Key": "k1"})
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    again = caller.post("/orders/import", json=body).json()
    assert (again["created"], again["unchanged"]) == (0, 1)


def test_hold_release_cancel_and_state_rules(api, tenant, shop):
    caller = api.with_key(tenant)
    url = f"/orders/{shop['order_id']}"
    held = caller.post(f"{url}/hold", json={"reason": "fraud_check", "detail": "new buyer"})
    assert held.json()["is_held"] is True
    blocked = caller.post(f"{url}/transition", json={"state": "allocated"})
    assert_error(blocked, 409, "order_held")
    assert_error(caller.post(f"{url}/release", json={"reason": "stock"}), 409, "conflict")
    released = caller.post(f"{url}/release", json={"reason": "fraud_check", "note": "called"})
    assert released.json()["holds"] == []
    assert caller.post(f"{url}/transition", json={"state": "allocated"}).json()["state"] == (
        "allocated"
    )
    assert caller.post(f"{url}/cancel", json={"note": "buyer asked"}).json()["state"] == "cancelled"
    assert_error(caller.post(f"{url}/cancel", json={}), 409, "invalid_transition")
    kinds = [e["kind"] for e in caller.get(url).json()["timeline"]]
    assert (
        kinds[-5:] == ["held", "released", "state_changed", "state_changed", "state_changed"][-5:]
        or kinds.count("state_changed") == 2
    )
    actions = [e["action"] for e in api.audit(tenant.org.id)]
    assert {"order.hold", "order.release", "order.state"} <= set(actions)


def test_viewer_reads_but_cannot_change(api, tenant, shop):
    viewer = api.as_user(api.add_user(tenant, Role.viewer))
    before = api.snapshot(tenant.org.id)
    assert viewer.get("/orders").status_code == 200
    url = f"/orders/{shop['order_id']}"
    assert_error(viewer.post(f"{url}/hold", json={"reason": "x"}), 403, "permission_denied")
    rule = {"name": "r", "then": [{"type": "tag", "tag": "t"}]}
    assert_error(viewer.post("/order-rules", json=rule), 403, "permission_denied")
    assert api.snapshot(tenant.org.id) == before


def test_dead_letter_retry_and_discard(api, tenant, shop):
    caller = api.with_key(tenant)
    dead = caller.get("/orders/dead-letters", params={"state": "open"}).json()["items"]
    assert [d["id"] for d in dead] == [shop["dead_letter_id"]]
    url = f"/orders/dead-letters/{shop['dead_letter_id']}"
    assert caller.get(url).json()["raw"] == '{"external_id": "broken"}'
    retry = caller.post(f"{url}/retry").json()
    assert retry["succeeded"] is False and retry["dead_letter"]["attempts"] == 2
    assert retry["dead_letter"]["state"] == "open"
    assert caller.post(f"{url}/discard").json()["state"] == "discarded"
    assert_error(caller.post(f"{url}/retry"), 409, "conflict")


def test_rules_crud_validation_and_dry_run(api, tenant, shop):
    caller = api.with_key(tenant)
    before = api.snapshot(tenant.org.id)["order_rules"]
    bad = {
        "name": "x",
        "when": {"field": "ship_to.zip", "op": "eq", "value": 1},
        "then": [{"type": "hold"}],
    }
    error = assert_error(caller.post("/order-rules", json=bad), 422, "rule_invalid")
    assert [e["path"] for e in error["details"]["errors"]] == ["when.field", "then[0].reason"]
    assert api.snapshot(tenant.org.id)["order_rules"] == before

    rule = {
        "name": "US first",
        "position": 1,
        "when": {"field": "ship_to.country", "op": "eq", "value": "US"},
        "then": [{"type": "set_priority", "priority": "high"}],
    }
    created = caller.post("/order-rules", json=rule).json()
    rules = caller.get("/order-rules").json()["items"]
    assert [(r["name"], r["position"]) for r in rules] == [("US first", 1), ("Tag big orders", 2)]
    patched = caller.patch(f"/order-rules/{created['id']}", json={"enabled": False}).json()
    assert (patched["enabled"], patched["revision"]) == (False, 2)

    dry = caller.post("/order-rules/dry-run", json=rule).json()
    assert (dry["examined"], dry["matched"]) == (1, 1)
    assert dry["hits"][0]["actions"] == [{"type": "set_priority", "priority": "high"}]
    assert caller.delete(f"/order-rules/{created['id']}").status_code == 204


def test_sku_mappings_put_replace_csv_and_delete(api, tenant, shop):
    caller = api.with_key(tenant)
    body = {
        "channel": "amazon",
        "channel_sku": "AMZ-KIT",
        "components": [{"sku": "HP-1", "quantity": 2}],
    }
    first = caller.post("/sku-mappings", json=body).json()
    second = caller.post("/sku-mappings", json=body | {"components": [], "master_sku": "HP-9"})
    assert second.json()["id"] == first["id"] and second.json()["master_sku"] == "HP-9"
    both = caller.post("/sku-mappings", json=body | {"master_sku": "HP-9"})
    assert_error(both, 422, "invalid_input")
    result = caller.post(
        "/sku-mappings/import", json={"csv": "channel,channel_sku,master_sku\nebay,E-1,HP-1\n,X,\n"}
    ).json()
    assert (result["created"], result["updated"]) == (1, 0)
    assert result["errors"] == [
        {"row": 3, "column": "store_id", "reason": "give store_id or channel"}
    ]
    assert caller.delete(f"/sku-mappings/{first['id']}").status_code == 204
    skus = {m["channel_sku"] for m in caller.get("/sku-mappings").json()["items"]}
    assert skus == {"AMZ-MUG-RED", "E-1"}
