"""Inbox → Dead letters over HTTP: only the inbox's sources, retry a contact form, discard."""

from __future__ import annotations

import json

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.tracking.ingest import dead_letter
from linkstar.tracking.models import TrackingDeadLetter
from tests.api.conftest import assert_error

FORM = {"id": "f-9", "email": "Buyer@Example.org", "message": "Where is my order 1001?",
        "name": "Kim", "submitted_at": "2026-12-01T10:00:00Z"}  # fmt: skip


def _letter(sessions, org_id: str, source: str, body: str, reason: str = "bad") -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return dead_letter(s, org_id, source=source, headers={}, body=body, reason=reason).id


def _state(sessions, dead_id: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        row = s.get(TrackingDeadLetter, dead_id)
        return row.state, row.reason


def _messages(sessions) -> list[InboxMessage]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(InboxMessage)))


def test_lists_only_the_inbox_sources_newest_first(api, tenant):
    form = _letter(api.sessions, tenant.org.id, "contact_form", "{}", "$.id: is required")
    ebay = _letter(api.sessions, tenant.org.id, "ebay_messages", "<x/>", "is required at $.Q")
    _letter(api.sessions, tenant.org.id, "17track", "{}")  # a tracking push: not the inbox's
    caller = api.with_key(tenant)
    r = caller.get("/inbox/dead-letters")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(d["id"], d["source"], d["state"]) for d in items] == [
        (ebay, "ebay_messages", "new"),
        (form, "contact_form", "new"),
    ]
    assert items[1]["reason"] == "$.id: is required" and items[1]["body"] == "{}"
    assert caller.get("/inbox/dead-letters", params={"state": "discarded"}).json()["items"] == []
    bad = caller.get("/inbox/dead-letters", params={"state": "lost"})
    assert_error(bad, 422, "invalid_input")


def test_retry_stores_the_contact_form_once_and_a_failure_changes_nothing(api, tenant):
    caller = api.with_key(tenant)
    good = _letter(api.sessions, tenant.org.id, "contact_form", json.dumps(FORM))
    broken = _letter(api.sessions, tenant.org.id, "contact_form", '{"id": "f-2"}')
    failed = caller.post(f"/inbox/dead-letters/{broken}/retry")
    assert failed.status_code == 200, failed.text
    assert (failed.json()["succeeded"], failed.json()["error"]) == (False, "$.email: is required")
    assert _state(api.sessions, broken) == ("new", "$.email: is required")
    assert _messages(api.sessions) == []

    r = caller.post(f"/inbox/dead-letters/{good}/retry")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["succeeded"], body["messages"], body["dead_letter"]["state"]) == (
        True,
        1,
        "retried",
    )
    [message] = _messages(api.sessions)
    assert message.external_id == "f-9"
    with api.sessions() as s:
        [thread] = list(s.scalars(select(InboxThread)))
    assert (thread.channel, thread.buyer_address) == ("website", "buyer@example.org")
    assert_error(caller.post(f"/inbox/dead-letters/{good}/retry"), 409, "conflict")
    assert "inbox_dead_letter.retry" in str(api.audit(tenant.org.id))


def test_a_marketplace_message_without_its_store_cannot_be_retried_but_can_be_discarded(
    api, tenant
):
    caller = api.with_key(tenant)
    dead = _letter(api.sessions, tenant.org.id, "tiktok_shop_messages", '{"id": "m"}', "x")
    r = caller.post(f"/inbox/dead-letters/{dead}/retry").json()
    assert r["succeeded"] is False  # kept before letters carried their store: said so
    assert r["error"].startswith("this tiktok_shop_messages payload was kept without its store")
    assert _state(api.sessions, dead) == ("new", "x")
    gone = caller.post(f"/inbox/dead-letters/{dead}/discard")
    assert gone.status_code == 200 and gone.json()["state"] == "discarded"
    assert_error(caller.post(f"/inbox/dead-letters/{dead}/discard"), 409, "conflict")
    assert _messages(api.sessions) == []


def test_tracking_letters_and_other_organisations_letters_are_not_found(api, tenant, make_tenant):
    other = make_tenant("Other Org")
    theirs = _letter(api.sessions, other.org.id, "contact_form", json.dumps(FORM))
    push = _letter(api.sessions, tenant.org.id, "aftership", "{}")
    caller = api.with_key(tenant)
    before = api.counts()
    for dead in (theirs, push):
        for action in ("retry", "discard"):
            assert_error(caller.post(f"/inbox/dead-letters/{dead}/{action}"), 404, "not_found")
    assert api.counts() == before
    assert _state(api.sessions, theirs) == ("new", "bad")
