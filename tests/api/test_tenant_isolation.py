"""Tenant isolation, walked over every route of the OpenAPI document (DESIGN.md rule 4).

Organisation A, with full rights, calls every operation. Operations that name a resource get
B's ids and must answer exactly as for an id that does not exist (404) - or 403 - while B's
rows stay byte-for-byte the same. Operations without an id must only show or change A's own
organisation. A route added later without a case here makes the test fail, so every new
endpoint has to state how it is isolated.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from linkstar.db.outbox import JobStatus
from linkstar.workspace.core import Role, system_principal
from tests.api.conftest import Api, Caller, contains_any, envelope
from tests.inventory.seed import seed_for_isolation

# A valid body for every operation that takes one, so that a 404 is about tenancy, never about
# validation. Keys are (METHOD, OpenAPI path).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/v1/organisation"): {"name": "Renamed by A", "timezone": "Europe/Paris"},
    ("POST", "/api/v1/stores"): {
        "name": "Main Amazon US",  # the same name as B's store: names are per organisation
        "channel": "amazon",
        "region": "US",
        "currency": "USD",
        "credentials": {"token": "a-token-1234"},
    },
    ("PATCH", "/api/v1/stores/{store_id}"): {"name": "Stolen", "credentials": {"t": "xxxxx"}},
    ("POST", "/api/v1/warehouses"): {
        "code": "NJ1",  # the same code as B's warehouse
        "name": "A's Newark",
        "kind": "own",
        "line1": "2 Dock Road",
        "city": "Newark",
        "postcode": "07102",
        "country": "US",
        "timezone": "America/New_York",
    },
    ("PATCH", "/api/v1/warehouses/{warehouse_id}"): {"name": "Stolen", "is_active": False},
    ("POST", "/api/v1/users"): {
        "email": "new-hire@a.example",
        "role": "viewer",
        "password": "Sturdy-Password-77",
    },
    ("PATCH", "/api/v1/users/{user_id}"): {"role": "viewer", "is_active": False},
    ("POST", "/api/v1/api-keys"): {"name": "A's key", "scopes": ["orders:read"]},
    ("POST", "/api/v1/quotes"): {
        "origin_country": "US",
        "origin_postcode": "91761",
        "dest_country": "US",
        "dest_postcode": "90210",
        "weight_g": 1200,
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 100,
        "ship_date": "2026-12-01",
        "residential": True,
    },
    ("POST", "/api/v1/skus"): {"sku": "HP-NEW-1", "name": "Enamel mug", "weight_g": 350},
    ("POST", "/api/v1/inventory/adjustments"): {
        "sku": "HP-85123A",  # both organisations have this SKU: codes are per organisation
        "warehouse": "A1",
        "quantity": -2,
        "reason": "cycle count",
    },
    ("POST", "/api/v1/inventory/receipts"): {"sku": "HP-85123A", "warehouse": "A1", "quantity": 5},
    ("POST", "/api/v1/inventory/reconcile"): {"repair": True},
    ("POST", "/api/v1/inbound-shipments"): {
        "reference": "PO-2026-002",
        "warehouse": "A1",
        "legs": [{"kind": "ocean", "origin": "CNNGB", "destination": "USLAX"}],
        "lines": [{"sku": "HP-85123A", "quantity": 40}],
    },
    ("PUT", "/api/v1/stores/{store_id}/stock-policy"): {
        "max_listed": 5,
        "percent_of_available": 80,
    },
}

# Operations without a path id, and what their isolation means. Every one must be listed.
SCOPED = {
    ("GET", "/api/v1/me"): "own",
    ("GET", "/api/v1/organisation"): "own",
    ("PATCH", "/api/v1/organisation"): "own",
    ("GET", "/api/v1/stores"): "list",
    ("POST", "/api/v1/stores"): "create",
    ("GET", "/api/v1/warehouses"): "list",
    ("POST", "/api/v1/warehouses"): "create",
    ("GET", "/api/v1/users"): "list",
    ("POST", "/api/v1/users"): "create",
    ("GET", "/api/v1/api-keys"): "list",
    ("POST", "/api/v1/api-keys"): "create",
    ("GET", "/api/v1/audit-log"): "list",
    ("GET", "/api/v1/jobs"): "list",
    ("GET", "/api/v1/rate-cards"): "list",
    ("POST", "/api/v1/rate-cards/import"): "upload",
    ("POST", "/api/v1/quotes"): "quote",
    ("GET", "/api/v1/skus"): "list",
    ("POST", "/api/v1/skus"): "create",
    ("GET", "/api/v1/inventory"): "list",
    ("GET", "/api/v1/inventory/ledger"): "list",
    ("POST", "/api/v1/inventory/adjustments"): "create",
    ("POST", "/api/v1/inventory/receipts"): "create",
    ("POST", "/api/v1/inventory/reconcile"): "own",
    ("GET", "/api/v1/inbound-shipments"): "list",
    ("POST", "/api/v1/inbound-shipments"): "create",
    ("GET", "/api/v1/stock-policies"): "list",
}
# Probes outside the API: no credentials, no tenant data.
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz")}
# Query parameters that filter lists, with the values tried (B's data must never match).
LIST_QUERIES: dict[str, list[dict[str, str]]] = {
    "/api/v1/audit-log": [{}, {"entity_type": "stores"}, {"entity_type": "users"}],
    "/api/v1/jobs": [{}, {"status": "dead"}],
}

PARAM = re.compile(r"{(\w+)}")


class Seeded:
    """One organisation's rows, created through the services."""

    def __init__(self, api: Api, tenant, domain: str, store: str, code: str) -> None:  # type: ignore[no-untyped-def]
        self.tenant = tenant
        self.ids = {
            "store_id": api.store(tenant, store),
            "warehouse_id": api.warehouse(tenant, code),
            "user_id": api.add_user(tenant, Role.operator, email=f"op@{domain}").id,
            "key_id": api.key_secret(tenant, ["orders:read"], name="partner feed")[0],
            "job_id": api.job(tenant, JobStatus.dead),
            "rate_card_id": api.rate_card(tenant),
        }
        self.ids |= seed_for_isolation(
            api.sessions, system_principal(tenant.org.id), code, self.ids["store_id"]
        )
        self.owner_id = tenant.owner.id

    def all_ids(self, api: Api) -> list[str]:
        """Every id of every row this organisation owns (audit entries included)."""
        snap = api.snapshot(self.tenant.org.id)
        return sorted({row["id"] for rows in snap.values() for row in rows})


