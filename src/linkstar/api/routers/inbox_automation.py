"""Inbox automation: rules (versioned, dry run) and A/B tests of reply templates."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response
from sqlalchemy.orm import Session

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.inbox.automation import ab_service, rules_service
from linkstar.inbox.automation.models import ABTestRow
from linkstar.inbox.automation.schemas import (
    DEFINITION_FIELDS,
    ABOutcomeRead,
    ABOutcomeWrite,
    ABResultRead,
    ABTestRead,
    ABTestWrite,
    ABVariantRead,
    InboxRuleDryRun,
    InboxRuleDryRunRead,
    InboxRulePatch,
    InboxRuleRead,
    InboxRuleVersionRead,
    InboxRuleWrite,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("inbox automation")
READ = Permission.inbox_read
MANAGE = Permission.inbox_manage
REPLY = Permission.inbox_reply


@router.get(
    "/inbox/rules",
    summary="List inbox rules",
    description="In evaluation order (position).",
    response_model=PageOf[InboxRuleRead],
    responses=errors(403, 422),
)
def list_inbox_rules(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    rows = rules_service.list_rules(session, actor)
    return {"items": [InboxRuleRead.model_validate(r) for r in rows], "next_cursor": None}


@router.post(
    "/inbox/rules",
    summary="Create an inbox rule",
    description="Validated as a whole; 422 `rule_invalid` lists every problem with its JSON "
    "path. `position` (default: last) moves later rules down. Version 1 is recorded.",
    status_code=201,
    response_model=InboxRuleRead,
    responses={**created("The rule."), **errors(400, 403, 413, 422)},
)
def create_inbox_rule(
    data: InboxRuleWrite,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> InboxRuleRead:
    row = rules_service.create_rule(
        session, actor, data.definition(), active=data.active, position=data.position
    )
    return InboxRuleRead.model_validate(row)


@router.post(
    "/inbox/rules/dry-run",
    summary="Dry-run an inbox rule",
    description="What the rule (not saved) would do on each given thread snapshot. "
    "Changes nothing.",
    response_model=InboxRuleDryRunRead,
    responses=errors(400, 403, 413, 422),
)
def dry_run_inbox_rule(
    data: InboxRuleDryRun, session: DbSession, actor: Principal = Depends(needs(READ))
) -> InboxRuleDryRunRead:
    snapshots = [(s.at, s.snapshot, s.event) for s in data.snapshots]
    rows = rules_service.dry_run_rule(actor, data.rule, snapshots)
    return InboxRuleDryRunRead.model_validate(
        {
            "examined": len(rows),
            "matched": sum(r.matched for r in rows),
            "rows": [
                {"snapshot_index": r.snapshot_index, "matched": r.matched, "actions": r.actions}
                for r in rows
            ],
        }
    )


@router.get(
    "/inbox/rules/{inbox_rule_id}",
    summary="Read an inbox rule",
    response_model=InboxRuleRead,
    responses=errors(403, 404),
)
def read_inbox_rule(
    inbox_rule_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> InboxRuleRead:
    return InboxRuleRead.model_validate(rules_service.get_rule(session, actor, inbox_rule_id))


@router.get(
    "/inbox/rules/{inbox_rule_id}/versions",
    summary="List a rule's versions",
    response_model=PageOf[InboxRuleVersionRead],
    responses=errors(403, 404),
)
def list_inbox_rule_versions(
    inbox_rule_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, Any]:
    rows = rules_service.rule_versions(session, actor, inbox_rule_id)
    return {"items": [InboxRuleVersionRead.model_validate(r) for r in rows], "next_cursor": None}


@router.patch(
    "/inbox/rules/{inbox_rule_id}",
    summary="Update an inbox rule",
    description="Omitted fields stay unchanged; a changed definition is validated as a whole "
    "and becomes a new version.",
    response_model=InboxRuleRead,
    responses=errors(400, 403, 404, 413, 422),
)
def update_inbox_rule(
    inbox_rule_id: str,
    data: InboxRulePatch,
    session: DbSession,
    actor: Principal = Depends(needs(MANAGE)),
) -> InboxRuleRead:
    changes = data.model_dump(exclude_unset=True)
    definition = None
    if set(changes) & set(DEFINITION_FIELDS):
        current = rules_service.get_rule(session, actor, inbox_rule_id).definition
        definition = {**current, **{k: v for k, v in changes.items() if k in DEFINITION_FIELDS}}
    row = rules_service.update_rule(
        session,
        actor,
        inbox_rule_id,
        definition=definition,
        active=changes.get("active"),
        position=changes.get("position"),
    )
    return InboxRuleRead.model_validate(row)


@router.delete(
    "/inbox/rules/{inbox_rule_id}",
    summary="Delete an inbox rule",
    description="Its runs stay in the audit table.",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def delete_inbox_rule(
    inbox_rule_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> Response:
    rules_service.delete_rule(session, actor, inbox_rule_id)
    return Response(status_code=204)


# --- A/B tests -------------------------------------------------------------------------------


def ab_test_read(session: Session, actor: Principal, row: ABTestRow) -> ABTestRead:
    """The public view of a test with its variants."""
    variants = ab_service.variants_of(session, actor, row.id)
    return ABTestRead(
        id=row.id,
        name=row.name,
        metric=row.metric,
        status=row.status,
        winner=row.winner,
        promoted_at=row.promoted_at,
        spec=row.spec,
        variants=[ABVariantRead.model_validate(v) for v in variants],
        created_at=row.created_at,
    )


@router.get(
    "/inbox/ab-tests",
    summary="List A/B tests",
    response_model=PageOf[ABTestRead],
    responses=errors(403, 422),
)
def list_ab_tests(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    rows = ab_service.list_tests(session, actor)
    return {"items": [ab_test_read(session, actor, r) for r in rows], "next_cursor": None}


@router.post(
    "/inbox/ab-tests",
    summary="Create an A/B test",
    description="Variants with split percentages that add up to 100 (two decimals at most).",
    status_code=201,
    response_model=ABTestRead,
    responses={**created("The test."), **errors(400, 403, 413, 422)},
)
def create_ab_test(
    data: ABTestWrite,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> ABTestRead:
    row = ab_service.create_test(session, actor, data.model_dump())
    return ab_test_read(session, actor, row)


@router.get(
    "/inbox/ab-tests/{ab_test_id}",
    summary="Read an A/B test",
    response_model=ABTestRead,
    responses=errors(403, 404),
)
def read_ab_test(
    ab_test_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> ABTestRead:
    return ab_test_read(session, actor, ab_service.get_test(session, actor, ab_test_id))


@router.get(
    "/inbox/ab-tests/{ab_test_id}/results",
    summary="A/B test results",
    description="Per-variant rate with a Wilson 95 % interval, the significance test, its "
    "p-value and the winner (when p < alpha and every variant has the minimum sample).",
    response_model=ABResultRead,
    responses=errors(403, 404),
)
def ab_test_results(
    ab_test_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> ABResultRead:
    return ABResultRead.model_validate(ab_service.results(session, actor, ab_test_id))


@router.post(
    "/inbox/ab-tests/{ab_test_id}/outcomes",
    summary="Record an A/B outcome",
    description="Assigns the thread to a variant on first sight (hash of test and thread id), "
    "then records buyer reply, resolution and order times; promotes a significant winner.",
    response_model=ABOutcomeRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def record_ab_outcome(
    ab_test_id: str,
    data: ABOutcomeWrite,
    session: DbSession,
    actor: Principal = Depends(needs(REPLY)),
) -> ABOutcomeRead:
    outcome, result = ab_service.record_outcome(
        session,
        actor,
        ab_test_id,
        data.subject_id,
        assigned_at=data.assigned_at,
        buyer_replied=data.buyer_replied,
        resolved_at=data.resolved_at,
        order_placed_at=data.order_placed_at,
    )
    return ABOutcomeRead(
        subject_id=outcome.subject_id,
        variant_key=outcome.variant_key,
        result=ABResultRead.model_validate(result),
    )


@router.delete(
    "/inbox/ab-tests/{ab_test_id}",
    summary="Delete an A/B test",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def delete_ab_test(
    ab_test_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> Response:
    ab_service.delete_test(session, actor, ab_test_id)
    return Response(status_code=204)
