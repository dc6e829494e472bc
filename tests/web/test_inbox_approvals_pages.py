"""Inbox → Approvals and Inbox → Settings in the console: a held reply with its reasons,
approve (edited) or reject, agents only see; the settings editor shows every problem."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.inbox.models import InboxApproval, InboxMessage
from linkstar.workspace.core import Role
from linkstar.workspace.models import AuditEntry


def test_the_queue_shows_reasons_and_an_agent_cannot_decide(
    owner, seeded, tenant, make_user, browser_factory, sessions
):
    page = owner.get("/inbox/approvals").text
    assert "Alpha held reply: our lawyer has read your message." in page
    assert "legal threat" in page and "Edit before approving" in page
    agent = browser_factory(make_user(tenant, Role.agent))
    seen = agent.get("/inbox/approvals").text
    assert "Alpha held reply" in seen and "Edit before approving" not in seen
    refused = agent.post(f"/inbox/approvals/{seeded.reply_id}/approve", {"comment": "me"})
    assert refused.status_code == 403
    with sessions() as s:
        assert s.scalars(select(InboxApproval)).one().state == "pending"
        assert s.scalars(select(OutboxJob).where(OutboxJob.name == "inbox.send")).all() == []


def test_edit_and_approve_then_the_decided_list(owner, seeded, sessions):
    done = owner.post(
        f"/inbox/approvals/{seeded.reply_id}/approve",
        {"comment": "tone", "subject": "Re: your order", "body": "We will refund you today."},
    )
    assert "approved and queued" in owner.follow(done).text
    with sessions() as s:
        message = s.get(InboxMessage, seeded.reply_id)
        assert message is not None
        assert (message.outbound_status, message.text) == ("queued", "We will refund you today.")
        [job] = s.scalars(select(OutboxJob).where(OutboxJob.name == "inbox.send")).all()
        assert job.payload == {"message_id": seeded.reply_id}
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "inbox.approval.approve")
        ).one()
        assert entry.before is not None and "lawyer" in entry.before["body"]
    decided = owner.get("/inbox/approvals", params={"state": "approved"}).text
    assert "We will refund you today." in decided and "tone" in decided and "As drafted" in decided


def test_reject_needs_a_reason_and_sends_nothing(owner, seeded, sessions):
    refused = owner.post(f"/inbox/approvals/{seeded.reply_id}/reject", {"comment": ""})
    assert refused.status_code == 422
    assert '<li><code class="code">comment</code> say why the reply is rejected</li>' in (
        refused.text
    )
    with sessions() as s:
        assert s.scalars(select(InboxApproval)).one().state == "pending"
    owner.post(f"/inbox/approvals/{seeded.reply_id}/reject", {"comment": "call them"})
    with sessions() as s:
        assert s.scalars(select(InboxApproval)).one().state == "rejected"
        assert s.get(InboxMessage, seeded.reply_id).outbound_status == "rejected"  # type: ignore[union-attr]
        assert s.scalars(select(OutboxJob).where(OutboxJob.name == "inbox.send")).all() == []


def test_settings_editor(owner, seeded):
    page = owner.get("/inbox/settings").text
    assert "calendar hours (weekends included)" in page and "version 0 (defaults)" in page
    bad = owner.post(
        "/inbox/settings",
        {"settings": '{"calendars": {"default": {"timezone": "Mars/Olympus"}}, "sla": {}}'},
    )
    assert bad.status_code == 422
    assert "unknown time zone" in bad.text and "calendars.default.timezone" in bad.text
    assert owner.post("/inbox/settings", {"settings": "{nope"}).status_code == 422
    berlin = {"timezone": "Europe/Berlin", "weekly": {"mon": [["09:00", "17:00"]]},
              "holiday_country": "DE"}  # fmt: skip
    good = json.dumps({"calendars": {"default": berlin}, "auto_close_idle_days": 4})
    assert owner.post("/inbox/settings", {"settings": good}).status_code == 303
    page = owner.get("/inbox/settings").text
    assert "Europe/Berlin" in page and "after 4 idle days" in page and "version 1" in page


def test_message_polling_is_turned_on_per_ebay_store(owner, tenant, sessions, seeded):
    from linkstar.db.uow import unit_of_work
    from linkstar.inbox.models import InboxMessagePoll
    from linkstar.workspace.models import Store

    with unit_of_work(sessions) as s:
        store = Store(organisation_id=tenant.org.id, name="Our eBay", channel="ebay",
                      region="US", currency="USD")  # fmt: skip
        s.add(store)
        s.flush()
        ebay_id = store.id
    page = owner.get("/inbox/settings").text
    assert "Our eBay" in page and "Alpha Store" not in page.split("message-polls")[1]
    saved = owner.post(
        f"/inbox/message-polls/{ebay_id}", {"enabled": "on", "interval_minutes": "10"}
    )
    assert "Message polling saved." in owner.follow(saved).text
    refused = owner.post(f"/inbox/message-polls/{seeded.store_id}", {"enabled": "on"})
    assert "no buyer messages to poll" in owner.follow(refused).text
    with sessions() as s:
        row = s.scalars(select(InboxMessagePoll)).one()
        assert (row.store_id, row.enabled, row.interval_seconds) == (ebay_id, True, 600)


def _unchanged(sessions, reply_id):
    with sessions() as s:
        assert s.scalars(select(InboxApproval.state)).one() == "pending"
        message = s.get(InboxMessage, reply_id)
        assert message is not None and "lawyer" in message.text
        assert message.subject != "Re: your order"
        assert s.scalars(select(OutboxJob).where(OutboxJob.name == "inbox.send")).all() == []
        assert (
            s.scalars(select(AuditEntry).where(AuditEntry.action.like("inbox.approval%"))).all()
            == []
        )


def test_a_refused_decision_lists_every_problem_on_its_card_and_keeps_the_edit(
    owner, seeded, sessions
):
    body = "We are the #1 rated seller, see https://cheap-deals.example/coupon"
    refused = owner.post(
        f"/inbox/approvals/{seeded.reply_id}/approve",
        {"comment": "tone", "subject": "Re: your order", "body": body},
    )
    assert refused.status_code == 422
    card = refused.text.split(f'id="approval-{seeded.reply_id}"')[1].split("</section>")[0]
    problems = re.findall(r'<li><code class="code">([^<]+)</code> ([^<]+)</li>', card)
    assert problems == [("claim.number_one", "forbidden claim: a &#34;#1&#34; ranking claim")]
    assert "Nothing was decided: 1 problem(s)." in card
    assert f'<textarea name="body" rows="8" maxlength="20000">{body}</textarea>' in card
    assert 'value="Re: your order"' in card and 'value="tone"' in card
    _unchanged(sessions, seeded.reply_id)
    too_long = owner.post(f"/inbox/approvals/{seeded.reply_id}/approve", {"comment": "x" * 2001})
    assert too_long.status_code == 422
    assert re.findall(r'<li><code class="code">([^<]+)</code> ([^<]+)</li>', too_long.text) == [
        ("comment", "String should have at most 2000 characters")
    ]
    no_reason = owner.post(f"/inbox/approvals/{seeded.reply_id}/reject", {"comment": " "})
    assert no_reason.status_code == 422
    assert re.findall(r'<li><code class="code">([^<]+)</code> ([^<]+)</li>', no_reason.text) == [
        ("comment", "say why the reply is rejected")
    ]
    _unchanged(sessions, seeded.reply_id)
