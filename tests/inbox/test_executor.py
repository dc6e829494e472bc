"""Inbox rules acting on stored threads: a new message runs the rules once, each action in its
own savepoint, every outcome recorded."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.db.outbox import JobContext, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inbox import template_store
from linkstar.inbox.automation import rules_service
from linkstar.inbox.automation.executor import automate
from linkstar.inbox.automation.models import InboxRuleRunRow
from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.inbox.schemas import TemplateCreate
from linkstar.inbox.store import ingest_messages
from tests.inbox.seed import inbound, seed_only_classifier

TEMPLATE = {
    "name": "Where is my order",
    "variants": {"en": {"subject": "About your parcel", "body": "Hello {{ buyer.first_name }}."}},
}
RULE = {
    "name": "WISMO: answer, tag and give to the owner",
    "trigger": {"event": "message_received"},
    "when": {"field": "message.intent", "op": "eq", "value": "where_is_my_order"},
    "actions": [
        {"type": "tag", "tags": ["wismo"]},
        {"type": "assign", "agent": "OWNER_EMAIL"},
        {"type": "reply_with_template", "template": "No such template"},  # fails alone
        {"type": "reply_with_template", "template": "Where is my order"},
        {"type": "set_priority", "priority": "high"},
        {"type": "call_webhook", "url": "https://hooks.example/inbox"},
    ],
}


def _setup(sessions, tenant):  # type: ignore[no-untyped-def]
    rule = {**RULE, "actions": [dict(a) for a in RULE["actions"]]}
    rule["actions"][1]["agent"] = tenant.owner.email.upper()  # e-mails match case-insensitively
    with unit_of_work(sessions) as s:
        rules_service.create_rule(s, tenant.principal, rule)
        template_store.create_template(s, tenant.principal, TemplateCreate.model_validate(TEMPLATE))


def _jobs(sessions, name):  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(OutboxJob).where(OutboxJob.name == name)))


def test_a_new_message_runs_the_rules_once_and_records_each_action(sessions, tenant):
    _setup(sessions, tenant)
    message = inbound("<w1@x>", "Where is my parcel? It has not arrived yet.")
    with unit_of_work(sessions) as s:
        stored = ingest_messages(s, tenant.org.id, [message], classifier=seed_only_classifier())
    [job] = _jobs(sessions, "inbox.automate")
    assert job.payload == {"message_id": stored.message_ids[0]}
    context = JobContext(job.id, job.name, tenant.org.id, dict(job.payload))

    for _ in range(2):  # the second run finds the rule already fired for this message
        with unit_of_work(sessions) as s:
            automate(s, context)

    with sessions() as s:
        thread = s.scalars(select(InboxThread)).one()
        assert thread.tags == ["wismo"]
        assert thread.priority == "high"
        assert thread.assignee_user_id == tenant.owner.id
        [run] = s.scalars(select(InboxRuleRunRow)).all()
        outcomes = [(a["action"]["type"], a["ok"]) for a in run.actions]
        assert outcomes == [
            ("tag", True),
            ("assign", True),
            ("reply_with_template", False),
            ("reply_with_template", True),
            ("set_priority", True),
            ("call_webhook", True),
        ]
        assert "no active template named 'No such template'" in run.actions[2]["error"]
        [reply] = s.scalars(select(InboxMessage).where(InboxMessage.direction == "out")).all()
        assert reply.outbound_status == "queued" and reply.text.startswith("Hello Maria")
    [hook] = _jobs(sessions, "inbox.call_webhook")
    assert hook.payload["url"] == "https://hooks.example/inbox"
    assert len(_jobs(sessions, "inbox.send")) == 1


def test_without_active_rules_nothing_is_enqueued(sessions, tenant):
    with unit_of_work(sessions) as s:
        ingest_messages(
            s, tenant.org.id, [inbound("<n1@x>", "Where is my parcel?")],
            classifier=seed_only_classifier(),
        )  # fmt: skip
    assert _jobs(sessions, "inbox.automate") == []
