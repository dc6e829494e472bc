"""Inbox → Dead letters in the console: the inbox's refused payloads only, retry and discard."""

from __future__ import annotations

import json

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.inbox.models import InboxMessage
from linkstar.tracking.models import TrackingDeadLetter


def _states(sessions, org_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        rows = s.scalars(
            select(TrackingDeadLetter).where(TrackingDeadLetter.organisation_id == org_id)
        )
        return {r.source: r.state for r in rows}


def test_inbox_dead_letters_page_retry_and_discard(tenant, owner, seeded, sessions):
    page = owner.get("/inbox/dead-letters")
    assert page.status_code == 200
    html = page.text
    assert "contact_form" in html and "$.email: is required" in html
    assert "no events" not in html  # the tracking push stays under Tracking → Dead letters
    assert 'aria-current="page">Dead letters</a>' in html
    tracking = owner.get("/tracking/dead-letters").text  # and the form is not listed there
    assert "no events" in tracking and "$.email: is required" not in tracking
    assert (
        owner.post(f"/tracking/dead-letters/{seeded.inbox_dead_letter_id}/retry", {}).status_code
        == 404
    )
    retried = owner.post(f"/inbox/dead-letters/{seeded.inbox_dead_letter_id}/retry", {})
    assert retried.status_code == 303
    assert "Still failing: $.email: is required" in owner.get("/inbox/dead-letters").text
    with unit_of_work(sessions) as s:
        row = s.get(TrackingDeadLetter, seeded.inbox_dead_letter_id)
        assert row is not None
        fixed = {"email": "buyer@example.org", "submitted_at": "2026-12-01T10:00:00Z"}
        row.body = json.dumps({**json.loads(row.body), **fixed})
    assert (
        owner.post(f"/inbox/dead-letters/{seeded.inbox_dead_letter_id}/retry", {}).status_code
        == 303
    )
    assert "Stored: 1 new message(s)." in owner.get("/inbox/dead-letters").text
    with unit_of_work(sessions) as s:
        stored = s.scalars(
            select(InboxMessage).where(InboxMessage.external_id.like("%-form"))
        ).all()
        assert len(stored) == 1
    assert _states(sessions, tenant.org.id) == {"contact_form": "retried", "generic": "new"}
    again = owner.post(f"/inbox/dead-letters/{seeded.inbox_dead_letter_id}/discard", {})
    assert again.status_code == 303
    assert "dead letter is retried, not new" in owner.get("/inbox/dead-letters").text
    assert _states(sessions, tenant.org.id) == {"contact_form": "retried", "generic": "new"}
