"""Stored reply templates: per-language variants, checked (sandboxed Jinja2 compiles) before
they are saved, versioned on every change, audited; preview with sample or thread variables."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.inbox.core.compliance import Outgoing, lint
from linkstar.inbox.core.templates import Mode, ReplyTemplate, check, preview, render
from linkstar.inbox.models import InboxTemplate
from linkstar.inbox.schemas import PreviewRequest, TemplateCreate, TemplateUpdate
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

READ = Permission.inbox_read
MANAGE = Permission.inbox_manage


class TemplateRepository(Repository[InboxTemplate]):
    model = InboxTemplate


def as_template(row: InboxTemplate, language: str) -> ReplyTemplate:
    """The variant of `language` (English, then any, when the template lacks it)."""
    variants = row.variants
    variant = variants.get(language) or variants.get("en") or next(iter(variants.values()))
    chosen = (
        language if language in variants else next(k for k, v in variants.items() if v is variant)
    )
    return ReplyTemplate(
        name=row.name,
        language=chosen,
        body=str(variant.get("body", "")),
        subject=str(variant.get("subject", "")),
        mode=Mode(row.mode),
    )


def _check_all(name: str, mode: str, variants: dict[str, Any]) -> None:
    for language, variant in variants.items():
        try:
            check(
                ReplyTemplate(
                    name, language, variant["body"], variant.get("subject", ""), Mode(mode)
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(f"{language}: {exc}", {"field": f"variants.{language}"}) from None


def list_templates(session: Session, actor: Principal) -> list[InboxTemplate]:
    """Every template of the organisation, by name."""
    actor.require(READ)
    rows = TemplateRepository(session, actor.organisation_id).list()
    return sorted(rows, key=lambda r: r.name.lower())


def get_template(session: Session, actor: Principal, template_id: str) -> InboxTemplate:
    """One template, or NotFound."""
    actor.require(READ)
    return TemplateRepository(session, actor.organisation_id).get(template_id)


def create_template(session: Session, actor: Principal, data: TemplateCreate) -> InboxTemplate:
    """Save a new template after every variant compiled."""
    actor.require(MANAGE)
    variants: dict[str, Any] = {str(k): v.model_dump() for k, v in data.variants.items()}
    _check_all(data.name, data.mode, variants)
    repo = TemplateRepository(session, actor.organisation_id)
    if repo.find(name=data.name) is not None:
        raise Conflict(f"a template named {data.name!r} exists", {"field": "name"})
    row = InboxTemplate(
        name=data.name, intent=data.intent, mode=data.mode, variants=variants, active=data.active
    )
    try:
        with session.begin_nested():
            repo.add(row)
    except IntegrityError:
        raise Conflict(f"a template named {data.name!r} exists", {"field": "name"}) from None
    audit.record(session, actor, "inbox.template.create", row, after=audit.snapshot(row))
    return row


def update_template(
    session: Session, actor: Principal, template_id: str, data: TemplateUpdate
) -> InboxTemplate:
    """Change a template; its version goes up by one."""
    actor.require(MANAGE)
    repo = TemplateRepository(session, actor.organisation_id)
    row = repo.get(template_id)
    before = audit.snapshot(row)
    name = data.name if data.name is not None else row.name
    mode = data.mode if data.mode is not None else row.mode
    variants: dict[str, Any] = (
        {str(k): v.model_dump() for k, v in data.variants.items()}
        if data.variants is not None
        else row.variants
    )
    _check_all(name, mode, variants)
    if name != row.name and repo.find(name=name) is not None:
        raise Conflict(f"a template named {name!r} exists", {"field": "name"})
    row.name, row.mode, row.variants = name, mode, variants
    if data.intent is not None:
        row.intent = data.intent or None
    if data.active is not None:
        row.active = data.active
    row.version += 1
    session.flush()
    audit.record(
        session, actor, "inbox.template.update", row, before=before, after=audit.snapshot(row)
    )
    return row


def preview_template(
    session: Session,
    actor: Principal,
    data: PreviewRequest,
    *,
    public_base: str = "",
    seller: str = "",
) -> tuple[str, str, str, list[dict[str, Any]]]:
    """Subject, body, language and lint findings of a template rendered with sample
    variables, or with a thread's own buyer, order and shipment when `thread_id` is given."""
    from linkstar.inbox import replies, service

    actor.require(READ)
    if data.template_id is not None:
        template = as_template(get_template(session, actor, data.template_id), data.language)
    elif data.body is not None:
        template = ReplyTemplate("preview", data.language, data.body, data.subject, Mode(data.mode))
    else:
        raise InvalidInput("send template_id or body", {"field": "body"})
    channel = "email"
    if data.thread_id is not None:
        thread = service.get_thread(session, actor, data.thread_id)
        channel = replies.lint_channel(thread.channel)
        rendered = render(template, replies.variables(session, thread, public_base, seller))
    else:
        rendered = preview(template)
    findings = lint(Outgoing(channel=channel, body=rendered.body, subject=rendered.subject))
    return (
        rendered.subject,
        rendered.body,
        rendered.language,
        [f.as_dict() for f in findings.findings],
    )
