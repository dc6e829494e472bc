"""Settings → API keys, Audit log and Failed jobs, with their HTMX swaps."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.kit.ids import sha256_hex
from linkstar.workspace import service
from linkstar.workspace.models import ApiKey
from linkstar.workspace.schemas import OrganisationUpdate
from tests.web.conftest import snapshot
from tests.web.test_settings_org_stores import field_error, last_audit

HTMX = {"HX-Request": "true"}


def keys_of(sessions, organisation_id: str) -> list[ApiKey]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return list(s.scalars(select(ApiKey).where(ApiKey.organisation_id == organisation_id)))


def test_api_key_secret_is_shown_once_and_never_again(tenant, owner, sessions):
    form = {"name": "ERP sync", "scopes": ["orders:read", "inventory:write"], "expires_on": ""}
    response = owner.post("/settings/api-keys", form)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-secret"[^>]*value="(lsk_[^"]+)"', response.text).group(1)
    (key,) = keys_of(sessions, tenant.org.id)
    assert key.key_hash == sha256_hex(secret)
    assert key.scopes == ["inventory:write", "orders:read"]
    assert last_audit(sessions, tenant.org.id).action == "api_key.create"
    for path in ("/settings/api-keys", "/settings/audit", "/"):
        html = owner.get(path).text
        assert secret not in html and secret.split("_")[2] not in html, path
    assert f"lsk_{key.prefix}_" in owner.get("/settings/api-keys").text
    # The key works against the API.
    who = owner.client.get("/api/v1/organisation", headers={"Authorization": f"Bearer {secret}"})
    assert who.status_code in (200, 403, 404)  # routers are someone else's; the key resolves
    assert who.status_code != 401


def test_api_key_form_errors(tenant, owner, sessions):
    before = snapshot(sessions)
    response = owner.post("/settings/api-keys", {"name": "", "expires_on": "tomorrow"})
    assert response.status_code == 422
    assert field_error(response.text, "name")
    assert "YYYY-MM-DD" in field_error(response.text, "expires_on")
    response = owner.post("/settings/api-keys", {"name": "No scopes"})
    assert response.status_code == 422 and 'id="e-scopes"' in response.text
    response = owner.post("/settings/api-keys", {"name": "Bogus", "scopes": ["orders:read", "x:y"]})
    assert response.status_code == 422 and 'id="e-scopes"' in response.text
    assert 'value="orders:read" checked' in response.text
    past = (utcnow() - timedelta(days=2)).date().isoformat()
    response = owner.post(
        "/settings/api-keys", {"name": "Old", "scopes": ["orders:read"], "expires_on": past}
    )
    assert response.status_code == 422
    assert "future" in field_error(response.text, "expires_on")
    assert "lsk_" not in response.text
    assert snapshot(sessions) == before


def test_revoke_with_and_without_htmx(tenant, owner, sessions, seeded):
    response = owner.post(f"/settings/api-keys/{seeded.key_id}/revoke", headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="key-{seeded.key_id}"')
    assert "Revoked" in response.text and "<html" not in response.text
    assert f"/settings/api-keys/{seeded.key_id}/revoke" not in response.text
    (key,) = keys_of(sessions, tenant.org.id)
    assert key.revoked_at is not None
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "api_key.revoke" and entry.entity_id == seeded.key_id
    # A second revoke (a plain form post) changes nothing and lands on the list.
    first = key.revoked_at
    response = owner.post(f"/settings/api-keys/{seeded.key_id}/revoke")
    assert response.status_code == 303
    assert "revoked" in owner.follow(response).text
    assert keys_of(sessions, tenant.org.id)[0].revoked_at == first


def test_audit_log_pages_newest_first_and_filters(tenant, owner, sessions, seeded):
    actor = tenant.principal
    with unit_of_work(sessions) as s:
        for n in range(30):
            service.update_organisation(s, actor, OrganisationUpdate(name=f"Acme {n:02d}"))
    page = owner.get("/settings/audit")
    assert page.status_code == 200
    assert page.text.count('<code class="code">organisation.update</code>') == 25
    assert page.text.index("Acme 29") < page.text.index("Acme 28")  # newest first
    assert "Acme 03" not in page.text
    more = re.search(r'href="(/settings/audit\?cursor=[^"]+)" hx-get', page.text).group(1)
    more = more.replace("&amp;", "&")
    fragment = owner.get(more, headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Acme 03" in fragment.text and "Acme 29" not in fragment.text
    assert fragment.headers["vary"].startswith("HX-Request")
    # Without JS the same link renders a full page.
    assert "<html" in owner.get(more).text
    filtered = owner.get("/settings/audit?entity_type=stores").text
    assert "store.create" in filtered and "organisation.update" not in filtered
    assert '<option value="stores" selected>' in filtered
    # An update shows what changed from what to what.
    assert '<td class="before">Acme 28</td><td class="after">Acme 29</td>' in page.text


def test_audit_log_rejects_a_forged_cursor(owner):
    response = owner.get("/settings/audit?cursor=%%%")
    assert response.status_code == 422 and "malformed cursor" in response.text.lower()


def test_failed_jobs_list_retry_and_conflict(tenant, owner, sessions, seeded):
    page = owner.get("/settings/jobs").text
    assert "alpha.sync" in page and "Alpha upstream said 502" in page
    assert '<span class="status-n">1</span><span class="status-name">dead</span>' in page
    response = owner.post(f"/settings/jobs/{seeded.job_id}/retry", headers=HTMX)
    assert response.status_code == 200 and "Queued again" in response.text
    with unit_of_work(sessions) as s:
        job = s.get(OutboxJob, seeded.job_id)
        assert (job.status, job.attempts, job.finished_at) == (JobStatus.pending.value, 0, None)
    assert last_audit(sessions, tenant.org.id).action == "job.retry"
    before = snapshot(sessions)
    # Retrying a job that is no longer dead: HTMX shows the message in the flash area…
    response = owner.post(f"/settings/jobs/{seeded.job_id}/retry", headers=HTMX)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#flash"
    assert "only dead jobs can be retried" in response.text
    # …and a plain form post comes back to the list with the message.
    response = owner.post(f"/settings/jobs/{seeded.job_id}/retry")
    assert response.status_code == 303
    assert "only dead jobs can be retried" in owner.follow(response).text
    assert snapshot(sessions) == before


def test_failed_jobs_empty_state(owner):
    page = owner.get("/settings/jobs").text
    assert "No failed jobs." in page
