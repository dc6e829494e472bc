"""Idempotency-Key on creating POSTs: replay, conflict, scope and limits, with exact counts."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from linkstar.api.idempotency import Idempotent
from tests.api.conftest import assert_error

STORE = {"name": "Shopify EU", "channel": "shopify", "region": "EU", "currency": "EUR"}
WAREHOUSE = {
    "code": "RTM",
    "name": "Rotterdam",
    "kind": "own",
    "line1": "Kade 1",
    "city": "Rotterdam",
    "postcode": "3011",
    "country": "NL",
    "timezone": "Europe/Amsterdam",
}
USER = {"email": "packer@acme.example", "role": "operator", "password": "Sturdy-Password-77"}
KEY = {"name": "ERP", "scopes": ["orders:read"]}

CREATING_POSTS = [
    ("/stores", STORE, "stores"),
    ("/warehouses", WAREHOUSE, "warehouses"),
    ("/users", USER, "users"),
    ("/api-keys", KEY, "api_keys"),
]


@pytest.mark.parametrize(
    ("path", "body", "table"), CREATING_POSTS, ids=[c[0] for c in CREATING_POSTS]
)
def test_replay_returns_the_stored_response_and_writes_nothing(api, tenant, path, body, table):
    caller = api.with_key(tenant)
    headers = {"Idempotency-Key": "create-1"}
    before = api.counts()
    first = caller.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    after_first = api.counts()
    assert after_first[table] == before[table] + 1
    assert after_first["idempotency_records"] == before["idempotency_records"] + 1
    assert after_first["audit_log"] == before["audit_log"] + 1

    # Same body, other key order and spacing: still the same request.
    same = json.dumps(dict(reversed(list(body.items()))), indent=2)
    replay = caller.post(
        path, content=same, headers={**headers, "Content-Type": "application/json"}
    )
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    expected = {k: v for k, v in first.json().items() if k != "key"}
    assert replay.json() == expected
    assert api.counts() == after_first

    changed = (
        {**body, "name": "Something else"}
        if "name" in body
        else {**body, "email": "x@acme.example"}
    )
    conflict = caller.post(path, json=changed, headers=headers)
    error = assert_error(conflict, 409, "idempotency_key_reused")
    assert error["details"] == {"header": "Idempotency-Key"}
    assert api.counts() == after_first


def test_api_key_secret_is_not_stored_for_replays(api, tenant):
    caller = api.with_key(tenant)
    first = caller.post("/api-keys", json=KEY, headers={"Idempotency-Key": "k"})
    secret = first.json()["key"]
    snapshot = api.snapshot(tenant.org.id)["idempotency_records"]
    assert len(snapshot) == 1
    assert secret not in json.dumps(snapshot, default=str)
    assert "key" not in snapshot[0]["response"]
    replay = caller.post("/api-keys", json=KEY, headers={"Idempotency-Key": "k"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert "key" not in replay.json()
    assert replay.json()["id"] == first.json()["id"]


def test_request_hash_does_not_reveal_the_body(api, tenant):
    caller = api.with_key(tenant)
    caller.post("/users", json=USER, headers={"Idempotency-Key": "u"})
    record = api.snapshot(tenant.org.id)["idempotency_records"][0]
    import hashlib

    plain = json.dumps(USER, sort_keys=True, separators=(",", ":")).encode()
    assert record["request_hash"] != hashlib.sha256(plain).hexdigest()
    assert USER["password"] not in json.dumps(record, default=str)


def test_without_a_key_each_post_creates(api, tenant):
    caller = api.with_key(tenant)
    assert caller.post("/warehouses", json=WAREHOUSE).status_code == 201
    assert_error(caller.post("/warehouses", json=WAREHOUSE), 409, "conflict")
    assert caller.post("/warehouses", json={**WAREHOUSE, "code": "RTM2"}).status_code == 201
    counts = api.counts()
    assert counts["warehouses"] == 2
    assert counts["idempotency_records"] == 0


def test_failed_first_request_stores_nothing_and_can_be_retried(api, tenant):
    caller = api.with_key(tenant)
    caller.post("/stores", json=STORE)  # takes the name
    counts = api.counts()
    r = caller.post("/stores", json=STORE, headers={"Idempotency-Key": "retry-me"})
    assert_error(r, 409, "conflict")
    assert api.counts() == counts
    invalid = caller.post(
        "/stores", json={**STORE, "currency": "EURO"}, headers={"Idempotency-Key": "retry-me"}
    )
    assert_error(invalid, 422, "invalid_input")
    assert api.counts() == counts
    ok = caller.post(
        "/stores", json={**STORE, "name": "Free"}, headers={"Idempotency-Key": "retry-me"}
    )
    assert ok.status_code == 201
    assert api.counts()["idempotency_records"] == 1


def test_keys_are_scoped_by_route_and_organisation(api, make_tenant):
    a, b = make_tenant("Acme Trading"), make_tenant("Bolt Retail")
    caller_a, caller_b = api.with_key(a), api.with_key(b)
    headers = {"Idempotency-Key": "same-key"}
    assert caller_a.post("/stores", json=STORE, headers=headers).status_code == 201
    # The same key on another route is another request.
    assert caller_a.post("/warehouses", json=WAREHOUSE, headers=headers).status_code == 201
    # The same key and body in another organisation creates that organisation's own store.
    r = caller_b.post("/stores", json=STORE, headers=headers)
    assert r.status_code == 201
    assert "Idempotent-Replayed" not in r.headers
    assert len(api.snapshot(a.org.id)["stores"]) == 1
    assert len(api.snapshot(b.org.id)["stores"]) == 1
    assert api.counts()["idempotency_records"] == 3


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_key_length_is_validated(api, tenant, key):
    caller = api.with_key(tenant)
    counts = api.counts()
    r = caller.post("/stores", json=STORE, headers={"Idempotency-Key": key})
    error = assert_error(r, 422, "invalid_input")
    assert error["details"][0]["field"] == "header.Idempotency-Key"
    assert api.counts() == counts


def test_longest_key_is_accepted(api, tenant):
    caller = api.with_key(tenant)
    key = "k" * 200
    assert caller.post("/stores", json=STORE, headers={"Idempotency-Key": key}).status_code == 201
    replay = caller.post("/stores", json=STORE, headers={"Idempotency-Key": key})
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_session_callers_replay_too(api, tenant):
    owner = api.owner(tenant)
    first = owner.post("/stores", json=STORE, headers={"Idempotency-Key": "console"})
    replay = owner.post("/stores", json=STORE, headers={"Idempotency-Key": "console"})
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert api.counts()["stores"] == 1


def test_every_creating_post_accepts_the_header(client):
    """Every POST that creates (201) declares Idempotency-Key; later routers inherit the test."""
    spec = client.get("/api/v1/openapi.json").json()
    creating = [
        (path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method == "post" and "201" in op["responses"]
    ]
    assert len(creating) >= 4
    for path, op in creating:
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
        assert "Idempotent-Replayed" in op["responses"]["201"].get("headers", {}), path


def test_dependency_refuses_routes_without_the_api_route_class(
    settings, engine, sessions, tenant, api
):
    """Forgetting the route class would silently drop replays: it fails loudly instead."""
    from linkstar.api import errors

    app = FastAPI()
    app.state.settings = settings
    app.state.sessions = api.client.app.state.sessions
    errors.install(app)

    @app.post("/x")
    def x(idem: Idempotent) -> dict[str, str]:
        return {}

    _, secret = api.key_secret(tenant)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/x", headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "k"})
    assert r.status_code == 500
