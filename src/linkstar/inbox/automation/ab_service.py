"""Use cases of A/B tests: create, assign a thread, record outcomes, results and promotion.

Never commits: the entry point owns the unit of work. Promotion happens on the write path
(recording an outcome), never on a read, and is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from linkstar.inbox.automation.models import ABOutcomeRow, ABTestRow, ABVariantRow
from linkstar.inbox.automation.repository import (
    ABOutcomeRepository,
    ABTestRepository,
    ABVariantRepository,
)
from linkstar.inbox.core.automation.ab import ABResult, ABTestSpec, Outcome, analyse, assign_variant
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal


def create_test(session: Session, actor: Principal, data: Mapping[str, Any]) -> ABTestRow:
    """Validate and store a test with its variants."""
    actor.require(Permission.inbox_manage)
    try:
        spec = ABTestSpec.model_validate(dict(data))
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
        raise InvalidInput(f"invalid A/B test: {details[0]['message']}", details) from None
    row = ABTestRepository(session, actor.organisation_id).add(
        ABTestRow(
            name=spec.name,
            metric=spec.metric,
            status="running",
            spec=spec.model_dump(mode="json"),
        )
    )
    variants = ABVariantRepository(session, actor.organisation_id)
    for i, v in enumerate(spec.variants):
        variants.add(
            ABVariantRow(
                test_id=row.id, key=v.key, template=v.template, percent=v.percent, position=i
            )
        )
    audit.record(session, actor, "ab_test.create", row, after=audit.snapshot(row))
    return row


def list_tests(session: Session, actor: Principal) -> list[ABTestRow]:
    """Every test of the organisation, oldest first."""
    actor.require(Permission.inbox_read)
    return ABTestRepository(session, actor.organisation_id).list()


def get_test(session: Session, actor: Principal, test_id: str) -> ABTestRow:
    """One test (NotFound for another organisation's id)."""
    actor.require(Permission.inbox_read)
    return ABTestRepository(session, actor.organisation_id).get(test_id)


def variants_of(session: Session, actor: Principal, test_id: str) -> list[ABVariantRow]:
    """The test's variants in order."""
    return ABVariantRepository(session, actor.organisation_id).of_test(test_id)


def delete_test(session: Session, actor: Principal, test_id: str) -> None:
    """Delete a test with its variants and outcomes."""
    actor.require(Permission.inbox_manage)
    tests = ABTestRepository(session, actor.organisation_id)
    row = tests.get(test_id)
    audit.record(session, actor, "ab_test.delete", row, before=audit.snapshot(row))
    tests.delete(row)


def stop_test(session: Session, actor: Principal, test_id: str) -> ABTestRow:
    """Stop a running test (no more assignments)."""
    actor.require(Permission.inbox_manage)
    row = ABTestRepository(session, actor.organisation_id).get(test_id)
    if row.status == "running":
        before = audit.snapshot(row)
        row.status = "stopped"
        session.flush()
        audit.record(session, actor, "ab_test.stop", row, before=before, after=audit.snapshot(row))
    return row


def record_outcome(
    session: Session,
    actor: Principal,
    test_id: str,
    subject_id: str,
    *,
    assigned_at: datetime,
    buyer_replied: bool | None = None,
    resolved_at: datetime | None = None,
    order_placed_at: datetime | None = None,
) -> tuple[ABOutcomeRow, ABResult]:
    """Assign (deterministically) or update one thread's outcome; promote a clear winner."""
    actor.require(Permission.inbox_reply)
    row = ABTestRepository(session, actor.organisation_id).get(test_id)
    spec = ABTestSpec.model_validate(row.spec)
    outcomes = ABOutcomeRepository(session, actor.organisation_id)
    outcome = outcomes.of_subject(row.id, subject_id)
    if outcome is None:
        if row.status != "running":
            raise Conflict(f"test {row.id} is {row.status}: no new threads are assigned")
        outcome = outcomes.add(
            ABOutcomeRow(
                test_id=row.id,
                variant_key=assign_variant(spec, row.id, subject_id),
                subject_id=subject_id,
                assigned_at=assigned_at,
            )
        )
    for moment in (resolved_at, order_placed_at):
        if moment is not None and moment < outcome.assigned_at:
            raise InvalidInput("an outcome cannot happen before the thread was assigned")
    if buyer_replied is not None:
        outcome.buyer_replied = buyer_replied
    if resolved_at is not None:
        outcome.resolved_at = resolved_at
    if order_placed_at is not None:
        outcome.order_placed_at = order_placed_at
    session.flush()
    return outcome, promote_if_clear(session, actor, row)


def promote_if_clear(session: Session, actor: Principal, row: ABTestRow) -> ABResult:
    """Promote the test's winner when the result is significant (audited); the result."""
    result = results(session, actor, row.id)
    if result.promote and row.status == "running":
        before = audit.snapshot(row)
        row.status, row.winner, row.promoted_at = "promoted", result.winner, utcnow()
        session.flush()
        audit.record(
            session, actor, "ab_test.promote", row, before=before, after=audit.snapshot(row)
        )
    return result


def results(session: Session, actor: Principal, test_id: str) -> ABResult:
    """Per-variant figures, p-value and winner (read-only)."""
    actor.require(Permission.inbox_read)
    row = ABTestRepository(session, actor.organisation_id).get(test_id)
    spec = ABTestSpec.model_validate(row.spec)
    rows = ABOutcomeRepository(session, actor.organisation_id).of_test(row.id)
    return analyse(
        spec,
        [
            Outcome(o.variant_key, o.assigned_at, o.buyer_replied, o.resolved_at, o.order_placed_at)
            for o in rows
        ],
    )
