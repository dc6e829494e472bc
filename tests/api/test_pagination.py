"""Cursor pagination on every list endpoint."""

from __future__ import annotations

import base64
import json

import pytest

from linkstar.db.outbox import JobStatus
from linkstar.workspace.core import Role
from tests.api.conftest import assert_error


def _walk(caller, path, limit, **params):
    items, cursors, pages = [], [], 0
    cursor = None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        r = caller.get(path, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        cursors.append(cursor)
        assert pages < 20


def test_walk_seven_stores_three_at_a_time(api, tenant):
    names = [f"Store {i}" for i in range(7)]
    for name in names:
        api.store(tenant, name)
    caller = api.with_key(tenant, ["workspace:read"])
    items, pages = _walk(caller, "/stores", 3)
    assert pages == 3
    assert [s["name"] for s in items] == names
    assert len({s["id"] for s in items}) == 7


@pytest.mark.parametrize("path", ["/warehouses", "/users", "/api-keys", "/jobs", "/audit-log"])
def test_every_list_pages_in_creation_order(api, tenant, path):
    made: list[str] = []
    for i in range(7):
        if path == "/warehouses":
            made.append(api.warehouse(tenant, f"W{i}"))
        elif path == "/users":
            made.append(api.add_user(tenant, Role.viewer).id)
        elif path == "/api-keys":
            made.append(api.key_secret(tenant, ["orders:read"], name=f"k{i}")[0])
        elif path == "/jobs":
            made.append(api.job(tenant, JobStatus.done))
        else:
            made.append(api.store(tenant, f"S{i}"))
    owner = api.owner(tenant)
    items, _ = _walk(owner, path, 3)
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids))
    if path == "/users":
        assert ids == [tenant.owner.id, *made]
    elif path == "/audit-log":
        assert [i["id"] for i in _walk(owner, path, 200)[0]] == ids
        assert [i["entity_id"] for i in items[-7:]] == made
        assert [i["action"] for i in items] == ["user.create", "organisation.create"] + [
            "store.create"
        ] * 7
    else:
        assert ids == made


def test_filters_survive_paging(api, tenant):
    for i in range(4):
        api.job(tenant, JobStatus.dead, name=f"dead{i}")
        api.job(tenant, JobStatus.done, name=f"done{i}")
    owner = api.owner(tenant)
    items, pages = _walk(owner, "/jobs", 3, status="dead")
    assert [j["name"] for j in items] == [f"dead{i}" for i in range(4)]
    assert pages == 2


def test_default_and_maximum_limit(api, tenant):
    for i in range(3):
        api.store(tenant, f"S{i}")
    caller = api.with_key(tenant, ["workspace:read"])
    body = caller.get("/stores").json()
    assert len(body["items"]) == 3
    assert body["next_cursor"] is None
    assert caller.get("/stores", params={"limit": 200}).status_code == 200


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten", "1.5", ""])
def test_bad_limit_is_422(api, tenant, limit):
    caller = api.with_key(tenant, ["workspace:read"])
    error = assert_error(caller.get("/stores", params={"limit": limit}), 422, "invalid_input")
    assert error["details"][0]["field"] == "query.limit"


def _forge(inner: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(inner).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        ".",
        "abc.def",
        _forge(["2020-01-01", "x"]),  # a well-formed but unsigned repository cursor
        _forge(["not a date", "x"]) + ".AAAAAAAAAAAAAAAAAAAAAA",
        "x" * 513,
    ],
)
def test_malformed_or_forged_cursor_is_422(api, tenant, cursor):
    for i in range(4):
        api.store(tenant, f"S{i}")
    caller = api.with_key(tenant, ["workspace:read"])
    r = caller.get("/stores", params={"cursor": cursor, "limit": 2})
    assert_error(r, 422, "invalid_input")


def test_cursor_of_one_list_is_useless_elsewhere(api, tenant):
    """A cursor is tied to the server secret, not to a list: using it on another list is a valid
    position there (keyset by time), never an error or a leak."""
    for i in range(4):
        api.store(tenant, f"S{i}")
        api.warehouse(tenant, f"W{i}")
    caller = api.with_key(tenant, ["workspace:read"])
    cursor = caller.get("/stores", params={"limit": 2}).json()["next_cursor"]
    r = caller.get("/warehouses", params={"cursor": cursor})
    assert r.status_code == 200
    assert all(w["code"].startswith("W") for w in r.json()["items"])
