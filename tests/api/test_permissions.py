"""Who may call what: roles, API-key scopes, bad credentials, escalation, the last owner, CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from linkstar.db.outbox import JobStatus
from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.workspace.core import ROLE_PERMISSIONS, Role
from linkstar.workspace.models import ApiKey
from tests.api.conftest import API, Caller, assert_error

OWNER, ADMIN, OPERATOR, AGENT, VIEWER = (
    Role.owner,
    Role.admin,
    Role.operator,
    Role.agent,
    Role.viewer,
)
EVERYONE = {OWNER, ADMIN, OPERATOR, AGENT, VIEWER}
MANAGERS = {OWNER, ADMIN}


# (method, path template, body, roles allowed). {store} etc. are filled with seeded ids.
MATRIX = [
    ("GET", "/me", None, EVERYONE),
    ("GET", "/organisation", None, EVERYONE),
    ("PATCH", "/organisation", {"name": "Renamed by {role}"}, MANAGERS),
    ("GET", "/stores", None, EVERYONE),
    ("GET", "/stores/{store}", None, EVERYONE),
    (
        "POST",
        "/stores",
        {"name": "Store of {role}", "channel": "ebay", "region": "DE", "currency": "EUR"},
        MANAGERS,
    ),
    ("PATCH", "/stores/{store}", {"external_id": "by {role}"}, MANAGERS),
    ("GET", "/warehouses", None, EVERYONE),
    ("PATCH", "/warehouses/{warehouse}", {"name": "Renamed by {role}"}, MANAGERS),
    ("GET", "/users", None, EVERYONE),
    ("GET", "/users/{viewer}", None, EVERYONE),
    (
        "POST",
        "/users",
        {"email": "new-{role}@acme.example", "role": "viewer", "password": "Sturdy-Password-77"},
        MANAGERS,
    ),
    ("PATCH", "/users/{viewer}", {"full_name": "Renamed by {role}"}, MANAGERS),
    ("GET", "/api-keys", None, MANAGERS),
    ("POST", "/api-keys", {"name": "key of {role}", "scopes": ["orders:read"]}, MANAGERS),
    ("GET", "/audit-log", None, MANAGERS),
    ("GET", "/jobs", None, {OWNER, ADMIN, OPERATOR}),
    ("GET", "/jobs/{job}", None, {OWNER, ADMIN, OPERATOR}),
    ("POST", "/jobs/{job}/retry", None, {OWNER, ADMIN, OPERATOR}),
    ("DELETE", "/warehouses/{spare_warehouse}", None, MANAGERS),
]


def _fill(value, ids, role):
    if isinstance(value, str):
        return value.format(role=role.value, **ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids, role) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids, role) for v in value]
    return value


@pytest.fixture
def workspace(api, tenant):
    callers = {OWNER: api.owner(tenant)}
    users = {}
    for role in (ADMIN, OPERATOR, AGENT, VIEWER):
        users[role] = api.add_user(tenant, role)
        callers[role] = api.as_user(users[role])
    ids = {
        "store": api.store(tenant),
        "warehouse": api.warehouse(tenant, "NJ1"),
        "spare_warehouse": api.warehouse(tenant, "SPARE"),
        "viewer": users[VIEWER].id,
        "job": api.job(tenant, JobStatus.dead),
    }
    return callers, ids


def test_role_matrix(api, tenant, workspace):
    callers, ids = workspace
    # The least privileged go first so allowed writes (a delete, a retry) run after every denial.
    order = [VIEWER, AGENT, OPERATOR, ADMIN, OWNER]
    for method, template, body, allowed in MATRIX:
        for role in order:
            path = template.format(**ids)
            audit_before = api.audit(tenant.org.id)
            r = callers[role].call(method, path, json=_fill(body, ids, role))
            if role in allowed:
                assert r.status_code < 400 or r.status_code in {404, 409}, (
                    method,
                    path,
                    role,
                    r.text,
                )
            else:
                error = assert_error(r, 403, "permission_denied")
                assert error["details"]["permission"], error
                assert api.audit(tenant.org.id) == audit_before, (method, path, role)


def test_matrix_follows_role_permissions():
    """The matrix above is the documented one; it must agree with core's role table."""
    assert {r for r in Role if "workspace:manage" in ROLE_PERMISSIONS[r]} == MANAGERS
    assert {r for r in Role if "jobs:read" in ROLE_PERMISSIONS[r]} == {OWNER, ADMIN, OPERATOR}
    assert {r for r in Role if "audit:read" in ROLE_PERMISSIONS[r]} == MANAGERS


def test_api_key_scopes_limit_access(api, tenant):
    reader = api.with_key(tenant, ["workspace:read"])
    assert reader.get("/stores").status_code == 200
    assert reader.get("/organisation").status_code == 200
    counts = api.counts()
    denied = reader.post(
        "/stores", json={"name": "S", "channel": "ebay", "region": "DE", "currency": "EUR"}
    )
    assert_error(denied, 403, "permission_denied")
    assert_error(reader.get("/audit-log"), 403, "permission_denied")
    assert_error(reader.get("/api-keys"), 403, "permission_denied")
    assert_error(reader.patch("/organisation", json={"name": "X"}), 403, "permission_denied")
    assert api.counts() == counts


