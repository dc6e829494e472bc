"""Settings → Webhooks: open an endpoint (URL and secret shown once), list, delete."""

from __future__ import annotations

import re

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.tracking.connectors.signatures import aftership_signature
from linkstar.tracking.hooks.models import WebhookEndpoint
from tests.web.conftest import snapshot
from tests.web.test_settings_org_stores import field_error, last_audit


def endpoints_of(sessions, organisation_id: str) -> list[WebhookEndpoint]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        stmt = select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation_id)
        return list(s.scalars(stmt))


def test_secret_is_shown_once_and_the_url_works(tenant, owner, sessions):
    form = {"kind": "tracking:aftership", "secret": "aftership-secret-42", "store_id": ""}
    response = owner.post("/settings/webhooks", form)
    assert response.status_code == 200, response.text
    url = re.search(r'id="new-url"[^>]*value="([^"]+)"', response.text).group(1)
    secret = re.search(r'id="new-secret"[^>]*value="([^"]+)"', response.text).group(1)
    assert secret == "aftership-secret-42"
    (row,) = endpoints_of(sessions, tenant.org.id)
    assert url == f"http://testserver/hooks/{row.token}"
    assert last_audit(sessions, tenant.org.id).action == "webhook_endpoint.create"

    listing = owner.get("/settings/webhooks").text
    assert url in listing and "tracking:aftership" in listing and "never" in listing
    assert secret not in listing
    assert "••••t-42" in listing

    body = b'{"event": "tracking_update", "msg": {}}'
    sent = owner.client.post(
        url, content=body, headers={"aftership-hmac-sha256": aftership_signature(body, secret)}
    )
    assert sent.status_code != 401 and sent.status_code != 404, sent.text
    assert (
        "ago" in owner.get("/settings/webhooks").text
        or "now" in owner.get("/settings/webhooks").text
    )


def test_form_errors_write_nothing(tenant, owner, sessions):
    before = snapshot(sessions)
    response = owner.post("/settings/webhooks", {"kind": "", "store_id": ""})
    assert response.status_code == 422 and field_error(response.text, "kind")
    response = owner.post("/settings/webhooks", {"kind": "orders:shopify", "secret": "s" * 10})
    assert response.status_code == 422
    assert "needs the store_id" in field_error(response.text, "store_id")
    response = owner.post("/settings/webhooks", {"kind": "tracking:17track", "secret": "short"})
    assert response.status_code == 422 and field_error(response.text, "secret")
    assert snapshot(sessions) == before


def test_store_names_are_escaped_and_delete_closes_the_url(tenant, owner, sessions, app):
    from linkstar.workspace import service
    from linkstar.workspace.core import system_principal
    from linkstar.workspace.schemas import StoreCreate

    with unit_of_work(sessions) as s:
        store = service.create_store(
            s,
            system_principal(tenant.org.id),
            StoreCreate(name="<b>Shop</b>", channel="shopify", region="US", currency="USD"),  # type: ignore[arg-type]
            app.state.box,
        )
    form = {"kind": "orders:shopify", "store_id": store.id, "secret": "shpss_abcdef12"}
    assert owner.post("/settings/webhooks", form).status_code == 200
    listing = owner.get("/settings/webhooks").text
    assert "&lt;b&gt;Shop&lt;/b&gt;" in listing and "<b>Shop</b>" not in listing
    (row,) = endpoints_of(sessions, tenant.org.id)
    gone = owner.post(f"/settings/webhooks/{row.id}/delete", {})
    assert gone.status_code == 303
    assert endpoints_of(sessions, tenant.org.id) == []
    assert owner.client.post(f"/hooks/{row.token}", content=b"{}").status_code == 404


def test_tracking_dead_letters_page_retries(tenant, owner, sessions):
    from pathlib import Path

    from linkstar.tracking.ingest import dead_letter
    from linkstar.tracking.models import TrackingDeadLetter

    body = (
        Path(__file__).parents[1] / "tracking/connectors/payloads/generic_batch.json"
    ).read_text()
    with unit_of_work(sessions) as s:
        row_id = dead_letter(
            s, tenant.org.id, source="generic", headers={}, body=body, reason="<i>stale</i>"
        ).id
    page = owner.get("/tracking/dead-letters").text
    assert "&lt;i&gt;stale&lt;/i&gt;" in page and "LP00724622449605" in page
    done = owner.post(f"/tracking/dead-letters/{row_id}/retry", {})
    assert done.status_code == 303
    with unit_of_work(sessions) as s:
        assert s.get(TrackingDeadLetter, row_id).state == "retried"  # type: ignore[union-attr]
    assert "Stored: 3 new events." in owner.get("/tracking/dead-letters").text
