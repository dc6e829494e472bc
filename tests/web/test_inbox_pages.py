"""Inbox console: the list with SLA badges, a thread's safe rendering, reply with a template."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inbox import replies
from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.inbox.store import ingest_messages
from linkstar.kit.clock import utcnow
from linkstar.workspace.models import AuditEntry
from tests.inbox.seed import inbound, seed_only_classifier


def _ingest(sessions, org_id, *messages):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return ingest_messages(s, org_id, list(messages), classifier=seed_only_classifier())


def test_list_shows_sla_badges_and_filters(owner, seeded, sessions, tenant):
    late = inbound(
        "<late@x>", "Where is my parcel??", received_at=utcnow() - timedelta(days=3),
        sender_address="late@x.example", subject="Late one",
    )  # fmt: skip
    _ingest(sessions, tenant.org.id, late)
    page = owner.get("/inbox/threads").text
    assert "Late one" in page and "overdue" in page
    only_late = owner.get("/inbox/threads", params={"sla": "overdue"}).text
    assert "Late one" in only_late and "Order Alpha" not in only_late
    by_intent = owner.get("/inbox/threads", params={"intent": "bulk_or_oem_inquiry"}).text
    assert "Late one" not in by_intent and "No threads match" in by_intent
    bad = owner.get("/inbox/threads", params={"intent": "nonsense"})
    assert bad.status_code == 422


def test_thread_renders_html_safely_and_collapses_quotes(owner, seeded, sessions, tenant):
    html = '<p>Hi</p><script>alert("x")</script><a href="javascript:alert(1)" onclick="x()">y</a>'
    text = "Please help.\n\nOn Mon, Nov 30, Shop wrote:\n> previous answer\n"
    result = _ingest(
        sessions, tenant.org.id,
        inbound("<h1@x>", "Hi", display_body=html, html=True, sender_address="h@x.example",
                sender_name="<b>Evil</b>", subject="<img src=x onerror=alert(1)>"),
        inbound("<h2@x>", text, sender_address="h@x.example", in_reply_to=("<h1@x>",)),
    )  # fmt: skip
    page = owner.get(f"/inbox/threads/{result.thread_ids[0]}").text
    assert "<script>" not in page.split("</header>")[-1].replace('<script src="/static', "")
    assert 'alert("x")' not in page and "javascript:alert" not in page and "onclick" not in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "&lt;b&gt;Evil&lt;/b&gt;" in page
    assert "<summary>Quoted text</summary>" in page and "&gt; previous answer" in page


def test_reply_with_template_preview_then_queue(owner, seeded, sessions, tenant):
    url = f"/inbox/threads/{seeded.thread_id}"
    form = {"template_id": seeded.template_id, "language": "es", "action": "preview"}
    preview = owner.post(f"{url}/reply", form)
    assert preview.status_code == 200
    assert "Hola Buyer, gracias." in preview.text and "reply-findings" in preview.text
    with unit_of_work(sessions) as s:
        assert (
            s.scalars(select(InboxMessage).where(InboxMessage.outbound_status == "queued")).all()
            == []
        )
    sent = owner.post(f"{url}/reply", {**form, "action": "send"})
    page = owner.follow(sent).text
    assert "Reply queued for sending." in page and "queued" in page
    with unit_of_work(sessions) as s:
        out = s.scalars(select(InboxMessage).where(InboxMessage.outbound_status == "queued")).one()
        assert (out.outbound_status, out.text, out.template_id) == (
            "queued", "Hola Buyer, gracias.", seeded.template_id,
        )  # fmt: skip
        job = s.scalars(select(OutboxJob).where(OutboxJob.name == "inbox.send")).one()
        assert job.payload == {"message_id": out.id}
        thread = s.get(InboxThread, seeded.thread_id)
        assert thread is not None and thread.sla_due_at is None and thread.status == "pending"
        # The workspace's mail account was sealed by the app's key, which this job process does
        # not have: the reply fails with that reason instead of retrying forever.
        assert replies.send(s, tenant.org.id, out.id).status == "failed"
        assert out.failure_reason == (
            "mail account support@alpha.example: "
            "stored credentials cannot be decrypted with the configured keys"
        )


def test_reply_that_breaks_the_rules_is_refused_and_nothing_written(owner, seeded, sessions):
    url = f"/inbox/threads/{seeded.thread_id}/reply"
    body = "We are the #1 rated seller, see https://cheap-deals.example/coupon"
    refused = owner.post(url, {"body": body, "action": "send", "subject": "Re"})
    assert refused.status_code == 422
    assert "claim." in refused.text and "breaks the channel" in refused.text
    with unit_of_work(sessions) as s:
        assert (
            s.scalars(select(InboxMessage).where(InboxMessage.outbound_status == "queued")).all()
            == []
        )


def test_thread_actions_are_audited(owner, seeded, sessions, tenant):
    url = f"/inbox/threads/{seeded.thread_id}/update"
    done = owner.post(url, {"status": "closed", "priority": "high", "tags": "vip, wholesale"})
    assert "Thread updated." in owner.follow(done).text
    with unit_of_work(sessions) as s:
        thread = s.get(InboxThread, seeded.thread_id)
        assert thread is not None
        assert (thread.status, thread.priority, thread.tags) == (
            "closed",
            "high",
            ["vip", "wholesale"],
        )
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "inbox.thread.update")
        ).one()
        assert entry.after is not None and entry.after["status"] == "closed"


def test_templates_page_creates_and_previews(owner, seeded, sessions):
    created = owner.post(
        "/inbox/templates",
        {"name": "Thanks", "language": "de", "subject": "Danke", "body": "Danke {{ buyer.name }}!"},
    )
    page = owner.follow(created)
    assert "Template saved." in page.text
    assert "Danke" in owner.get(created.headers["location"] + "?language=de").text
    broken = owner.post(
        "/inbox/templates", {"name": "Broken", "language": "en", "body": "{% if %}"}
    )
    assert broken.status_code == 422 and "syntax error" in broken.text
