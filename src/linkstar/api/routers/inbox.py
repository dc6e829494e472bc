"""Buyer inbox: threads with their messages and links, thread actions, replies, canonical
message ingest for integrations, reply templates with preview."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from linkstar.api.deps import DbSession, get_settings
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.config import Settings
from linkstar.inbox import approvals, replies, reports, service, template_store, understanding
from linkstar.inbox.core.inbound import InboundAttachment, InboundMessage
from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.inbox.schemas import (
    IngestRead,
    LinkRead,
    MessageBatch,
    MessageIn,
    MessageRead,
    PreviewRead,
    PreviewRequest,
    ReplyCreate,
    ReplyRead,
    TemplateCreate,
    TemplateRead,
    TemplateUpdate,
    ThreadDetail,
    ThreadRead,
    ThreadUpdate,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("inbox")
READ = Permission.inbox_read
REPLY = Permission.inbox_reply
MANAGE = Permission.inbox_manage


def render_thread(row: InboxThread) -> ThreadRead:
    """The public view of a thread, with its SLA state now."""
    data = {c: getattr(row, c) for c in ThreadRead.model_fields if c != "sla_state"}
    return ThreadRead(**data, sla_state=service.thread_sla(row).value)


def render_message(row: InboxMessage) -> MessageRead:
    return MessageRead.model_validate(row)


def public_base(request: Request) -> str:
    """The origin the buyer's tracking links point at (this server as the caller reached it)."""
    return str(request.base_url).rstrip("/")


