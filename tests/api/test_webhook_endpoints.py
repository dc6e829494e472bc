"""/api/v1/webhook-endpoints: create (the secret once), list, delete; permission
workspace:manage; bad input is a 4xx that writes nothing."""

from __future__ import annotations

import pytest

from linkstar.tracking.connectors.signatures import seventeen_track_signature
from linkstar.workspace.core import Role
from tests.api.conftest import assert_error
from tests.api.test_bad_input import NOT_AN_OBJECT

URL = "/webhook-endpoints"


def test_create_shows_the_secret_once_and_lists_without_it(api, tenant):
    caller = api.with_key(tenant)
    r = caller.post(URL, json={"kind": "tracking:17track", "secret": "17track-security-key"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["secret"] == "17track-security-key"
    assert made["kind"] == "tracking:17track" and made["store_id"] is None
    assert made["url_path"].startswith("/hooks/") and len(made["url_path"]) == len("/hooks/") + 32
    assert made["secret_hint"] == "••••-key" and made["last_received_at"] is None

    listed = caller.get(URL).json()["items"]
    assert [e["id"] for e in listed] == [made["id"]]
    assert "secret" not in listed[0] and listed[0]["url_path"] == made["url_path"]
    assert "17track-security-key" not in caller.get(URL).text
    # Stored sealed, never in clear (nor in the audit log).
    snap = api.snapshot(tenant.org.id)
    (row,) = snap["webhook_endpoints"]
    assert "17track-security-key" not in row["secret_encrypted"]
    assert "17track-security-key" not in str(snap["audit_log"])
    actions = [a["action"] for a in api.audit(tenant.org.id)]
    assert "webhook_endpoint.create" in actions

    # The URL works with that secret.
    body = b'{"event": "TRACKING_STOPPED", "data": {"number": "X1", "carrier": 100003}}'
    sign = seventeen_track_signature(body, "17track-security-key")
    delivered = api.client.post(made["url_path"], content=body, headers={"sign": sign})
    assert delivered.status_code in {202, 422}, delivered.text
    assert delivered.status_code != 401


def test_generic_secret_is_generated(api, tenant):
    r = api.with_key(tenant).post(
        URL, json={"kind": "orders:generic", "store_id": api.store(tenant)}
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["secret"]) == 64 and r.json()["secret_hint"].startswith("••••")


def test_replayed_create_never_repeats_the_secret(api, tenant):
    caller = api.with_key(tenant)
    body = {"kind": "tracking:generic"}
    headers = {"Idempotency-Key": "create-hook-1"}
    first = caller.post(URL, json=body, headers=headers)
    again = caller.post(URL, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert "secret" in first.json() and "secret" not in again.json()
    assert len(caller.get(URL).json()["items"]) == 1


def test_delete_closes_the_url(api, tenant):
    caller = api.with_key(tenant)
    made = caller.post(URL, json={"kind": "tracking:generic"}).json()
    assert caller.delete(f"{URL}/{made['id']}").status_code == 204
    assert caller.get(URL).json()["items"] == []
    assert api.client.post(made["url_path"], content=b"{}").status_code == 404
    assert_error(caller.delete(f"{URL}/{made['id']}"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"kind": "orders:shopify", "secret": "shpss_12345678"}, "store_id", "needs the store_id"),
        ({"kind": "tracking:17track"}, "secret", "needs the secret"),
        ({"kind": "tracking:generic", "app_key": "k"}, "app_key", "only used by orders:tiktok"),
        ({"kind": "tracking:generic", "store_id": "x"}, "store_id", "takes no store_id"),
        ({"kind": "tracking:generic", "secret": " padded-secret "}, "secret", "surrounding"),
    ],
)
def test_bad_combinations_name_the_field(api, tenant, body, field, reason):
    caller = api.with_key(tenant)
    before = api.counts()
    r = caller.post(URL, json=body)
    error = assert_error(r, 422, "invalid_input")
    assert error["details"]["field"] == field and reason in error["message"]
    assert api.counts() == before


def test_store_must_be_of_the_channel(api, tenant):
    amazon = api.store(tenant)  # an Amazon store
    caller = api.with_key(tenant)
    before = api.counts()
    r = caller.post(
        URL, json={"kind": "orders:shopify", "store_id": amazon, "secret": "shpss_12345678"}
    )
    error = assert_error(r, 422, "invalid_input")
    assert error["message"] == (
        "orders:shopify needs a shopify store; store 'Main Amazon US' is amazon"
    )
    r = caller.post(URL, json={"kind": "orders:tiktok", "store_id": "0" * 32, "secret": "s" * 10})
    assert r.status_code in {404, 422}
    assert api.counts() == before


@pytest.mark.parametrize(("name", "raw"), NOT_AN_OBJECT, ids=[n for n, _ in NOT_AN_OBJECT])
def test_garbage_bodies_write_nothing(api, tenant, name, raw):
    caller = api.with_key(tenant)
    before = api.counts()
    r = caller.post(URL, content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, (name, r.text)
    assert api.counts() == before


def test_unknown_kind_and_extra_fields_are_refused(api, tenant):
    caller = api.with_key(tenant)
    assert caller.post(URL, json={"kind": "orders:amazon"}).status_code == 422
    assert caller.post(URL, json={"kind": "tracking:generic", "token": "mine"}).status_code == 422


def test_needs_workspace_manage(api, tenant):
    viewer = api.as_user(api.add_user(tenant, Role.viewer))
    assert_error(viewer.get(URL), 403, "permission_denied")
    assert_error(viewer.post(URL, json={"kind": "tracking:generic"}), 403, "permission_denied")
    reader = api.with_key(tenant, ["workspace:read"])
    assert reader.get(URL).status_code == 403
