"""/api/v1 inventory routes through the HTTP client."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.inventory.seed import add_warehouses, counts

INBOUND = {
    "reference": "PO-2026-118",
    "warehouse": "US-CA-ONT",
    "legs": [
        {
            "kind": "factory",
            "origin": "Yiwu factory",
            "destination": "Ningbo CFS",
            "departed_at": "2026-11-20T08:00:00Z",
            "arrived_at": "2026-11-21T10:00:00Z",
        },
        {
            "kind": "ocean",
            "origin": "CNNGB",
            "destination": "USLGB",
            "carrier": "COSCO",
            "tracking_ref": "COSU6281937450",
            "departed_at": "2026-11-24T00:00:00Z",
            "eta": "2026-12-12T00:00:00Z",
        },
        {
            "kind": "truck",
            "origin": "USLGB",
            "destination": "US-CA-ONT",
            "eta": "2026-12-15T00:00:00Z",
        },
    ],
    "lines": [{"sku": "HP-85123A", "quantity": 480}],
}


@pytest.fixture
def api(client, sessions) -> Api:
    return Api(client, sessions)


@pytest.fixture
def owner(api, sessions, tenant):
    add_warehouses(sessions, tenant.principal)
    caller = api.with_key(tenant)
    r = caller.post(
        "/skus",
        json={
            "sku": "HP-85123A",
            "name": "White Hanging Heart T-Light Holder",
            "weight_g": 410,
            "hs_code": "7013.99",
            "origin_country": "cn",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["origin_country"] == "CN"
    return caller


def test_receive_adjust_list_and_ledger(owner):
    r = owner.post(
        "/inventory/receipts", json={"sku": "HP-85123A", "warehouse": "US-NJ-EDI", "quantity": 24}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["on_hand"], r.json()["available"], r.json()["warehouse_code"]) == (
        24,
        24,
        "US-NJ-EDI",
    )
    r = owner.post(
        "/inventory/adjustments",
        json={
            "sku": "HP-85123A",
            "warehouse": "us-nj-edi",
            "quantity": -4,
            "reason": "2 broken in count",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["on_hand"] == 20
    items = owner.get("/inventory", params={"sku": "HP-85123A"}).json()["items"]
    assert [(i["warehouse_code"], i["on_hand"], i["allocated"]) for i in items] == [
        ("US-NJ-EDI", 20, 0)
    ]
    ledger = owner.get("/inventory/ledger").json()["items"]
    assert [(e["kind"], e["on_hand_delta"], e["note"]) for e in ledger] == [
        ("adjustment", -4, "2 broken in count"),
        ("receipt", 24, ""),
    ]
    only = owner.get(
        "/inventory/ledger", params={"warehouse_id": items[0]["warehouse_id"], "limit": 1}
    ).json()
    assert len(only["items"]) == 1 and only["next_cursor"]


def test_bad_moves_are_4xx_and_write_nothing(owner, sessions):
    owner.post(
        "/inventory/receipts", json={"sku": "HP-85123A", "warehouse": "US-NJ-EDI", "quantity": 3}
    )
    before = counts(sessions)
    cases = [
        (
            "/inventory/adjustments",
            {"sku": "HP-85123A", "warehouse": "US-NJ-EDI", "quantity": -5, "reason": "x"},
            422,
            "negative",
        ),
        (
            "/inventory/adjustments",
            {"sku": "HP-NOPE", "warehouse": "US-NJ-EDI", "quantity": 1, "reason": "x"},
            404,
            "no SKU",
        ),
        (
            "/inventory/receipts",
            {"sku": "HP-85123A", "warehouse": "XX-NOPE", "quantity": 1},
            404,
            "no warehouse",
        ),
        (
            "/inventory/receipts",
            {"sku": "HP-85123A", "warehouse": "US-NJ-EDI", "quantity": 0},
            422,
            "",
        ),
        (
            "/inventory/adjustments",
            {"sku": "HP-85123A", "warehouse": "US-NJ-EDI", "quantity": 1},
            422,
            "",
        ),
    ]
    for path, body, status, text in cases:
        r = owner.post(path, json=body)
        assert r.status_code == status, (body, r.text)
        assert text in r.json()["error"]["message"]
    assert counts(sessions) == before


def test_sku_conflict_and_validation(owner):
    r = owner.post("/skus", json={"sku": "HP-85123A", "name": "dup"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    r = owner.post("/skus", json={"sku": "bad sku!", "name": "x"})
    assert r.status_code == 422
    assert [s["sku"] for s in owner.get("/skus").json()["items"]] == ["HP-85123A"]


def test_inbound_shipment_with_legs_then_received(owner):
    r = owner.post("/inbound-shipments", json=INBOUND)
    assert r.status_code == 201, r.text
    body = r.json()
    assert [leg["kind"] for leg in body["legs"]] == ["factory", "ocean", "truck"]
    assert body["eta"] == "2026-12-15T00:00:00Z" and body["status"] == "in_transit"
    [row] = owner.get("/inventory", params={"sku": "HP-85123A"}).json()["items"]
    assert (row["on_hand"], row["inbound"]) == (0, 480)
    assert owner.post("/inbound-shipments", json=INBOUND).status_code == 409
    r = owner.post(f"/inbound-shipments/{body['id']}/receive")
    assert r.status_code == 200 and r.json()["status"] == "received"
    assert r.json()["lines"] == [{"sku": "HP-85123A", "quantity": 480, "received_quantity": 480}]
    [row] = owner.get("/inventory", params={"sku": "HP-85123A"}).json()["items"]
    assert (row["on_hand"], row["inbound"]) == (480, 0)
    assert owner.post(f"/inbound-shipments/{body['id']}/receive").status_code == 409


def test_store_policy_and_listings(owner, api, tenant):
    store = api.store(tenant, "Etsy shop")
    owner.post(
        "/inventory/receipts", json={"sku": "HP-85123A", "warehouse": "US-NJ-EDI", "quantity": 40}
    )
    default = owner.get(f"/stores/{store}/stock-policy").json()
    assert default == {
        "id": None,
        "store_id": store,
        "max_listed": None,
        "stop_selling_below": 0,
        "percent_of_available": 100,
    }
    r = owner.call(
        "PUT",
        f"/stores/{store}/stock-policy",
        json={"max_listed": 30, "stop_selling_below": 5, "percent_of_available": 60},
    )
    assert r.status_code == 200, r.text
    assert owner.get(f"/stores/{store}/listings").json() == [
        {"sku": "HP-85123A", "available": 40, "quantity": 24}
    ]
    bad = owner.call("PUT", f"/stores/{store}/stock-policy", json={"percent_of_available": 140})
    assert bad.status_code == 422
    assert owner.get("/stock-policies").json()["items"][0]["percent_of_available"] == 60


def test_reconcile_reports_clean_ledger(owner, tenant):
    owner.post(
        "/inventory/receipts", json={"sku": "HP-85123A", "warehouse": "US-NJ-EDI", "quantity": 2}
    )
    r = owner.post("/inventory/reconcile", json={})
    assert r.json() == {
        "organisation_id": tenant.org.id,
        "checked": 1,
        "drifts": [],
        "repaired": False,
    }


def test_read_only_key_cannot_move_stock(api, owner, tenant):
    reader = api.with_key(tenant, ["inventory:read"])
    r = reader.post(
        "/inventory/receipts", json={"sku": "HP-85123A", "warehouse": "US-NJ-EDI", "quantity": 2}
    )
    assert r.status_code == 403
    assert reader.get("/inventory").status_code == 200