@router.get(
    "/inbox/threads",
    summary="List threads",
    description="Latest activity first. Filters: `intent`, `channel`, `status` (open, pending, "
    "snoozed, closed), `sla` (overdue, due_soon, ok), `assignee` (a user id) and `q`, a prefix "
    "of the buyer's address or name or a part of the subject.",
    response_model=PageOf[ThreadRead],
    responses=errors(403, 422),
)
def list_threads(
    paging: Paging,
    session: DbSession,
    intent: str | None = Query(None, max_length=40),
    channel: str | None = Query(None, max_length=20),
    status: str | None = Query(None, max_length=12),
    sla: str | None = Query(None, max_length=12),
    assignee: str | None = Query(None, max_length=32),
    q: str | None = Query(None, max_length=120),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    """A page of threads."""
    filters = service.ThreadFilters(intent, channel, status, sla, assignee, q)
    page = service.threads_page(session, actor, paging.limit, paging.cursor, filters)
    return paging.out(page, render_thread)


@router.get(
    "/inbox/threads/{thread_id}",
    summary="Read a thread",
    description="The thread, its messages oldest first (sanitised display bodies, what was "
    "understood, outbound status and lint findings) and its order and shipment links with the "
    "evidence.",
    response_model=ThreadDetail,
    responses=errors(403, 404),
)
def read_thread(
    thread_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> ThreadDetail:
    """One thread."""
    row = service.get_thread(session, actor, thread_id)
    return ThreadDetail(
        thread=render_thread(row),
        messages=[render_message(m) for m in service.thread_messages(session, row)],
        links=[LinkRead.model_validate(x) for x in service.thread_links(session, row)],
    )


@router.patch(
    "/inbox/threads/{thread_id}",
    summary="Assign, tag, prioritise, snooze or close a thread",
    description="Only the fields sent change; every change is written to the audit log. "
    "`snoozed_until` snoozes; a new buyer message reopens any thread.",
    response_model=ThreadRead,
    responses=errors(400, 403, 404, 413, 422),
)
def update_thread(
    thread_id: str,
    data: ThreadUpdate,
    session: DbSession,
    actor: Principal = Depends(needs(REPLY)),
) -> ThreadRead:
    """Thread actions."""
    return render_thread(service.update_thread(session, actor, thread_id, data))


@router.post(
    "/inbox/threads/{thread_id}/replies",
    summary="Reply on a thread",
    description="From a template (`template_id`, rendered with the thread's buyer, order and "
    "shipment: live status, estimated delivery, tracking link) or free text (`body`). The "
    "channel's compliance lint runs first: errors answer 422 with the findings and nothing is "
    "written; otherwise the reply is stored `queued` and the `inbox.send` job hands it to the "
    "channel's sender (`failed` with the reason when the channel has none). A reply the "
    "approval policy or a rule holds is stored `awaiting_approval` with its reasons and no job "
    "(GET /inbox/approvals).",
    status_code=201,
    response_model=ReplyRead,
    responses={**created("The queued reply."), **errors(400, 403, 404, 413, 422)},
)
def create_reply(
    thread_id: str,
    data: ReplyCreate,
    request: Request,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(REPLY)),
) -> ReplyRead:
    """Queue one reply."""
    message, findings, job_id = replies.reply(
        session, actor, thread_id, data, public_base=public_base(request)
    )
    reasons = []
    if message.outbound_status == replies.AWAITING:
        reasons = list(approvals.get(session, actor, message.id).approval.reasons)
    return ReplyRead(
        message=render_message(message), findings=findings, job_id=job_id, approval_reasons=reasons
    )


def to_inbound(item: MessageIn) -> InboundMessage:
    """A canonical JSON message as the store's contract; the JSON itself is the raw payload."""
    raw = json.dumps(item.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return InboundMessage(
        channel=item.channel,
        external_id=item.external_id,
        received_at=item.received_at,
        sender_address=item.sender_address,
        sender_name=item.sender_name,
        subject=item.subject,
        text=item.text,
        display_body=item.display_body if item.display_body is not None else item.text,
        html=item.html,
        external_thread_id=item.external_thread_id,
        in_reply_to=tuple(item.in_reply_to),
        order_refs=tuple(item.order_refs),
        store_ref=item.store_ref,
        attachments=tuple(
            InboundAttachment(a.filename, a.content_type, a.size) for a in item.attachments
        ),
        raw=raw.encode("utf-8"),
        raw_content_type="application/json",
    )


@router.post(
    "/inbox/messages",
    summary="Ingest buyer messages",
    description="Messages in LinkStar's canonical JSON (docs/formats/inbox-messages.md), up to "
    "500 per call. Idempotent by (channel, external_id): a message seen before is counted in "
    "`duplicates` and adds nothing. Messages are threaded, classified and linked to orders and "
    "shipments; the JSON of each message is kept as its raw payload.",
    response_model=IngestRead,
    responses=errors(400, 403, 413, 422),
)
def ingest_messages(
    data: MessageBatch,
    session: DbSession,
    settings: Annotated[Settings, Depends(get_settings)],
    actor: Principal = Depends(needs(MANAGE)),
) -> dict[str, Any]:
    """Store a batch of messages."""
    messages = [to_inbound(m) for m in data.messages]
    return service.ingest(session, actor, messages, understanding.classifier(settings)).as_dict()


@router.get(
    "/inbox/templates",
    summary="List reply templates",
    description="Every template of the organisation, by name, with its language variants.",
    response_model=PageOf[TemplateRead],
    responses=errors(403),
)
def list_templates(
    session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    """All templates (one page)."""
    rows = template_store.list_templates(session, actor)
    return {"items": [TemplateRead.model_validate(r) for r in rows], "next_cursor": None}


@router.post(
    "/inbox/templates",
    summary="Create a reply template",
    description="Per-language variants (`en`, `es`, `de`, `fr`, `pt`, `zh`) of subject and "
    "body in sandboxed Jinja2; every variant must compile (422 with the line otherwise). "
    "Names are unique per organisation (409).",
    status_code=201,
    response_model=TemplateRead,
    responses={**created("The template."), **errors(400, 403, 409, 413, 422)},
)
def create_template(
    data: TemplateCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> TemplateRead:
    """Create one template."""
    return TemplateRead.model_validate(template_store.create_template(session, actor, data))


@router.get(
    "/inbox/templates/{template_id}",
    summary="Read a reply template",
    description="One template with its variants and version.",
    response_model=TemplateRead,
    responses=errors(403, 404),
)
def read_template(
    template_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> TemplateRead:
    """One template."""
    return TemplateRead.model_validate(template_store.get_template(session, actor, template_id))


@router.patch(
    "/inbox/templates/{template_id}",
    summary="Change a reply template",
    description="Only the fields sent change; the version goes up by one; `active: false` "
    "retires a template.",
    response_model=TemplateRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def update_template(
    template_id: str,
    data: TemplateUpdate,
    session: DbSession,
    actor: Principal = Depends(needs(MANAGE)),
) -> TemplateRead:
    """Change one template."""
    row = template_store.update_template(session, actor, template_id, data)
    return TemplateRead.model_validate(row)


@router.post(
    "/inbox/templates/preview",
    summary="Preview a reply template",
    description="Render a stored template (`template_id`) or an unsaved one (`body`, "
    "`subject`, `mode`) in a language, with sample variables or a thread's own buyer, order "
    "and shipment (`thread_id`), and lint the result. Writes nothing.",
    response_model=PreviewRead,
    responses=errors(400, 403, 404, 413, 422),
)
def preview_template(
    data: PreviewRequest,
    request: Request,
    session: DbSession,
    actor: Principal = Depends(needs(READ)),
) -> PreviewRead:
    """Render and lint."""
    subject, body, language, findings = template_store.preview_template(
        session, actor, data, public_base=public_base(request)
    )
    return PreviewRead(subject=subject, body=body, language=language, findings=findings)


@router.get(
    "/inbox/reports",
    summary="Inbox report",
    description="For the threads opened from `from` to `to` (UTC days, both included; the "
    "last 30 days by default; at most 366), optionally on one `channel`: first-response and "
    "resolution time (p50, p90, mean, wall-clock hours), SLA hit rate of the first answer, "
    "volume by intent and by channel per `grain` (day or week) and lead conversion (bulk/OEM "
    "and price-negotiation threads whose buyer ordered within `lead_window_days`).",
    responses=errors(403, 422),
)
def read_report(
    session: DbSession,
    from_: date | None = Query(None, alias="from"),
    to: date | None = Query(None),
    channel: str | None = Query(None, max_length=20),
    grain: str = Query("day", max_length=8),
    lead_window_days: int = Query(14, ge=1, le=365),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, Any]:
    """The inbox report of a date range."""
    r = reports.ReportRange.parse(from_, to, channel, grain, lead_window_days)
    return reports.inbox_report(session, actor, r).as_dict()
