"""Settings → Audit log: who changed what and when, newest first, with before and after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from linkstar.web.context import ConsolePage
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Permission
from linkstar.workspace.models import AuditEntry

router = APIRouter()
PAGE_SIZE = 25
ENTITY_LABELS = {
    "organisations": "Organisation",
    "users": "User",
    "api_keys": "API key",
    "stores": "Store",
    "warehouses": "Warehouse",
    "outbox_jobs": "Job",
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(entry: AuditEntry) -> list[Change]:
    """The fields an entry touched, with their values before and after (as text)."""
    before, after = entry.before or {}, entry.after or {}
    # updated_at repeats the entry's own time; the stored entry keeps it.
    names = sorted((before.keys() | after.keys()) - {"updated_at"}, key=lambda n: (n == "id", n))
    return [
        Change(
            name,
            _show(before.get(name)) if entry.before is not None else None,
            _show(after.get(name)) if entry.after is not None else None,
        )
        for name in names
    ]


@router.get("/settings/audit", response_class=HTMLResponse)
def audit_log(page: ConsolePage, entity_type: str = "", cursor: str = "") -> HTMLResponse:
    """A page of the audit log; HTMX asks for the next rows only."""
    page.principal.require(Permission.audit_read)
    audit = repo.AuditRepository(page.session, page.principal.organisation_id)
    filters = {"entity_type": entity_type} if entity_type else {}
    result = audit.page_newest_first(PAGE_SIZE, cursor or None, **filters)
    context: dict[str, Any] = {
        "entries": result.items,
        "next_cursor": result.next_cursor,
        "entity_type": entity_type,
        "changes": changes,
        "entity_labels": ENTITY_LABELS,
        "first_page": not cursor,
    }
    if page.htmx:
        return page.fragment("settings/_audit_rows.html", **context)
    types = audit.entity_types()
    options = [("", "All entities")] + [(t, ENTITY_LABELS.get(t, t)) for t in types]
    return page.render("settings/audit.html", entity_options=options, **context)
