"""Inbox automation console: rules editor (validation errors, dry run, save) and A/B tests."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.inbox.automation import ab_service
from linkstar.inbox.automation.models import ABOutcomeRow, ABTestRow, InboxRuleRow
from linkstar.inbox.core.automation.ab import ABTestSpec, assign_variant
from linkstar.workspace.core import system_principal

RULE = {
    "name": "Refunds",
    "trigger": {"event": "message_received"},
    "when": {"field": "message.intent", "op": "eq", "value": "refund_request"},
    "actions": [{"type": "tag", "tags": ["refund"]}],
}
SNAPSHOTS = [
    {"at": "2026-12-01T10:00:00+00:00", "snapshot": {"message": {"intent": "refund_request"}}},
    {"at": "2026-12-01T11:00:00+00:00", "snapshot": {"message": {"intent": "other"}}},
]


def count_rules(sessions) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return int(s.scalar(select(func.count()).select_from(InboxRuleRow)) or 0)


def test_rules_editor_dry_run_save_and_errors(tenant, owner, seeded, sessions):
    form = {"rule": json.dumps(RULE), "snapshots": json.dumps(SNAPSHOTS)}
    dry = owner.post("/inbox/rules/dry-run", form)
    assert dry.status_code == 200
    assert "matches 1 of 2 snapshots" in dry.text
    before = count_rules(sessions)
    bad = {**RULE, "when": {"field": "message.intent", "op": "like", "value": 1}}
    refused = owner.post("/inbox/rules", {"rule": json.dumps(bad), "snapshots": "[]"})
    assert refused.status_code == 422
    assert "$.when.op" in refused.text and "unknown operator" in refused.text
    assert owner.post("/inbox/rules", {"rule": "{not json"}).status_code == 422
    naive = owner.post("/inbox/rules/dry-run", {"rule": json.dumps(RULE), "snapshots": "[{}]"})
    assert naive.status_code == 422 and "snapshot 0" in naive.text
    assert count_rules(sessions) == before
    saved = owner.post("/inbox/rules", {"rule": json.dumps(RULE)})
    assert saved.status_code == 303
    assert count_rules(sessions) == before + 1
    assert "Refunds" in owner.get("/inbox/rules").text


def test_markup_in_rules_and_tests_is_escaped(tenant, owner, seeded, sessions):
    evil = {**RULE, "name": "<script>alert(1)</script>"}
    assert owner.post("/inbox/rules", {"rule": json.dumps(evil)}).status_code == 303
    html = owner.get("/inbox/rules").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    test = {
        "name": "<img src=x onerror=alert(1)>",
        "variants": [
            {"key": "a", "template": "<b>x</b>", "percent": 50},
            {"key": "b", "template": "y", "percent": 50},
        ],
    }
    created = owner.post("/inbox/ab-tests", {"test": json.dumps(test)})
    assert created.status_code == 303
    page = owner.get(created.headers["location"]).text
    assert "<img src=x" not in page and "&lt;img src=x" in page and "<b>x</b>" not in page


def test_ab_test_page_shows_p_value_winner_and_chart(tenant, owner, seeded, sessions):
    actor = system_principal(tenant.org.id)
    with unit_of_work(sessions) as s:
        row = ab_service.create_test(
            s,
            actor,
            {
                "name": "Short or long",
                "min_samples": 10,
                "variants": [
                    {"key": "short", "template": "t-short", "percent": 50},
                    {"key": "long", "template": "t-long", "percent": 50},
                ],
            },
        )
        test_id = row.id
    from datetime import UTC, datetime

    at = datetime(2026, 12, 1, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        spec = ABTestSpec.model_validate(s.get(ABTestRow, test_id).spec)
        for i in range(80):
            key = assign_variant(spec, test_id, f"t{i}")
            replied = key == "short" or i % 7 == 0
            s.add(
                ABOutcomeRow(
                    organisation_id=tenant.org.id,
                    test_id=test_id,
                    variant_key=key,
                    subject_id=f"t{i}",
                    assigned_at=at,
                    buyer_replied=replied,
                )
            )
        s.flush()
        # Recording the next outcome is what promotes the winner.
        ab_service.record_outcome(s, actor, test_id, "t0", assigned_at=at, buyer_replied=True)
    page = owner.get(f"/inbox/ab-tests/{test_id}").text
    assert "z_test: p = 0.0000" in page and "winner <strong>short</strong>" in page
    assert "<svg" in page and "Rate per variant" in page
    listing = owner.get("/inbox/ab-tests").text
    assert "Short or long" in listing and "promoted" in listing
    refused = owner.post("/inbox/ab-tests", {"test": json.dumps({"name": "x", "variants": []})})
    assert refused.status_code == 422 and "variants" in refused.text