def test_api_key_cannot_grant_scopes_it_lacks(api, tenant):
    keys = api.with_key(tenant, ["apikeys:manage"])
    counts = api.counts()
    r = keys.post("/api-keys", json={"name": "wider", "scopes": ["workspace:manage"]})
    error = assert_error(r, 403, "permission_denied")
    assert error["details"] == {"scopes": ["workspace:manage"]}
    assert api.counts() == counts
    assert (
        keys.post("/api-keys", json={"name": "same", "scopes": ["apikeys:manage"]}).status_code
        == 201
    )


def test_api_key_via_x_api_key_header(api, tenant):
    _, secret = api.key_secret(tenant, ["workspace:read"])
    assert api.client.get(f"{API}/stores", headers={"X-API-Key": secret}).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer ",
        "Bearer garbage",
        "Bearer lsk_abc",
        "Bearer lsk_a_b_c",
        "Bearer lsk_nopenope_" + "x" * 43,
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 5000,
    ],
)
def test_missing_or_malformed_credentials_are_401(api, tenant, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    counts = api.counts()
    for method, path in [("GET", "/stores"), ("POST", "/stores"), ("GET", "/me")]:
        r = api.client.request(method, API + path, headers=headers, json={})
        assert_error(r, 401, "unauthenticated")
    assert api.counts() == counts


def test_revoked_expired_and_wrong_secret_keys_are_401(api, tenant):
    key_id, secret = api.key_secret(tenant, ["workspace:read"])
    good = {"Authorization": f"Bearer {secret}"}
    assert api.client.get(f"{API}/stores", headers=good).status_code == 200
    prefix = secret.split("_")[1]
    wrong = {"Authorization": f"Bearer lsk_{prefix}_{'A' * 43}"}
    assert_error(api.client.get(f"{API}/stores", headers=wrong), 401, "unauthenticated")

    with unit_of_work(api.sessions) as s:
        s.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    error = assert_error(api.client.get(f"{API}/stores", headers=good), 401, "unauthenticated")
    assert error["message"] == "API key expired"

    with unit_of_work(api.sessions) as s:
        s.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(expires_at=None, revoked_at=utcnow())
        )
    error = assert_error(api.client.get(f"{API}/stores", headers=good), 401, "unauthenticated")
    assert error["message"] == "API key revoked"


def test_expired_or_unknown_session_cookie_is_401(api, tenant):
    caller = Caller(api.client, "ghost", cookie="not-a-session")
    assert_error(caller.get("/me"), 401, "unauthenticated")
    deactivated = api.add_user(tenant, Role.admin, active=False)
    assert_error(api.as_user(deactivated).get("/me"), 401, "unauthenticated")


def test_role_escalation_is_403(api, tenant):
    admin = api.as_user(api.add_user(tenant, ADMIN))
    operator = api.as_user(api.add_user(tenant, OPERATOR))
    new_owner = {"email": "boss@acme.example", "role": "owner", "password": "Sturdy-Password-77"}
    assert_error(admin.post("/users", json=new_owner), 403, "permission_denied")
    new_viewer = {**new_owner, "role": "viewer"}
    assert_error(operator.post("/users", json=new_viewer), 403, "permission_denied")
    # An admin cannot touch an owner, nor promote anyone to owner.
    assert_error(
        admin.patch(f"/users/{tenant.owner.id}", json={"full_name": "x"}), 403, "permission_denied"
    )
    viewer = api.add_user(tenant, VIEWER)
    key = api.with_key(tenant)
    counts = api.counts()
    users_before = api.snapshot(tenant.org.id)["users"]
    assert_error(
        admin.patch(f"/users/{viewer.id}", json={"role": "owner"}), 403, "permission_denied"
    )
    # An API key acts at most as an admin: it cannot mint owners either.
    assert_error(key.post("/users", json=new_owner), 403, "permission_denied")
    assert api.counts() == counts
    assert api.snapshot(tenant.org.id)["users"] == users_before


def test_last_owner_cannot_be_demoted_or_deactivated(api, tenant):
    owner = api.owner(tenant)
    users_before = api.snapshot(tenant.org.id)["users"]
    audit_before = api.audit(tenant.org.id)
    assert_error(owner.patch(f"/users/{tenant.owner.id}", json={"role": "admin"}), 409, "conflict")
    assert_error(
        owner.patch(f"/users/{tenant.owner.id}", json={"is_active": False}), 409, "conflict"
    )
    assert api.snapshot(tenant.org.id)["users"] == users_before
    assert api.audit(tenant.org.id) == audit_before

    second = api.add_user(tenant, OWNER)
    r = api.as_user(second).patch(f"/users/{tenant.owner.id}", json={"role": "admin"})
    assert r.status_code == 200
    assert r.json()["role"] == "admin"


def test_session_requests_need_csrf_but_api_keys_do_not(api, tenant):
    owner = api.owner(tenant)
    body = {"name": "S", "channel": "ebay", "region": "DE", "currency": "EUR"}
    no_csrf = Caller(api.client, "no csrf", cookie=owner.cookie)
    assert no_csrf.get("/stores").status_code == 200
    error = assert_error(no_csrf.post("/stores", json=body), 403, "permission_denied")
    assert "CSRF" in error["message"]
    wrong = no_csrf.post("/stores", json=body, headers={"X-CSRF-Token": "wrong"})
    assert_error(wrong, 403, "permission_denied")
    assert api.counts()["stores"] == 0
    assert owner.post("/stores", json=body).status_code == 201
    key = api.with_key(tenant)
    assert key.post("/stores", json={**body, "name": "T"}).status_code == 201