def operations(client) -> list[tuple[str, str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]


@pytest.fixture
def two_tenants(api, make_tenant):
    a, b = make_tenant("A Trading", "owner@a.example"), make_tenant("B Retail", "owner@b.example")
    return (
        Seeded(api, a, "a.example", "A's own store", "A1"),
        Seeded(api, b, "b.example", "Main Amazon US", "NJ1"),
    )


@pytest.mark.parametrize("auth", ["api_key", "session"])
def test_no_route_reaches_another_organisation(api, client, two_tenants, auth):
    seeded_a, seeded_b = two_tenants
    caller: Caller = (
        api.owner(seeded_a.tenant) if auth == "session" else api.with_key(seeded_a.tenant)
    )
    b_org = seeded_b.tenant.org.id
    b_before = api.snapshot(b_org)
    b_ids = [*seeded_b.all_ids(api), b_org, "b-retail", "B Retail", "owner@b.example"]
    ops = operations(client)
    assert len(ops) >= 22
    covered: set[tuple[str, str]] = set()

    # Id routes first (B's ids, then a fresh id for comparison), while A's rows all exist.
    for method, path, _op in ops:
        params = PARAM.findall(path)
        if not params:
            continue
        unknown = [p for p in params if p not in seeded_b.ids]
        assert not unknown, f"{method} {path}: add B's row for {unknown} to Seeded"
        body = BODIES.get((method, path))
        if method in {"POST", "PATCH", "PUT"} and _takes_body(_op):
            assert body is not None, f"{method} {path}: add a valid body to BODIES"
        url = path.removeprefix("/api/v1")
        foreign = url
        missing = url
        for p in params:
            foreign = foreign.replace("{" + p + "}", seeded_b.ids[p])
            missing = missing.replace("{" + p + "}", "0" * 32)
        r_foreign = caller.call(method, foreign, json=body)
        assert r_foreign.status_code in {403, 404}, (method, foreign, r_foreign.text)
        r_missing = caller.call(method, missing, json=body)
        assert r_foreign.status_code == r_missing.status_code, (method, path)
        # Identical to an id that does not exist: nothing tells B's ids apart.
        foreign_error = envelope(r_foreign)
        missing_error = envelope(r_missing)
        for p in params:
            foreign_error["message"] = foreign_error["message"].replace(seeded_b.ids[p], "0" * 32)
        assert foreign_error == missing_error, (method, path)
        # The same route on A's own id works, so the 404 above is not a broken route.
        own = url
        for p in params:
            own = own.replace("{" + p + "}", seeded_a.ids[p])
        if method == "GET":
            assert caller.call(method, own).status_code == 200, (method, own)
        covered.add((method, path))

    # Routes without ids: they see and change only A.
    for method, path, _op in ops:
        if PARAM.search(path):
            continue
        if (method, path) in PUBLIC:
            r = client.request(method, path)
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids)
            covered.add((method, path))
            continue
        kind = SCOPED.get((method, path))
        assert kind is not None, f"{method} {path}: say how it is isolated in SCOPED"
        url = path.removeprefix("/api/v1")
        if kind == "list":
            for query in LIST_QUERIES.get(path, [{}]):
                r = caller.get(url, params={"limit": 200, **query})
                assert r.status_code == 200, (path, r.text)
                leaked = contains_any(r.json(), b_ids)
                assert not leaked, (path, query, leaked)
            # A's own rows are listed, so the check above is not vacuous.
            assert caller.get(url).json()["items"], path
        elif kind == "own":
            body = BODIES.get((method, path))
            r = caller.call(method, url, json=body)
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
            assert seeded_a.tenant.org.id in r.text
        elif kind == "upload":
            r = caller.post(
                url,
                files={"file": ("card.zip", api.example_card_zip(), "application/zip")},
                data={"effective_from": "2026-06-01"},
            )
            assert r.status_code == 201, (path, r.text)
            assert r.json()["id"] not in b_ids and r.json()["version"] == 2
            a_rows = api.snapshot(seeded_a.tenant.org.id)
            assert r.json()["id"] in {row["id"] for row in a_rows["rate_card_versions"]}
        elif kind == "quote":
            r = caller.post(url, json=BODIES[(method, path)])
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
            quoted = {q["rate_card_id"] for q in r.json()["eligible"] + r.json()["ineligible"]}
            a_cards = api.snapshot(seeded_a.tenant.org.id)["rate_card_versions"]
            assert quoted and quoted <= {row["id"] for row in a_cards}, path
        elif kind == "create":
            body = BODIES[(method, path)]
            if path.endswith("/users") and auth == "session":
                body = {**body, "email": "second-hire@a.example"}
            r = caller.call(method, url, json=body)
            assert r.status_code == 201, (path, r.text)
            new_id = r.json()["id"]
            assert new_id not in b_ids
            a_rows = api.snapshot(seeded_a.tenant.org.id)
            assert new_id in {row["id"] for rows in a_rows.values() for row in rows}, path
        covered.add((method, path))

    assert covered == {(m, p) for m, p, _ in ops}
    assert api.snapshot(b_org) == b_before
    # A's PATCH /organisation changed A only.
    assert api.snapshot(seeded_a.tenant.org.id)["organisations"][0]["name"] == "Renamed by A"
    assert b_before["organisations"][0]["name"] == "B Retail"


def _takes_body(op: dict[str, Any]) -> bool:
    return "requestBody" in op


def test_b_still_sees_its_own_rows(api, two_tenants):
    """The control: B's credentials do reach B's rows (the ids used above are real)."""
    _, seeded_b = two_tenants
    caller = api.with_key(seeded_b.tenant)
    for path in [
        "/stores/{store_id}",
        "/warehouses/{warehouse_id}",
        "/users/{user_id}",
        "/jobs/{job_id}",
        "/rate-cards/{rate_card_id}",
        "/skus/{sku_id}",
        "/inbound-shipments/{shipment_id}",
        "/stores/{store_id}/stock-policy",
    ]:
        url = path
        for name, value in seeded_b.ids.items():
            url = url.replace("{" + name + "}", value)
        assert caller.get(url).status_code == 200, url
    keys = caller.get("/api-keys").json()["items"]
    assert seeded_b.ids["key_id"] in [k["id"] for k in keys]
