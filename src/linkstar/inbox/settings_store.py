"""The workspace's inbox settings (calendars, SLA targets, auto-close, approval policy): read
with defaults, replaced whole (validated, versioned, audited). Never commits."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.inbox.automation.models import InboxSettingsRow
from linkstar.inbox.core.automation.policy import InboxSettings, settings_from
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal


def _row(session: Session, organisation_id: str) -> InboxSettingsRow | None:
    return session.scalars(
        select(InboxSettingsRow).where(InboxSettingsRow.organisation_id == organisation_id)
    ).first()


def load(session: Session, organisation_id: str) -> InboxSettings:
    """The organisation's settings (the defaults when it saved none)."""
    row = _row(session, organisation_id)
    return settings_from(row.document if row is not None else None)


def read(session: Session, actor: Principal) -> tuple[InboxSettings, int]:
    """The settings and their version (0: never saved, the defaults)."""
    actor.require(Permission.inbox_read)
    row = _row(session, actor.organisation_id)
    return settings_from(row.document if row is not None else None), row.version if row else 0


def parse(data: Any) -> InboxSettings:
    """Validated settings, or InvalidInput listing every problem with its path."""
    try:
        return InboxSettings.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"path": ".".join(str(x) for x in e["loc"]) or "$", "message": e["msg"]}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise InvalidInput("the inbox settings are not valid", {"errors": errors}) from exc


def save(session: Session, actor: Principal, data: Any) -> tuple[InboxSettings, int]:
    """Replace the settings; new due times apply to messages received from now on."""
    actor.require(Permission.inbox_manage)
    settings = parse(data)
    document = settings.model_dump(mode="json")
    row = _row(session, actor.organisation_id)
    before = None if row is None else {"version": row.version, "document": row.document}
    if row is None:
        row = InboxSettingsRow(organisation_id=actor.organisation_id, document=document)
        session.add(row)
    else:
        row.document, row.version, row.updated_at = document, row.version + 1, utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "inbox.settings.update",
        row,
        before=before,
        after={"version": row.version, "document": document},
    )
    return settings, row.version
