"""Inbox: the thread list (filters by intent, channel, status and SLA state, keyset paging),
a thread (messages oldest first, understanding badges, order and shipment sidebar, reply box
with template picker, preview and lint findings, thread actions) and the reply templates."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from linkstar.inbox import replies, service, template_store
from linkstar.inbox.core.intents import Intent
from linkstar.inbox.core.templates import LANGUAGES
from linkstar.inbox.core.threads import ThreadStatus, split_quoted
from linkstar.inbox.schemas import (
    PreviewRequest,
    ReplyCreate,
    TemplateCreate,
    TemplateUpdate,
    ThreadUpdate,
)
from linkstar.kit.errors import InvalidInput, LinkStarError
from linkstar.web import nav
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import text_fields
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
PAGE_SIZE = 50
FILTERS = ("intent", "channel", "status", "sla", "q")


def _render(page: Page, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return page.render(
        name,
        status=status,
        inbox_sections=nav.visible(nav.INBOX_SECTIONS, page.principal),
        active_inbox=nav.active_key(nav.INBOX_SECTIONS, page.request.url.path),
        **context,
    )


@router.get("/inbox", response_class=HTMLResponse)
def inbox_home(page: ConsolePage) -> Response:
    """The module's first page is the thread list."""
    page.principal.require(P.inbox_read)
    return RedirectResponse("/inbox/threads", status_code=303)


@router.get("/inbox/threads", response_class=HTMLResponse)
def threads(
    page: ConsolePage,
    intent: str = "",
    channel: str = "",
    status: str = "",
    sla: str = "",
    q: str = "",
    cursor: str = "",
) -> HTMLResponse:
    """Threads, latest activity first, with SLA badges and filters."""
    filters = service.ThreadFilters(
        intent or None, channel or None, status or None, sla or None, None, q[:120] or None
    )
    found = service.threads_page(page.session, page.principal, PAGE_SIZE, cursor or None, filters)
    current = {"intent": intent, "channel": channel, "status": status, "sla": sla, "q": q}
    query = urlencode({k: v for k, v in current.items() if v})
    return _render(
        page,
        "inbox/threads.html",
        threads=found.items,
        sla_of={t.id: service.thread_sla(t).value for t in found.items},
        counts=service.sla_counts(page.session, page.principal),
        cap=service.COUNT_CAP,
        current=current,
        query=query,
        intents=[i.value for i in Intent],
        channels=service.CHANNELS,
        statuses=[s.value for s in ThreadStatus],
        next_cursor=found.next_cursor,
        first_page=not cursor,
    )


def _thread_context(page: Page, thread_id: str) -> dict[str, Any]:
    thread = service.get_thread(page.session, page.principal, thread_id)
    messages = service.thread_messages(page.session, thread)
    orders, shipments = service.linked_records(page.session, thread)
    bodies = {}
    for m in messages:
        if not m.html:
            bodies[m.id] = split_quoted(m.display_body)
    return {
        "thread": thread,
        "sla": service.thread_sla(thread).value,
        "messages": messages,
        "bodies": bodies,
        "orders": orders,
        "shipments": shipments,
        "public_base": str(page.request.base_url).rstrip("/"),
        "templates": [t for t in template_store.list_templates(page.session, page.principal)
                      if t.active],
        "users": service.users_of(page.session, page.principal),
        "languages": LANGUAGES,
        "statuses": [s.value for s in ThreadStatus],
        "reply": {"template_id": "", "body": "", "subject": "", "language": ""},
        "preview": None,
        "findings": [],
        "reply_error": "",
    }  # fmt: skip


@router.get("/inbox/threads/{thread_id}", response_class=HTMLResponse)
def thread_view(page: ConsolePage, thread_id: str) -> HTMLResponse:
    """One thread with its sidebar and reply box."""
    return _render(page, "inbox/thread.html", **_thread_context(page, thread_id))


@router.post("/inbox/threads/{thread_id}/reply", response_class=HTMLResponse)
def thread_reply(page: ConsoleAction, thread_id: str) -> Response:
    """Preview a reply (render + lint, nothing written) or queue it."""
    page.principal.require(P.inbox_reply)
    fields = text_fields(page.form, ["template_id", "body", "subject", "language", "action"])
    context = _thread_context(page, thread_id)
    context["reply"] = fields
    try:
        data = ReplyCreate(
            template_id=fields["template_id"] or None,
            body=None if fields["template_id"] else (fields["body"] or None),
            subject=fields["subject"] or None,
            language=fields["language"] or None,
        )
    except ValidationError as exc:
        context["reply_error"] = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return _render(page, "inbox/thread.html", status=422, **context)
    base = context["public_base"]
    if fields["action"] == "preview":
        try:
            subject, body, _lang, findings = template_store.preview_template(
                page.session,
                page.principal,
                PreviewRequest(
                    template_id=data.template_id,
                    body=data.body,
                    language=data.language or _language(context["thread"].language),
                    thread_id=thread_id,
                ),
                public_base=base,
            )
        except LinkStarError as exc:
            context["reply_error"] = str(exc)
            return _render(page, "inbox/thread.html", status=422, **context)
        context["preview"] = {"subject": subject, "body": body}
        context["findings"] = findings
        return _render(page, "inbox/thread.html", **context)
    try:
        replies.reply(page.session, page.principal, thread_id, data, public_base=base)
    except InvalidInput as exc:
        page.session.rollback()
        context = {**_thread_context(page, thread_id), "reply": fields}
        context["reply_error"] = str(exc)
        details = exc.details if isinstance(exc.details, dict) else {}
        context["findings"] = details.get("findings", [])
        return _render(page, "inbox/thread.html", status=422, **context)
    return page.redirect(f"/inbox/threads/{thread_id}", "Reply queued for sending.")


