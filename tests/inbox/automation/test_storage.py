"""Stored rules end to end: load and compile, evaluate, execute, audit the runs, fire once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from linkstar.db.uow import unit_of_work
from linkstar.inbox.automation import rules_service
from linkstar.inbox.automation.models import InboxRuleRunRow
from linkstar.inbox.core.automation.actions import PlannedAction, execute
from linkstar.inbox.core.automation.rules import Event, evaluate
from linkstar.workspace.core import system_principal

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
RULE = {
    "name": "Refunds",
    "trigger": {"event": "message_received"},
    "when": {"field": "message.intent", "op": "eq", "value": "refund_request"},
    "actions": [
        {"type": "call_webhook", "url": "https://hooks.example.com/refund"},
        {"type": "tag", "tags": ["refund"]},
    ],
}
SNAPSHOT = {"message": {"intent": "refund_request"}}


def test_runs_are_audited_per_action_and_a_rule_fires_once_per_event(sessions, tenant):
    actor = system_principal(tenant.org.id)
    with unit_of_work(sessions) as s:
        rule = rules_service.create_rule(s, actor, RULE)
        rules_service.create_rule(s, actor, {**RULE, "name": "Off"}, active=False)
    event = Event("message_received", "msg-1", "thread-1", NOW)

    def webhook(planned: PlannedAction) -> None:
        raise ConnectionError("hooks.example.com refused")

    with unit_of_work(sessions) as s:
        compiled = rules_service.load_compiled(s, tenant.org.id)
        assert len(compiled) == 1
        fired = rules_service.fired_keys(s, tenant.org.id, event)
        plan = evaluate(compiled, event, SNAPSHOT, fired=fired)
        outcomes = execute(plan.actions, {"call_webhook": webhook, "tag": lambda p: None})
        rules_service.record_runs(s, tenant.org.id, event, plan, outcomes)
    with unit_of_work(sessions) as s:
        (run,) = s.scalars(select(InboxRuleRunRow)).all()
        assert (run.rule_id, run.rule_version, run.subject_id, run.event_id) == (
            rule.id,
            1,
            "thread-1",
            "msg-1",
        )
        assert [(a["action"]["type"], a["ok"], a.get("error")) for a in run.actions] == [
            ("call_webhook", False, "ConnectionError: hooks.example.com refused"),
            ("tag", True, None),
        ]
        # The same event again: the audit says the rule already fired.
        again = evaluate(
            rules_service.load_compiled(s, tenant.org.id),
            event,
            SNAPSHOT,
            fired=rules_service.fired_keys(s, tenant.org.id, event),
        )
        assert again.actions == () and [k.reason for k in again.skipped] == ["already_fired"]


def test_the_database_refuses_a_second_run_for_the_same_event(sessions, tenant):
    actor = system_principal(tenant.org.id)
    event = Event("message_received", "msg-2", "thread-2", NOW)
    with unit_of_work(sessions) as s:
        rules_service.create_rule(s, actor, RULE)
    with unit_of_work(sessions) as s:
        plan = evaluate(rules_service.load_compiled(s, tenant.org.id), event, SNAPSHOT)
        rules_service.record_runs(s, tenant.org.id, event, plan, [])
    with pytest.raises(IntegrityError), unit_of_work(sessions) as s:
        rules_service.record_runs(s, tenant.org.id, event, plan, [])
        s.flush()
