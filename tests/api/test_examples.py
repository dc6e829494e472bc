"""The request bodies in examples/api/ work against the API as documented in docs/api.md."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from linkstar.kit.clock import utcnow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "api"


def _load(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((EXAMPLES / name).read_text())


def test_examples_are_accepted(api, tenant):
    owner = api.owner(tenant)
    assert sorted(p.name for p in EXAMPLES.glob("*.json")) == [
        "api-key-create.json",
        "organisation-update.json",
        "store-authorisation-complete.json",
        "store-authorisation-start.json",
        "store-create.json",
        "store-update.json",
        "user-create.json",
        "user-update.json",
        "warehouse-create.json",
        "warehouse-update.json",
    ]
    assert owner.patch("/organisation", json=_load("organisation-update.json")).status_code == 200
    store = owner.post("/stores", json=_load("store-create.json"))
    assert store.status_code == 201, store.text
    assert store.json()["has_credentials"] is True
    store_id = store.json()["id"]
    start = owner.post(
        f"/stores/{store_id}/authorisation", json=_load("store-authorisation-start.json")
    )
    assert start.status_code == 200, start.text
    assert start.json()["authorize_url"].startswith("https://sellercentral.amazon.com/apps/")
    # the example's state is a placeholder: the shape is accepted, the state is not this one's
    done = owner.post(
        f"/stores/{store_id}/authorisation/complete",
        json=_load("store-authorisation-complete.json"),
    )
    assert done.status_code == 422 and "not one this workspace started" in done.text
    r = owner.patch(f"/stores/{store_id}", json=_load("store-update.json"))
    assert r.status_code == 200, r.text
    warehouse = owner.post("/warehouses", json=_load("warehouse-create.json"))
    assert warehouse.status_code == 201, warehouse.text
    r = owner.patch(f"/warehouses/{warehouse.json()['id']}", json=_load("warehouse-update.json"))
    assert r.status_code == 200, r.text
    user = owner.post("/users", json=_load("user-create.json"))
    assert user.status_code == 201, user.text
    r = owner.patch(f"/users/{user.json()['id']}", json=_load("user-update.json"))
    assert r.status_code == 200, r.text
    key = _load("api-key-create.json")
    if datetime.fromisoformat(key["expires_at"]) <= utcnow():  # the example aged
        key["expires_at"] = (utcnow() + timedelta(days=1)).isoformat()
    r = owner.post("/api-keys", json=key)
    assert r.status_code == 201, r.text
