"""The audit log: who changed what, when, with the row before and after."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal
from linkstar.workspace.models import AuditEntry

# Columns never copied into the audit log.
SECRET_COLUMNS = frozenset({"password_hash", "key_hash", "credentials_encrypted", "token_hash"})


def snapshot(row: Any) -> dict[str, Any]:
    """A JSON-able copy of a row's columns, without secrets."""
    values: dict[str, Any] = {}
    for attr in inspect(row).mapper.column_attrs:
        if attr.key in SECRET_COLUMNS:
            continue
        values[attr.key] = _jsonable(getattr(row, attr.key))
    return values


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def record(
    session: Session,
    actor: Principal,
    action: str,
    entity: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
) -> AuditEntry:
    """Append one audit entry for a mutation, in the caller's transaction."""
    if before is not None and after is not None:
        changed = {k for k in after if before.get(k) != after.get(k)} | (
            before.keys() - after.keys()
        )
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    entry = AuditEntry(
        organisation_id=actor.organisation_id,
        at=utcnow(),
        actor_type=actor.actor_type.value,
        actor_id=actor.actor_id,
        actor_label=actor.label[:254],
        action=action,
        entity_type=entity_type or getattr(entity, "__tablename__", "entity"),
        entity_id=entity_id or str(getattr(entity, "id", "")),
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def purge(session: Session, organisation_id: str, retention_days: int) -> int:
    """Delete entries older than the retention (never less than 90 days)."""
    days = max(retention_days, 90)
    return repo.purge_audit_entries(session, organisation_id, utcnow() - timedelta(days=days))
