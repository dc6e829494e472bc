"""Use cases of stored inbox rules: CRUD with versions, loading compiled rules, dry run, audit.

Never commits: the entry point (API request, job, CLI command) owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from linkstar.inbox.automation.models import InboxRuleRow, InboxRuleRunRow, InboxRuleVersionRow
from linkstar.inbox.automation.repository import (
    InboxRuleRepository,
    InboxRuleRunRepository,
    InboxRuleVersionRepository,
)
from linkstar.inbox.core.automation.actions import ActionOutcome
from linkstar.inbox.core.automation.rules import (
    CompiledRules,
    DryRunRow,
    Event,
    Plan,
    StoredRule,
    compile_rules,
    dry_run,
    parse_rule,
)
from linkstar.kit.clock import utcnow
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal


def list_rules(session: Session, actor: Principal) -> list[InboxRuleRow]:
    """Every rule of the organisation in evaluation order."""
    actor.require(Permission.inbox_read)
    return InboxRuleRepository(session, actor.organisation_id).ordered()


def get_rule(session: Session, actor: Principal, rule_id: str) -> InboxRuleRow:
    """One rule (NotFound for another organisation's id)."""
    actor.require(Permission.inbox_read)
    return InboxRuleRepository(session, actor.organisation_id).get(rule_id)


def rule_versions(session: Session, actor: Principal, rule_id: str) -> list[InboxRuleVersionRow]:
    """Every version of one rule, oldest first."""
    row = get_rule(session, actor, rule_id)
    return InboxRuleVersionRepository(session, actor.organisation_id).of_rule(row.id)


def _make_room(session: Session, org_id: str, position: int) -> None:
    session.execute(
        update(InboxRuleRow)
        .where(InboxRuleRow.organisation_id == org_id, InboxRuleRow.position >= position)
        .values(position=InboxRuleRow.position + 1)
        .execution_options(synchronize_session="fetch")
    )


def _version(session: Session, actor: Principal, row: InboxRuleRow) -> None:
    versions = InboxRuleVersionRepository(session, actor.organisation_id)
    versions.add(
        InboxRuleVersionRow(
            rule_id=row.id,
            version=row.version,
            definition=row.definition,
            created_by=actor.label[:120],
        )
    )


def create_rule(
    session: Session,
    actor: Principal,
    definition: Mapping[str, Any],
    *,
    active: bool = True,
    position: int | None = None,
) -> InboxRuleRow:
    """Validate and store a rule at `position` (default: last); later rules move down."""
    actor.require(Permission.inbox_manage)
    rule = parse_rule(dict(definition))
    rules = InboxRuleRepository(session, actor.organisation_id)
    at = position or rules.next_position()
    _make_room(session, actor.organisation_id, at)
    row = rules.add(
        InboxRuleRow(
            position=at,
            name=rule.name,
            trigger_event=rule.trigger.event,
            active=active,
            version=1,
            definition=rule.model_dump(mode="json", exclude_none=True),
        )
    )
    _version(session, actor, row)
    audit.record(session, actor, "inbox_rule.create", row, after=audit.snapshot(row))
    return row


def update_rule(
    session: Session,
    actor: Principal,
    rule_id: str,
    *,
    definition: Mapping[str, Any] | None = None,
    active: bool | None = None,
    position: int | None = None,
) -> InboxRuleRow:
    """Change a rule; a new definition is validated as a whole and becomes a new version."""
    actor.require(Permission.inbox_manage)
    row = InboxRuleRepository(session, actor.organisation_id).get(rule_id)
    before = audit.snapshot(row)
    if definition is not None:
        rule = parse_rule(dict(definition))
        row.definition = rule.model_dump(mode="json", exclude_none=True)
        row.name, row.trigger_event = rule.name, rule.trigger.event
        row.version += 1
        _version(session, actor, row)
    if active is not None:
        row.active = active
    if position is not None and position != row.position:
        row.position = -1
        session.flush()
        _make_room(session, actor.organisation_id, position)
        row.position = position
    session.flush()
    audit.record(session, actor, "inbox_rule.update", row, before=before, after=audit.snapshot(row))
    return row


def delete_rule(session: Session, actor: Principal, rule_id: str) -> None:
    """Delete a rule (its runs stay in the audit table)."""
    actor.require(Permission.inbox_manage)
    rules = InboxRuleRepository(session, actor.organisation_id)
    row = rules.get(rule_id)
    audit.record(session, actor, "inbox_rule.delete", row, before=audit.snapshot(row))
    rules.delete(row)


def stored_rule(row: InboxRuleRow) -> StoredRule:
    """The core view of a stored row (validated again: stored JSON is never trusted blindly)."""
    return StoredRule(row.id, row.version, row.position, parse_rule(row.definition), row.active)


def load_compiled(session: Session, org_id: str) -> CompiledRules:
    """The organisation's active rules, compiled once for a batch of events."""
    rows = InboxRuleRepository(session, org_id).ordered()
    return compile_rules(stored_rule(r) for r in rows if r.active)


def fired_keys(session: Session, org_id: str, event: Event) -> set[tuple[str, str, str]]:
    """Rules that already fired for this event on this thread (from the run audit)."""
    return InboxRuleRunRepository(session, org_id).fired_keys(event.thread_id, event.id)


def record_runs(
    session: Session,
    org_id: str,
    event: Event,
    plan: Plan,
    outcomes: Sequence[ActionOutcome],
) -> list[InboxRuleRunRow]:
    """One audit row per fired rule, with each of its actions' outcome."""
    by_rule: dict[str, list[dict[str, Any]]] = {r: [] for r in plan.matched}
    for o in outcomes:
        entry = {**o.planned.as_json(), "ok": o.ok}
        if o.error:
            entry["error"] = o.error
        by_rule.setdefault(o.planned.rule_id, []).append(entry)
    versions = {a.rule_id: a.rule_version for a in plan.actions}
    runs = InboxRuleRunRepository(session, org_id)
    return [
        runs.add(
            InboxRuleRunRow(
                rule_id=rule_id,
                rule_version=versions.get(rule_id, 0),
                event_type=event.type,
                event_id=event.id,
                subject_id=event.thread_id,
                depth=event.depth,
                matched=True,
                actions=entries,
                at=utcnow(),
            )
        )
        for rule_id, entries in by_rule.items()
    ]


def dry_run_rule(
    actor: Principal,
    definition: Mapping[str, Any],
    snapshots: Sequence[tuple[datetime, Mapping[str, Any], Mapping[str, Any]]],
) -> list[DryRunRow]:
    """What a (not saved) rule would do on each snapshot; nothing is written."""
    actor.require(Permission.inbox_read)
    rule = parse_rule(dict(definition))
    return dry_run(rule, rule.trigger.event, snapshots)