def _language(value: str) -> Any:
    return value if value in LANGUAGES else "en"


@router.post("/inbox/threads/{thread_id}/update", response_class=HTMLResponse)
def thread_update(page: ConsoleAction, thread_id: str) -> Response:
    """Assign, set status or priority, tag."""
    page.principal.require(P.inbox_reply)
    fields = text_fields(page.form, ["status", "priority", "assignee_user_id", "tags"])
    try:
        data = ThreadUpdate(
            status=fields["status"] or None,
            priority=fields["priority"] or None,
            assignee_user_id=fields["assignee_user_id"] or None,
            unassign=not fields["assignee_user_id"],
            tags=[t.strip() for t in fields["tags"].split(",") if t.strip()][:20],
        )
        service.update_thread(page.session, page.principal, thread_id, data)
    except (ValidationError, LinkStarError) as exc:
        page.session.rollback()
        service.get_thread(page.session, page.principal, thread_id)  # 404 before anything else
        return page.redirect(f"/inbox/threads/{thread_id}", _problem(exc), "error")
    return page.redirect(f"/inbox/threads/{thread_id}", "Thread updated.")


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}"
    return str(exc)


@router.get("/inbox/templates", response_class=HTMLResponse)
def templates(page: ConsolePage) -> HTMLResponse:
    """Reply templates and a form to add one."""
    rows = template_store.list_templates(page.session, page.principal)
    return _render(page, "inbox/templates.html", templates=rows, form=_blank(), error="")


def _blank() -> dict[str, str]:
    return {"name": "", "intent": "", "mode": "text", "language": "en", "subject": "", "body": ""}


def _variants_from(fields: dict[str, str], existing: dict[str, Any]) -> dict[str, Any]:
    variants = {k: dict(v) for k, v in existing.items()}
    if fields["body"]:
        variants[fields["language"] or "en"] = {
            "subject": fields["subject"],
            "body": fields["body"],
        }
    return variants


@router.post("/inbox/templates", response_class=HTMLResponse)
def template_create(page: ConsoleAction) -> Response:
    """Save a new template (its first language variant)."""
    page.principal.require(P.inbox_manage)
    fields = text_fields(page.form, ["name", "intent", "mode", "language", "subject", "body"])
    try:
        data = TemplateCreate.model_validate(
            {
                "name": fields["name"],
                "intent": fields["intent"] or None,
                "mode": fields["mode"] or "text",
                "variants": _variants_from(fields, {}),
            }
        )
        row = template_store.create_template(page.session, page.principal, data)
    except (ValidationError, LinkStarError) as exc:
        page.session.rollback()
        rows = template_store.list_templates(page.session, page.principal)
        return _render(
            page, "inbox/templates.html", status=422, templates=rows, form=fields,
            error=_problem(exc),
        )  # fmt: skip
    return page.redirect(f"/inbox/templates/{row.id}", "Template saved.")


@router.get("/inbox/templates/{template_id}", response_class=HTMLResponse)
def template_edit(page: ConsolePage, template_id: str, language: str = "en") -> HTMLResponse:
    """One template: its variants, an edit form per language and a preview."""
    row = template_store.get_template(page.session, page.principal, template_id)
    lang = _language(language)
    variant = row.variants.get(lang, {"subject": "", "body": ""})
    preview, findings, error = _preview(page, template_id, lang)
    return _render(
        page, "inbox/template.html", tpl=row, language=lang, variant=variant,
        languages=LANGUAGES, preview=preview, findings=findings, error=error,
    )  # fmt: skip


def _preview(page: Page, template_id: str, language: str) -> tuple[Any, list[Any], str]:
    try:
        subject, body, _lang, findings = template_store.preview_template(
            page.session, page.principal, PreviewRequest(template_id=template_id, language=language)
        )
    except LinkStarError as exc:
        return None, [], str(exc)
    return {"subject": subject, "body": body}, findings, ""


@router.post("/inbox/templates/{template_id}", response_class=HTMLResponse)
def template_update(page: ConsoleAction, template_id: str) -> Response:
    """Save one language variant (and the mode, intent, active flag); the version goes up."""
    page.principal.require(P.inbox_manage)
    fields = text_fields(page.form, ["intent", "mode", "language", "subject", "body", "active"])
    row = template_store.get_template(page.session, page.principal, template_id)
    lang = _language(fields["language"])
    try:
        data = TemplateUpdate.model_validate(
            {
                "intent": fields["intent"],
                "mode": fields["mode"] or row.mode,
                "variants": _variants_from({**fields, "language": lang}, row.variants),
                "active": fields["active"] == "on",
            }
        )
        template_store.update_template(page.session, page.principal, template_id, data)
    except (ValidationError, LinkStarError) as exc:
        page.session.rollback()
        return page.redirect(
            f"/inbox/templates/{template_id}?language={lang}", _problem(exc), "error"
        )
    return page.redirect(f"/inbox/templates/{template_id}?language={lang}", "Template saved.")
