"""Inbox approval queue (held replies: approve, edit and approve, reject), the workspace's
inbox settings (business-hours calendars, SLA targets per channel, auto-close, approval
policy) and the per-store polling of marketplace buyer messages."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query

from linkstar.api.deps import DbSession
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.inbox import approvals, message_polls, settings_store
from linkstar.inbox.core.automation.policy import InboxSettings
from linkstar.inbox.models import InboxMessagePoll
from linkstar.inbox.schemas import (
    ApprovalDecision,
    ApprovalRead,
    InboxSettingsRead,
    MessagePollRead,
    MessagePollUpdate,
)
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.models import Store

router = api_router("inbox")
READ = Permission.inbox_read
APPROVE = Permission.inbox_approve
MANAGE = Permission.inbox_manage


@router.get(
    "/inbox/approvals",
    summary="List held replies",
    description="Replies the approval policy or a rule holds (`state=pending`, the default), or "
    "the decided ones (`approved`, `rejected`), oldest request first: the reasons, the reply "
    "as it stands with its compliance findings, the text as drafted, and the decision.",
    response_model=PageOf[ApprovalRead],
    responses=errors(403, 422),
)
def list_approvals(
    paging: Paging,
    session: DbSession,
    state: str = Query("pending", max_length=10),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    """A page of the approval queue."""
    page = approvals.page(session, actor, paging.limit, paging.cursor, state)
    return paging.out(page, approvals.render)


@router.post(
    "/inbox/approvals/{reply_id}/approve",
    summary="Approve a held reply",
    description="Needs `inbox:approve`. Send `body` and/or `subject` to edit before approving "
    "(the channel's lint runs again; errors answer 422 and nothing changes). The reply is "
    "queued and the `inbox.send` job enqueued; the decision is audited with the comment and "
    "the text before and after. A reply already decided answers 409.",
    response_model=ApprovalRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def approve_reply(
    reply_id: str,
    data: ApprovalDecision,
    session: DbSession,
    actor: Principal = Depends(needs(APPROVE)),
) -> ApprovalRead:
    """Approve one reply."""
    return approvals.render(approvals.approve(session, actor, reply_id, data))


@router.post(
    "/inbox/approvals/{reply_id}/reject",
    summary="Reject a held reply",
    description="Needs `inbox:approve` and a `comment`. The reply stays unsent (`rejected`); "
    "nothing is queued; the decision is audited.",
    response_model=ApprovalRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def reject_reply(
    reply_id: str,
    data: ApprovalDecision,
    session: DbSession,
    actor: Principal = Depends(needs(APPROVE)),
) -> ApprovalRead:
    """Reject one reply."""
    return approvals.render(approvals.reject(session, actor, reply_id, data))


@router.get(
    "/inbox/settings",
    summary="Read the inbox settings",
    description="Business-hours calendars (`default` and any others), the SLA target per "
    "channel, auto-close after idle days and the approval policy; the defaults until saved "
    "(`version` 0).",
    response_model=InboxSettingsRead,
    responses=errors(403),
)
def read_settings(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    """The workspace's inbox settings."""
    settings, version = settings_store.read(session, actor)
    return {"version": version, "settings": settings.model_dump(mode="json")}


@router.put(
    "/inbox/settings",
    summary="Replace the inbox settings",
    description="The whole document (docs/inbox-automation.md). Every problem answers 422 with "
    "its path; new due times apply to buyer messages received from now on. Audited.",
    response_model=InboxSettingsRead,
    responses=errors(400, 403, 413, 422),
)
def write_settings(
    data: InboxSettings,
    session: DbSession,
    actor: Principal = Depends(needs(MANAGE)),
) -> dict[str, Any]:
    """Save the settings."""
    settings, version = settings_store.save(session, actor, data.model_dump(mode="json"))
    return {"version": version, "settings": settings.model_dump(mode="json")}


def render_poll(store: Store, row: InboxMessagePoll | None) -> MessagePollRead:
    """A store's message polling as the API shows it."""
    return MessagePollRead(
        store_id=store.id,
        store_name=store.name,
        channel=store.channel,
        supported=store.channel in message_polls.BASES,
        enabled=bool(row and row.enabled),
        interval_minutes=(row.interval_seconds if row else 300) // 60,
        last_status=row.last_status if row else "never",
        last_error=row.last_error if row else "",
        last_poll_at=row.last_poll_at if row else None,
        next_run_at=row.next_run_at if row else None,
        cursor=row.cursor if row else None,
        last_fetched=row.last_fetched if row else 0,
        last_created=row.last_created if row else 0,
        failures=row.failures if row else 0,
    )


@router.get(
    "/inbox/message-polls",
    summary="List buyer-message polling per store",
    description="Every store with whether its buyer messages are polled (eBay member messages, "
    "TikTok Shop customer service), how often, the cursor and the last outcome.",
    response_model=PageOf[MessagePollRead],
    responses=errors(403),
)
def list_message_polls(
    session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    """All stores (one page)."""
    rows = message_polls.states(session, actor)
    return {"items": [render_poll(s, r) for s, r in rows], "next_cursor": None}


@router.put(
    "/inbox/message-polls/{store_id}",
    summary="Turn a store's buyer-message polling on or off",
    description="Off by default (demo stores never poll). Only eBay and TikTok Shop stores "
    "(422 otherwise); `inbox.plan_message_polls` then polls every `interval_minutes`. Audited.",
    response_model=MessagePollRead,
    responses=errors(400, 403, 404, 413, 422),
)
def set_message_poll(
    store_id: str,
    data: MessagePollUpdate,
    session: DbSession,
    actor: Principal = Depends(needs(MANAGE)),
) -> MessagePollRead:
    """Enable, disable or re-time one store's polling."""
    store, row = message_polls.set_polling(
        session, actor, store_id, data.enabled, data.interval_minutes
    )
    return render_poll(store, row)
