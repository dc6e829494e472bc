"""The exceptions queue: list it, act on many exceptions at once (acknowledge, resolve, assign;
audited), a shipment's exceptions, and the carriers and lanes suspended after a disruption.

Every function checks the actor's permission and scopes every query to its organisation. Never
commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.kit.pagination import Page
from linkstar.tracking.core.exceptions import ExceptionKind, ExceptionState
from linkstar.tracking.models import TrackingException, TrackingSuspension
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.repository import active_user_ids


class ExceptionRepository(Repository[TrackingException]):
    model = TrackingException
    order_column = "opened_at"


def shipment_exceptions(session: Session, actor: Principal, shipment_id: str) -> list[Any]:
    """Every exception of one shipment, newest first."""
    actor.require(Permission.tracking_read)
    stmt = (
        ExceptionRepository(session, actor.organisation_id)
        .select()
        .where(TrackingException.shipment_id == shipment_id)
        .order_by(TrackingException.opened_at.desc())
    )
    return list(session.scalars(stmt))


def exceptions_page(
    session: Session,
    actor: Principal,
    limit: int,
    cursor: str | None = None,
    *,
    state: str | None = None,
    kind: str | None = None,
) -> Page[TrackingException]:
    """The exceptions queue, newest first."""
    actor.require(Permission.tracking_read)
    filters: dict[str, Any] = {}
    if state:
        if state not in {s.value for s in ExceptionState}:
            raise InvalidInput(f"unknown state {state!r}", {"field": "state"})
        filters["state"] = state
    if kind:
        if kind not in {k.value for k in ExceptionKind}:
            raise InvalidInput(f"unknown kind {kind!r}", {"field": "kind"})
        filters["kind"] = kind
    repo = ExceptionRepository(session, actor.organisation_id)
    return repo.page_newest_first(limit, cursor, **filters)


@dataclass(frozen=True, slots=True)
class ActionResult:
    changed: int
    skipped: list[dict[str, str]]


_ALLOWED = {
    "acknowledge": {ExceptionState.OPEN.value},
    "resolve": {ExceptionState.OPEN.value, ExceptionState.ACKNOWLEDGED.value},
    "assign": {ExceptionState.OPEN.value, ExceptionState.ACKNOWLEDGED.value},
}


def act_on_exceptions(
    session: Session,
    actor: Principal,
    ids: Sequence[str],
    action: str,
    owner_user_id: str | None = None,
) -> ActionResult:
    """Acknowledge, resolve or assign many exceptions; ones in the wrong state are skipped."""
    actor.require(Permission.tracking_write)
    if action not in _ALLOWED:
        raise InvalidInput(f"unknown action {action!r}", {"field": "action"})
    if owner_user_id and not active_user_ids(session, actor.organisation_id, [owner_user_id]):
        # An owner nobody can sign in as would hide the exception from every "mine" view.
        raise InvalidInput(
            f"no active user {owner_user_id!r} in this workspace", {"field": "owner_user_id"}
        )
    wanted = list(dict.fromkeys(ids))
    rows = {
        r.id: r
        for r in session.scalars(
            ExceptionRepository(session, actor.organisation_id)
            .select()
            .where(TrackingException.id.in_(wanted))
        )
    }
    now = utcnow()
    skipped, changed = [], 0
    for exception_id in wanted:
        row = rows.get(exception_id)
        if row is None:
            skipped.append({"id": exception_id, "reason": "not found"})
            continue
        if row.state not in _ALLOWED[action]:
            skipped.append({"id": exception_id, "reason": f"already {row.state}"})
            continue
        before = {"state": row.state, "owner_user_id": row.owner_user_id}
        if action == "acknowledge":
            row.state, row.acknowledged_at = ExceptionState.ACKNOWLEDGED.value, now
            row.owner_user_id = row.owner_user_id or actor.actor_id
        elif action == "resolve":
            row.state, row.resolved_at = ExceptionState.RESOLVED.value, now
            row.resolved_by = actor.actor_id[:40]
        else:
            row.owner_user_id = owner_user_id
        audit.record(
            session, actor, f"tracking_exception.{action}", row, before=before,
            after={"state": row.state, "owner_user_id": row.owner_user_id},
        )  # fmt: skip
        changed += 1
    session.flush()
    return ActionResult(changed, skipped)


def active_suspensions(session: Session, actor: Principal) -> list[TrackingSuspension]:
    """Carriers and lanes currently suspended for routing after a disruption."""
    actor.require(Permission.tracking_read)
    stmt = select(TrackingSuspension).where(
        TrackingSuspension.organisation_id == actor.organisation_id,
        TrackingSuspension.until > utcnow(),
    )
    return list(session.scalars(stmt.order_by(TrackingSuspension.since.desc())))
