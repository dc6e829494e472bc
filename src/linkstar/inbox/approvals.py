"""The approval queue: replies held by the approval policy or a rule (`awaiting_approval`),
decided by a person with `inbox:approve`. Approve (as drafted, or edited and linted again)
queues the `inbox.send` job; reject keeps the reply unsent. Every decision is audited with who,
when, the comment and the text before and after. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.inbox import replies
from linkstar.inbox.core.compliance import Outgoing, lint
from linkstar.inbox.models import InboxApproval, InboxMessage, InboxThread
from linkstar.inbox.schemas import ApprovalDecision, ApprovalRead
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput, NotFound
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

STATES = ("pending", "approved", "rejected")


class ApprovalRepository(Repository[InboxApproval]):
    model = InboxApproval
    order_column = "requested_at"


@dataclass(frozen=True)
class Held:
    """An approval with the reply and the thread it belongs to."""

    approval: InboxApproval
    message: InboxMessage
    thread: InboxThread
    job_id: str | None = None


def page(
    session: Session, actor: Principal, limit: int, cursor: str | None, state: str = "pending"
) -> Page[Held]:
    """The queue in one state, oldest request first."""
    actor.require(Permission.inbox_read)
    if state not in STATES:
        raise InvalidInput(
            f"unknown state {state!r}; one of {', '.join(STATES)}", {"field": "state"}
        )
    found = ApprovalRepository(session, actor.organisation_id).page(limit, cursor, state=state)
    return Page(_with_rows(session, actor.organisation_id, found.items), found.next_cursor)


def _with_rows(session: Session, org: str, rows: list[InboxApproval]) -> list[Held]:
    if not rows:
        return []
    messages = {
        m.id: m
        for m in session.scalars(
            select(InboxMessage).where(
                InboxMessage.organisation_id == org,
                InboxMessage.id.in_([r.message_id for r in rows]),
            )
        )
    }
    threads = {
        t.id: t
        for t in session.scalars(
            select(InboxThread).where(
                InboxThread.organisation_id == org,
                InboxThread.id.in_({r.thread_id for r in rows}),
            )
        )
    }
    return [Held(r, messages[r.message_id], threads[r.thread_id]) for r in rows]


def get(session: Session, actor: Principal, reply_id: str) -> Held:
    """One held reply by its message id, or NotFound."""
    actor.require(Permission.inbox_read)
    row = ApprovalRepository(session, actor.organisation_id).find(message_id=reply_id)
    if row is None:  # also a reply of another organisation: nothing to approve here
        raise NotFound(f"no reply {reply_id} in the approval queue")
    return _with_rows(session, actor.organisation_id, [row])[0]


def _pending(session: Session, actor: Principal, reply_id: str) -> Held:
    actor.require(Permission.inbox_approve)
    held = get(session, actor, reply_id)
    if held.approval.state != "pending":
        raise Conflict(f"reply {reply_id} is already {held.approval.state}")
    return held


def _text(held: Held) -> dict[str, Any]:
    return {"subject": held.message.subject, "body": held.message.text}


def _decide(held: Held, actor: Principal, state: str, comment: str) -> None:
    a = held.approval
    a.state, a.decided_at, a.comment = state, utcnow(), comment
    a.decided_by = actor.label[:200]
    a.decided_by_user_id = actor.actor_id if actor.actor_type.value == "user" else None


def _untag_when_done(session: Session, thread: InboxThread) -> None:
    """The thread loses `needs_approval` once none of its replies waits any more."""
    waiting = session.scalars(
        select(InboxApproval.id).where(
            InboxApproval.organisation_id == thread.organisation_id,
            InboxApproval.thread_id == thread.id,
            InboxApproval.state == "pending",
        )
    ).first()
    if waiting is None:
        thread.tags = [t for t in thread.tags if t != replies.APPROVAL_TAG]


def approve(session: Session, actor: Principal, reply_id: str, data: ApprovalDecision) -> Held:
    """Approve a held reply, edited when `body`/`subject` are sent (the channel's lint runs
    again: errors answer InvalidInput and nothing changes); enqueues the send job."""
    held = _pending(session, actor, reply_id)
    message, thread = held.message, held.thread
    before = _text(held)
    subject = data.subject if data.subject is not None else message.subject
    body = data.body if data.body is not None else message.text
    if (subject, body) != (message.subject, message.text):
        result = lint(
            Outgoing(channel=replies.lint_channel(thread.channel), body=body, subject=subject)
        )
        findings = [f.as_dict() for f in result.findings]
        if not result.ok:
            raise InvalidInput(
                "the edited reply breaks the channel's rules", {"findings": findings}
            )
        message.subject, message.text, message.display_body = subject[:500], body, body
        message.raw = body.encode("utf-8")
        message.lint_findings = findings
        held.approval.edited = True
    _decide(held, actor, "approved", data.comment)
    job = replies.queue_send(session, thread, message, key_suffix=":approved")
    _untag_when_done(session, thread)
    session.flush()
    audit.record(
        session,
        actor,
        "inbox.approval.approve",
        held.approval,
        before={**before, "state": "pending"},
        after={**_text(held), "state": "approved", "comment": data.comment, "job_id": job.id},
    )
    return Held(held.approval, message, thread, job.id)


def reject(session: Session, actor: Principal, reply_id: str, data: ApprovalDecision) -> Held:
    """Reject a held reply with a comment: it stays unsent (`rejected`), nothing is queued."""
    if data.body is not None or data.subject is not None:
        raise InvalidInput("a rejection cannot edit the reply", {"field": "body"})
    if not data.comment.strip():
        raise InvalidInput("say why the reply is rejected", {"field": "comment"})
    held = _pending(session, actor, reply_id)
    _decide(held, actor, "rejected", data.comment)
    held.message.outbound_status = "rejected"
    _untag_when_done(session, held.thread)
    session.flush()
    audit.record(
        session,
        actor,
        "inbox.approval.reject",
        held.approval,
        before={**_text(held), "state": "pending"},
        after={**_text(held), "state": "rejected", "comment": data.comment},
    )
    return held


def render(held: Held) -> ApprovalRead:
    """The public view of a held reply."""
    a, m, t = held.approval, held.message, held.thread
    return ApprovalRead(
        reply_id=m.id,
        thread_id=t.id,
        state=a.state,
        reasons=list(a.reasons),
        requested_at=a.requested_at,
        requested_by=a.requested_by,
        channel=t.channel,
        buyer_address=t.buyer_address,
        thread_subject=t.subject,
        subject=m.subject,
        body=m.text,
        outbound_status=m.outbound_status,
        lint_findings=list(m.lint_findings),
        original_subject=a.original_subject,
        original_text=a.original_text,
        edited=a.edited,
        decided_at=a.decided_at,
        decided_by=a.decided_by,
        comment=a.comment,
        job_id=held.job_id,
    )
