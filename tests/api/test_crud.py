"""Create, read, update and delete every workspace resource through /api/v1, with its audit
trail, and prove that no secret ever leaves the database or enters the audit log."""

from __future__ import annotations

from linkstar.db.outbox import JobStatus
from linkstar.workspace.core import Role
from tests.api.conftest import API, assert_error, contains_any, envelope

STORE = {
    "name": "Main Amazon US",
    "channel": "amazon",
    "region": "us",
    "currency": "usd",
    "external_id": "A1B2C3",
    "credentials": {"refresh_token": "Atzr|refresh-secret-9876", "client_secret": "cs-5555"},
}
WAREHOUSE = {
    "code": "nj-1",
    "name": "Newark 3PL",
    "kind": "3pl",
    "line1": "1 Dock Road",
    "city": "Newark",
    "state": "NJ",
    "postcode": "07102",
    "country": "us",
    "timezone": "America/New_York",
    "cutoff_time": "14:30",
}


def test_me_for_user_and_api_key(api, tenant):
    me = api.owner(tenant).get("/me")
    assert me.status_code == 200
    body = me.json()
    assert body["actor_type"] == "user"
    assert body["actor_id"] == tenant.owner.id
    assert body["label"] == tenant.owner.email
    assert body["role"] == "owner"
    assert "workspace:manage" in body["permissions"]
    assert body["organisation"]["id"] == tenant.org.id
    assert body["organisation"]["slug"] == "acme-trading"

    key_id, secret = api.key_secret(tenant, ["orders:read"], name="orders reader")
    me = api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me["actor_type"] == "api_key"
    assert me["actor_id"] == key_id
    assert me["label"] == "API key orders reader"
    assert me["role"] is None
    assert me["permissions"] == ["orders:read"]
    assert me["organisation"]["id"] == tenant.org.id  # even without workspace:read


