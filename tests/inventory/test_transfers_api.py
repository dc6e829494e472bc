"""/api/v1/transfers through the HTTP client."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.inventory.seed import add_skus, add_warehouses, counts, receive

MUG = "HP-85123A"
BODY = {
    "reference": "TR-2026-118",
    "from_warehouse": "US-CA-ONT",
    "to_warehouse": "US-NJ-EDI",
    "lines": [{"sku": MUG, "quantity": 8}],
    "carrier": "Old Dominion",
    "eta": "2026-12-12T00:00:00Z",
}


@pytest.fixture
def owner(client, sessions, tenant):
    add_warehouses(sessions, tenant.principal)
    add_skus(sessions, tenant.principal, MUG)
    receive(sessions, tenant.principal, MUG, "US-CA-ONT", 10)
    return Api(client, sessions).with_key(tenant)


def test_plan_dispatch_and_receive_a_transfer(owner):
    r = owner.post("/transfers", json=BODY, headers={"Idempotency-Key": "tr-118"})
    assert r.status_code == 201, r.text
    transfer = r.json()
    assert (transfer["status"], transfer["from_warehouse"], transfer["to_warehouse"]) == (
        "draft",
        "US-CA-ONT",
        "US-NJ-EDI",
    )
    replay = owner.post("/transfers", json=BODY, headers={"Idempotency-Key": "tr-118"})
    assert replay.status_code == 201 and replay.json()["id"] == transfer["id"]
    tid = transfer["id"]
    r = owner.post(f"/transfers/{tid}/dispatch")
    assert r.status_code == 200 and r.json()["status"] == "in_transit"
    stock = {i["warehouse_code"]: i for i in owner.get("/inventory").json()["items"]}
    assert (stock["US-CA-ONT"]["on_hand"], stock["US-NJ-EDI"]["inbound"]) == (2, 8)
    r = owner.post(f"/transfers/{tid}/receive", json={"lines": [{"sku": MUG, "quantity": 5}]})
    assert r.status_code == 200, r.text
    assert [(x["received_quantity"], x["outstanding"]) for x in r.json()["lines"]] == [(5, 3)]
    r = owner.post(f"/transfers/{tid}/receive", json={"lines": [{"sku": MUG, "quantity": 4}]})
    assert r.status_code == 422 and "only 3 still on the way" in r.json()["error"]["message"]
    r = owner.post(f"/transfers/{tid}/receive", json={})
    assert r.status_code == 200 and r.json()["status"] == "received"
    listed = owner.get("/transfers", params={"status": "received"}).json()["items"]
    assert [t["reference"] for t in listed] == ["TR-2026-118"]
    assert owner.get("/transfers", params={"status": "draft"}).json()["items"] == []
    ledger = owner.get("/inventory/ledger").json()["items"]
    assert [(e["kind"], e["on_hand_delta"]) for e in ledger[:3]] == [
        ("transfer_in", 3),
        ("transfer_in", 5),
        ("transfer_out", -8),
    ]
    assert owner.post("/inventory/reconcile", json={}).json()["drifts"] == []


def test_refusals_are_4xx_and_write_nothing(owner, sessions):
    tid = owner.post("/transfers", json={**BODY, "lines": [{"sku": MUG, "quantity": 11}]}).json()[
        "id"
    ]
    before = counts(sessions)
    cases = [
        ("post", f"/transfers/{tid}/dispatch", None, 422),  # 10 on hand
        ("post", f"/transfers/{tid}/receive", {}, 409),  # still a draft
        ("post", "/transfers", {**BODY, "reference": "X", "to_warehouse": "US-CA-ONT"}, 422),
        ("post", "/transfers", BODY | {"reference": "TR-2026-118"}, 409),
        ("post", "/transfers", {**BODY, "reference": "Y", "to_warehouse": "NOPE"}, 404),
        ("get", "/transfers/" + "0" * 32, None, 404),
    ]
    for method, url, body, status in cases:
        r = (
            getattr(owner, method)(url, json=body)
            if body is not None
            else getattr(owner, method)(url)
        )
        assert r.status_code == status, (url, r.text)
    assert counts(sessions) == before
