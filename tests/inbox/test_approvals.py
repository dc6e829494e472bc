"""The approval queue end to end through the API: a sensitive reply is held (no send job),
approved as drafted or edited (then queued once), or rejected (nothing ever sent); only
holders of `inbox:approve` decide; every decision audited."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.db.outbox import JobContext, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inbox.models import InboxApproval, InboxMessage, InboxThread
from linkstar.inbox.tasks import send_reply
from linkstar.workspace.core import Role
from tests.api.conftest import assert_error
from tests.inbox.seed import seed_inbox

LEGAL = "Where is my order? If it does not arrive by Friday my lawyer will take you to court."


def _send_jobs(sessions) -> list[OutboxJob]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(OutboxJob).where(OutboxJob.name == "inbox.send")))


def _held(owner, sessions, tenant, marker: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    ids = seed_inbox(sessions, tenant.org.id, marker, text=LEGAL)
    reply = owner.post(
        f"/inbox/threads/{ids['thread_id']}/replies",
        json={"body": "We are sorry, your parcel is on its way."},
    )
    assert reply.status_code == 201, reply.text
    return ids["thread_id"], reply.json()["message"]["id"]


def test_a_legal_threat_reply_waits_and_is_sent_only_after_an_edited_approval(
    owner, api, sessions, tenant
):
    thread_id, reply_id = _held(owner, sessions, tenant, "Law")
    with sessions() as s:
        message = s.get(InboxMessage, reply_id)
        thread = s.get(InboxThread, thread_id)
        assert message is not None and thread is not None
        assert message.outbound_status == "awaiting_approval"
        assert "needs_approval" in thread.tags
        assert thread.sla_due_at is not None and thread.first_response_at is None  # still owed
    assert _send_jobs(sessions) == []

    listed = owner.get("/inbox/approvals").json()["items"]
    assert [(a["reply_id"], a["state"]) for a in listed] == [(reply_id, "pending")]
    assert [r["code"] for r in listed[0]["reasons"]] == ["legal_threat"]
    assert "lawyer, court" in listed[0]["reasons"][0]["detail"]

    agent = api.as_user(api.add_user(tenant, Role.agent))
    refused = agent.post(f"/inbox/approvals/{reply_id}/approve", json={})
    assert refused.status_code == 403, refused.text
    assert _send_jobs(sessions) == []

    bad = owner.post(
        f"/inbox/approvals/{reply_id}/approve", json={"body": "Our best seller is on its way."}
    )
    assert_error(bad, 422, "invalid_input")
    with sessions() as s:
        assert s.get(InboxMessage, reply_id).text == "We are sorry, your parcel is on its way."  # type: ignore[union-attr]

    edited = "We are sorry for the delay: your parcel arrives on Thursday."
    approved = owner.post(
        f"/inbox/approvals/{reply_id}/approve", json={"body": edited, "comment": "softer"}
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["state"], body["edited"], body["body"]) == ("approved", True, edited)
    assert body["original_text"] == "We are sorry, your parcel is on its way."
    [job] = _send_jobs(sessions)
    assert (job.id, job.payload) == (body["job_id"], {"message_id": reply_id})
    with sessions() as s:
        message = s.get(InboxMessage, reply_id)
        thread = s.get(InboxThread, thread_id)
        assert message is not None and thread is not None
        assert (message.outbound_status, message.text) == ("queued", edited)
        assert "needs_approval" not in thread.tags and thread.sla_due_at is None
    [entry] = [e for e in api.audit(tenant.org.id) if e["action"] == "inbox.approval.approve"]
    assert entry["before"]["body"] == "We are sorry, your parcel is on its way."
    assert (entry["after"]["body"], entry["after"]["comment"]) == (edited, "softer")

    again = owner.post(f"/inbox/approvals/{reply_id}/approve", json={})
    assert_error(again, 409, "conflict")
    assert len(_send_jobs(sessions)) == 1


def test_a_rejected_reply_is_never_sent(owner, api, sessions, tenant):
    _thread_id, reply_id = _held(owner, sessions, tenant, "Rej")
    assert_error(owner.post(f"/inbox/approvals/{reply_id}/reject", json={}), 422, "invalid_input")
    rejected = owner.post(f"/inbox/approvals/{reply_id}/reject", json={"comment": "call instead"})
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["state"], rejected.json()["comment"]) == ("rejected", "call instead")
    assert _send_jobs(sessions) == []
    # A send job for this reply (a replay, a stale enqueue) leaves it alone.
    with unit_of_work(sessions) as s:
        send_reply(s, JobContext("j1", "inbox.send", tenant.org.id, {"message_id": reply_id}))
    with sessions() as s:
        message = s.get(InboxMessage, reply_id)
        assert message is not None and message.outbound_status == "rejected"
    decided = owner.get("/inbox/approvals", params={"state": "rejected"}).json()["items"]
    assert [a["reply_id"] for a in decided] == [reply_id]
    assert owner.get("/inbox/approvals").json()["items"] == []
    assert [e["action"] for e in api.audit(tenant.org.id)].count("inbox.approval.reject") == 1


def test_an_ordinary_reply_is_queued_at_once(owner, sessions, tenant):
    ids = seed_inbox(sessions, tenant.org.id, "Plain")
    reply = owner.post(
        f"/inbox/threads/{ids['thread_id']}/replies", json={"body": "It ships tomorrow."}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["approval_reasons"] == []
    assert reply.json()["message"]["outbound_status"] == "queued"
    assert len(_send_jobs(sessions)) == 1
    with sessions() as s:
        assert s.scalars(select(InboxApproval)).first() is None


def test_unknown_reply_and_bad_state(owner):
    assert_error(owner.post("/inbox/approvals/nope/approve", json={}), 404, "not_found")
    assert_error(owner.get("/inbox/approvals", params={"state": "maybe"}), 422, "invalid_input")