def test_organisation_read_and_update_with_audit(api, tenant):
    owner = api.owner(tenant)
    assert owner.get("/organisation").json()["name"] == "Acme Trading"
    r = owner.patch(
        "/organisation",
        json={"name": "Acme Global", "timezone": "Asia/Shanghai", "base_currency": "cny"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Acme Global"
    assert r.json()["timezone"] == "Asia/Shanghai"
    assert r.json()["base_currency"] == "CNY"
    assert r.json()["slug"] == "acme-trading"
    entry = api.audit(tenant.org.id)[-1]
    assert entry["action"] == "organisation.update"
    assert entry["actor_type"] == "user"
    assert entry["actor_id"] == tenant.owner.id
    assert entry["before"] == {
        "name": "Acme Trading",
        "timezone": "UTC",
        "base_currency": "USD",
    } | {"updated_at": entry["before"]["updated_at"]}
    assert entry["after"]["name"] == "Acme Global"


def test_organisation_rejects_invalid_values_and_writes_nothing(api, tenant):
    owner = api.owner(tenant)
    before = api.snapshot(tenant.org.id)
    for body, field in [
        ({"timezone": "Mars/Olympus"}, "body.timezone"),
        ({"base_currency": "EURO"}, "body.base_currency"),
        ({"audit_retention_days": 30}, "body.audit_retention_days"),
        ({"name": ""}, "body.name"),
        ({"name": "x" * 201}, "body.name"),
        ({"slug": "new-slug"}, "body.slug"),
    ]:
        error = assert_error(owner.patch("/organisation", json=body), 422, "invalid_input")
        assert [d["field"] for d in error["details"]] == [field], error
    assert api.snapshot(tenant.org.id) == before


def test_store_lifecycle_credentials_are_write_only(api, tenant):
    owner = api.owner(tenant)
    created = owner.post("/stores", json=STORE)
    assert created.status_code == 201, created.text
    store = created.json()
    assert store == {
        "id": store["id"],
        "name": "Main Amazon US",
        "channel": "amazon",
        "region": "US",
        "currency": "USD",
        "external_id": "A1B2C3",
        "is_active": True,
        "has_credentials": True,
        "credentials_hint": "client_secret=••••, refresh_token=••••9876",
        "created_at": store["created_at"],
    }
    assert api.counts()["stores"] == 1
    sid = store["id"]
    assert owner.get(f"/stores/{sid}").json() == store
    assert owner.get("/stores").json() == {"items": [store], "next_cursor": None}

    updated = owner.patch(f"/stores/{sid}", json={"name": "Amazon US", "is_active": False})
    assert updated.status_code == 200
    assert updated.json()["name"] == "Amazon US"
    assert updated.json()["is_active"] is False
    assert updated.json()["has_credentials"] is True  # untouched by a PATCH without them

    rotated = owner.patch(
        f"/stores/{sid}",
        json={"credentials": {"refresh_token": "rotated-0042", "client_secret": ""}},
    )  # one token rotated, one name removed, the rest kept
    assert rotated.json()["credentials_hint"] == "refresh_token=••••0042"

    cleared = owner.patch(f"/stores/{sid}", json={"credentials": {}})
    assert cleared.json()["has_credentials"] is False
    assert cleared.json()["credentials_hint"] == ""

    assert owner.delete(f"/stores/{sid}").status_code == 204
    assert_error(owner.get(f"/stores/{sid}"), 404, "not_found")
    assert api.counts()["stores"] == 0

    actions = [(e["action"], e["entity_id"]) for e in api.audit(tenant.org.id)]
    assert actions[-5:] == [
        ("store.create", sid),
        ("store.update", sid),
        ("store.update", sid),
        ("store.update", sid),
        ("store.delete", sid),
    ]
    for entry in api.audit(tenant.org.id)[-5:]:
        assert entry["actor_id"] == tenant.owner.id
        assert entry["actor_label"] == tenant.owner.email
        for side in (entry["before"] or {}, entry["after"] or {}):
            assert "credentials_encrypted" not in side
            assert not contains_any(side, ["refresh-secret-9876", "cs-5555"])


def test_store_duplicate_name_is_409_and_writes_nothing(api, tenant):
    owner = api.owner(tenant)
    assert owner.post("/stores", json=STORE).status_code == 201
    counts = api.counts()
    assert_error(owner.post("/stores", json=STORE), 409, "conflict")
    other = owner.post("/stores", json={**STORE, "name": "Second"}).json()
    counts_after = api.counts()
    assert_error(
        owner.patch(f"/stores/{other['id']}", json={"name": STORE["name"]}), 409, "conflict"
    )
    assert counts_after["stores"] == counts["stores"] + 1
    assert api.counts() == counts_after


def test_warehouse_lifecycle_with_audit(api, tenant):
    owner = api.owner(tenant)
    created = owner.post("/warehouses", json=WAREHOUSE)
    assert created.status_code == 201, created.text
    wh = created.json()
    assert wh["code"] == "NJ-1"
    assert wh["country"] == "US"
    assert wh["kind"] == "3pl"
    assert wh["cutoff_time"] == "14:30:00"
    wid = wh["id"]
    assert owner.get(f"/warehouses/{wid}").json() == wh
    patched = owner.patch(f"/warehouses/{wid}", json={"cutoff_time": "16:00", "kind": "own"})
    assert patched.status_code == 200
    assert patched.json()["cutoff_time"] == "16:00:00"
    assert patched.json()["kind"] == "own"
    assert owner.get(f"/warehouses/{wid}").json()["cutoff_time"] == "16:00:00"
    assert_error(owner.post("/warehouses", json=WAREHOUSE), 409, "conflict")
    assert owner.delete(f"/warehouses/{wid}").status_code == 204
    assert api.counts()["warehouses"] == 0
    actions = [e["action"] for e in api.audit(tenant.org.id)][-3:]
    assert actions == ["warehouse.create", "warehouse.update", "warehouse.delete"]
    update = api.audit(tenant.org.id)[-2]
    assert update["before"]["cutoff_time"] == "14:30:00"
    assert update["after"]["cutoff_time"] == "16:00:00"


def test_warehouse_invalid_values_are_422(api, tenant):
    owner = api.owner(tenant)
    for field, value in [
        ("timezone", "Europe/Atlantis"),
        ("country", "USA"),
        ("kind", "cave"),
        ("cutoff_time", "25:00"),
        ("cutoff_time", "15:00+02:00"),
        ("code", "x" * 21),
    ]:
        error = assert_error(
            owner.post("/warehouses", json={**WAREHOUSE, field: value}), 422, "invalid_input"
        )
        assert error["details"][0]["field"] == f"body.{field}", error
    error = assert_error(
        owner.post("/warehouses", json={**WAREHOUSE, "code": "x!"}), 422, "invalid_input"
    )
    assert error["details"] == {"code": "x!"}
    assert api.counts()["warehouses"] == 0


def test_users_create_read_update_without_password_hash(api, tenant):
    owner = api.owner(tenant)
    created = owner.post(
        "/users",
        json={
            "email": "Ops@Acme.example",
            "full_name": "Ops",
            "role": "operator",
            "password": "Sturdy-Password-77",
        },
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert set(user) == {
        "id",
        "email",
        "full_name",
        "role",
        "is_active",
        "last_login_at",
        "created_at",
    }
    assert user["email"] == "ops@acme.example"
    uid = user["id"]
    assert owner.get(f"/users/{uid}").json() == user
    listed = owner.get("/users").json()["items"]
    assert [u["email"] for u in listed] == [tenant.owner.email, "ops@acme.example"]

    r = owner.patch(f"/users/{uid}", json={"role": "agent", "password": "Another-Secret-88"})
    assert r.status_code == 200
    assert r.json()["role"] == "agent"
    entry = api.audit(tenant.org.id)[-1]
    assert entry["action"] == "user.update"
    assert entry["before"]["role"] == "operator"
    assert entry["after"]["role"] == "agent"
    assert entry["after"]["password"] == "changed"

    dup = owner.post(
        "/users",
        json={"email": "ops@acme.example", "role": "viewer", "password": "Sturdy-Password-77"},
    )
    assert_error(dup, 409, "conflict")
    weak = owner.post(
        "/users", json={"email": "v@acme.example", "role": "viewer", "password": "short"}
    )
    assert_error(weak, 422, "invalid_input")
    assert api.counts()["users"] == 2


def test_api_keys_secret_shown_once_and_revocation(api, tenant):
    owner = api.owner(tenant)
    created = owner.post("/api-keys", json={"name": "ERP sync", "scopes": ["orders:read"]})
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["key"]
    assert secret.startswith(f"lsk_{body['prefix']}_")
    assert body["scopes"] == ["orders:read"]
    listed = owner.get("/api-keys").json()["items"]
    assert [k["id"] for k in listed] == [body["id"]]
    assert "key" not in listed[0]
    assert secret not in owner.get("/api-keys").text

    me = api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    revoked = owner.post(f"/api-keys/{body['id']}/revoke")
    assert revoked.status_code == 200
    first = revoked.json()["revoked_at"]
    assert first is not None
    assert owner.post(f"/api-keys/{body['id']}/revoke").json()["revoked_at"] == first
    denied = api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"})
    assert_error(denied, 401, "unauthenticated")
    actions = [e["action"] for e in api.audit(tenant.org.id)][-2:]
    assert actions == ["api_key.create", "api_key.revoke"]


def test_api_key_naive_expiry_is_read_as_utc(api, tenant):
    owner = api.owner(tenant)
    r = owner.post(
        "/api-keys",
        json={"name": "k", "scopes": ["orders:read"], "expires_at": "2099-01-01T00:00:00"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["expires_at"] == "2099-01-01T00:00:00Z"
    past = owner.post(
        "/api-keys",
        json={"name": "k", "scopes": ["orders:read"], "expires_at": "2001-01-01T00:00:00Z"},
    )
    assert_error(past, 422, "invalid_input")


def test_audit_log_filter_and_contents(api, tenant):
    owner = api.owner(tenant)
    owner.post("/stores", json=STORE)
    owner.post("/warehouses", json=WAREHOUSE)
    entries = owner.get("/audit-log").json()["items"]
    assert [e["action"] for e in entries] == [
        "user.create",
        "organisation.create",
        "store.create",
        "warehouse.create",
    ]
    stores = owner.get("/audit-log", params={"entity_type": "stores"}).json()["items"]
    assert [e["action"] for e in stores] == ["store.create"]
    assert stores[0]["actor_label"] == tenant.owner.email
    assert owner.get("/audit-log", params={"entity_type": "nothing"}).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_jobs_list_read_and_retry(api, tenant):
    dead = api.job(tenant, JobStatus.dead)
    done = api.job(tenant, JobStatus.done)
    owner = api.owner(tenant)
    listed = owner.get("/jobs").json()["items"]
    assert [j["id"] for j in listed] == [dead, done]
    only_dead = owner.get("/jobs", params={"status": "dead"}).json()["items"]
    assert [j["id"] for j in only_dead] == [dead]
    assert only_dead[0]["last_error"] == "boom"
    assert owner.get(f"/jobs/{done}").json()["status"] == "done"
    retried = owner.post(f"/jobs/{dead}/retry")
    assert retried.status_code == 200
    assert retried.json()["status"] == "pending"
    assert retried.json()["attempts"] == 0
    assert_error(owner.post(f"/jobs/{done}/retry"), 409, "conflict")
    assert api.audit(tenant.org.id)[-1]["action"] == "job.retry"
    assert_error(owner.get("/jobs", params={"status": "exploded"}), 422, "invalid_input")


def test_no_secret_in_any_response_or_audit_row(api, tenant):
    """Walk every read after a full set of writes: no hash or ciphertext anywhere."""
    owner = api.owner(tenant)
    store = owner.post("/stores", json=STORE).json()
    owner.patch(f"/stores/{store['id']}", json={"credentials": {"token": "rotated-secret-1234"}})
    owner.post("/warehouses", json=WAREHOUSE)
    user = owner.post(
        "/users",
        json={"email": "a@acme.example", "role": "admin", "password": "Sturdy-Password-77"},
    ).json()
    owner.patch(f"/users/{user['id']}", json={"password": "Changed-Password-99"})
    key = owner.post("/api-keys", json={"name": "k", "scopes": ["orders:read"]}).json()
    owner.post(f"/api-keys/{key['id']}/revoke")

    secrets = api.secrets()
    assert len(secrets) >= 5  # 2 password hashes, 2 key hashes, 1 ciphertext, session token
    plain = [
        "rotated-secret-1234",
        "refresh-secret-9876",
        "Sturdy-Password-77",
        "Changed-Password-99",
    ]
    bodies = [
        owner.get(path).json()
        for path in [
            "/me",
            "/organisation",
            "/stores",
            "/warehouses",
            "/users",
            "/api-keys",
            "/audit-log",
            "/jobs",
        ]
    ]
    bodies += [owner.get(f"/stores/{store['id']}").json(), owner.get(f"/users/{user['id']}").json()]
    for body in bodies:
        assert not contains_any(body, secrets + plain), body
        assert not contains_any(body, ["password_hash", "key_hash", "credentials_encrypted"])
    for entry in api.audit(tenant.org.id):
        assert not contains_any([entry["before"], entry["after"]], secrets + plain + [key["key"]])
        for side in (entry["before"] or {}, entry["after"] or {}):
            assert not set(side) & {
                "password_hash",
                "key_hash",
                "credentials_encrypted",
                "token_hash",
            }


def test_unknown_route_and_method_use_the_envelope(api, tenant):
    owner = api.owner(tenant)
    assert_error(owner.get("/nowhere"), 404, "not_found")
    r = owner.call("PUT", "/stores")
    assert r.status_code == 405
    envelope(r)


def test_user_roles_listed_in_schema_match_core():
    assert {r.value for r in Role} == {"owner", "admin", "operator", "agent", "viewer"}
