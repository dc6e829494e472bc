"""The delivery path's per-process endpoint cache: a deleted endpoint answers 404 at once, a
secret re-keyed by another process is honoured on the first delivery signed with it, and
anything else another process changes is honoured within the cache's lifetime."""

from __future__ import annotations

import dataclasses

from sqlalchemy import update

from linkstar.db.uow import unit_of_work
from linkstar.tracking.hooks import endpoints, service
from linkstar.tracking.hooks.models import WebhookEndpoint
from linkstar.tracking.hooks.schemas import EndpointKind
from linkstar.workspace.core import system_principal
from tests.tracking.hooks.conftest import TRACKING_PAYLOADS, payload

K = EndpointKind


def _post_ok(hooks, hook, body):  # type: ignore[no-untyped-def]
    response = hooks.post(hook, body)
    assert response.status_code == 202, response.text
    return response.json()


def test_deleting_an_endpoint_closes_its_cached_url_at_once(hooks, tenant):
    hook = hooks.endpoint(tenant, K.tracking_17track)
    body = payload(TRACKING_PAYLOADS, "17track_tracking_updated.json")
    _post_ok(hooks, hook, body)  # the endpoint is now cached in this process
    with unit_of_work(hooks.sessions) as s:
        service.delete_endpoint(s, system_principal(tenant.org.id), hook.id)
    jobs = hooks.written()["jobs"]
    assert hooks.post(hook, body + b" ").status_code == 404
    assert hooks.written()["jobs"] == jobs


def test_a_secret_rekeyed_elsewhere_is_honoured_on_first_use(hooks, tenant):
    hook = hooks.endpoint(tenant, K.tracking_aftership)
    body = payload(TRACKING_PAYLOADS, "aftership_tracking_update.json")
    first = _post_ok(hooks, hook, body)
    box = hooks.client.app.state.box  # type: ignore[attr-defined]
    with unit_of_work(hooks.sessions) as s:  # as another server process would
        s.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == hook.id)
            .values(secret_encrypted=box.seal({"secret": "rotated-secret-77"}))
        )
    rotated = dataclasses.replace(hook, secret="rotated-secret-77")
    second = _post_ok(hooks, rotated, body + b"\n")  # the cached secret fails, the row is re-read
    assert second["job_id"] != first["job_id"] and second["duplicate"] is False
    old = hooks.post(hook, body + b"\n\n")
    assert old.status_code == 401
    assert hooks.written()["tracking_dead_letters"] == 1


def test_an_endpoint_deactivated_elsewhere_is_closed_when_its_entry_expires(
    hooks, tenant, monkeypatch
):
    hook = hooks.endpoint(tenant, K.tracking_17track)
    body = payload(TRACKING_PAYLOADS, "17track_tracking_updated.json")
    _post_ok(hooks, hook, body)
    with unit_of_work(hooks.sessions) as s:
        s.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == hook.id).values(is_active=False)
        )
    assert hooks.post(hook, body).json()["duplicate"] is True  # still cached: same job
    monkeypatch.setattr(endpoints, "TTL", 0.0)
    assert hooks.post(hook, body + b" ").status_code == 404
