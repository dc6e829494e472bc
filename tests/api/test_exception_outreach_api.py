"""POST /tracking/exceptions/message-buyers over HTTP."""

from __future__ import annotations

from sqlalchemy import func, select

from linkstar.inbox.models import InboxMessage
from tests.api.conftest import assert_error
from tests.inbox.outreach_seed import seed_outreach


def test_message_buyers_over_the_api(api, tenant) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_outreach(api.sessions, tenant.org.id)
    caller = api.with_key(tenant)
    body = {"ids": [seeded.shopify, seeded.no_order], "template_id": seeded.template_id}
    r = caller.post("/tracking/exceptions/message-buyers", json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert [(m["exception_id"], m["status"]) for m in got["messaged"]] == [
        (seeded.shopify, "queued")
    ]
    assert got["messaged"][0]["job_id"]
    assert got["skipped"] == [
        {"exception_id": seeded.no_order, "reason": "the shipment has no order reference"}
    ]
    with api.sessions() as s:
        text = s.scalars(select(InboxMessage.text)).one()
    assert "Track it here: http://testserver/t/" in text  # the server as the caller reached it


def test_message_buyers_needs_inbox_reply_and_a_known_template(api, tenant) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_outreach(api.sessions, tenant.org.id)
    reader = api.with_key(tenant, scopes=["tracking:read", "tracking:write"])
    body = {"ids": [seeded.shopify], "template_id": seeded.template_id}
    assert_error(
        reader.post("/tracking/exceptions/message-buyers", json=body), 403, "permission_denied"
    )
    owner = api.with_key(tenant)
    counts = api.counts()
    missing = {"ids": [seeded.shopify], "template_id": "f" * 32}
    assert_error(owner.post("/tracking/exceptions/message-buyers", json=missing), 404, "not_found")
    assert api.counts() == counts
    with api.sessions() as s:
        assert s.scalar(select(func.count()).select_from(InboxMessage)) == 0
