"""A/B tests in real replies: the split chooses the template a reply uses (manual and rule
replies), the choice is stored on the reply, and outcomes are recorded as they happen (buyer
wrote again, thread closed, order placed) until a significant winner is promoted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.inbox import replies, service
from linkstar.inbox.automation import ab_outcomes, ab_service, rules_service
from linkstar.inbox.automation.executor import automate_message
from linkstar.inbox.automation.models import ABOutcomeRow, ABTestRow
from linkstar.inbox.core.automation.ab import ABTestSpec, assign_variant
from linkstar.inbox.models import InboxMessage, InboxTemplate
from linkstar.inbox.schemas import ReplyCreate, ThreadUpdate
from linkstar.inbox.store import ingest_messages
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.workspace.core import system_principal
from linkstar.workspace.models import AuditEntry, Store
from tests.inbox.report_seed import order_row
from tests.inbox.seed import inbound, seed_only_classifier

TEST = {
    "name": "WISMO: short or long",
    "metric": "buyer_replied",
    "variants": [
        {"key": "short", "template": "wismo-short", "percent": 50},
        {"key": "long", "template": "wismo-long", "percent": 50},
    ],
    "min_samples": 5,
}
BODIES = {
    "wismo-short": "Hello {{ buyer.first_name }}, it is on its way.",
    "wismo-long": "Hello {{ buyer.first_name }}, your parcel left our warehouse and is on its "
    "way; we will write again when it is out for delivery.",
}


def _setup(sessions, org_id):  # type: ignore[no-untyped-def]
    """The two templates and the running test; (template ids by name, test id)."""
    with unit_of_work(sessions) as s:
        ids = {}
        for name, body in BODIES.items():
            row = InboxTemplate(
                organisation_id=org_id,
                name=name,
                mode="text",
                variants={"en": {"subject": "Your order", "body": body}},
            )
            s.add(row)
            s.flush()
            ids[name] = row.id
        test = ab_service.create_test(s, system_principal(org_id), TEST)
        return ids, test.id


def _threads(sessions, org_id, n, start=0):  # type: ignore[no-untyped-def]
    at = utcnow() - timedelta(hours=2)
    messages = [
        inbound(
            f"<ab-{i}@buyer.example>",
            "Where is my order? It has not arrived.",
            received_at=at,
            sender_address=f"b{i}@buyers.example",
            sender_name=f"Buyer {i}",
        )
        for i in range(start, start + n)
    ]
    with unit_of_work(sessions) as s:
        result = ingest_messages(s, org_id, messages, classifier=seed_only_classifier())
        return result.thread_ids


def _reply(sessions, org_id, thread_id, template_id):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        data = ReplyCreate(template_id=template_id)
        message, _f, _j = replies.reply(s, system_principal(org_id), thread_id, data)
        return message.id


def test_the_split_chooses_the_template_and_outcomes_promote_the_winner(sessions, tenant):
    org = tenant.org.id
    templates, test_id = _setup(sessions, org)
    threads = _threads(sessions, org, 40)
    spec = ABTestSpec.model_validate(TEST)
    for thread_id in threads:  # every reply asks for the short template
        _reply(sessions, org, thread_id, templates["wismo-short"])
    expected = {t: assign_variant(spec, test_id, t) for t in threads}
    with sessions() as s:
        sent = s.scalars(select(InboxMessage).where(InboxMessage.direction == "out")).all()
        assert {m.thread_id: m.ab_variant for m in sent} == expected
        assert all(m.ab_test_id == test_id for m in sent)
        for m in sent:
            name = f"wismo-{m.ab_variant}"
            assert m.template_id == templates[name], m.ab_variant
            assert m.text == BODIES[name].replace("{{ buyer.first_name }}", "Buyer")
        outcomes = s.scalars(select(ABOutcomeRow)).all()
        assert {o.subject_id: o.variant_key for o in outcomes} == expected
        assert not any(o.buyer_replied or o.resolved_at or o.order_placed_at for o in outcomes)
    longs = [t for t in threads if expected[t] == "long"]
    shorts = [t for t in threads if expected[t] == "short"]
    assert len(longs) >= 5 and len(shorts) >= 5
    # A close resolves; an order by the same buyer after the reply counts as placed.
    with unit_of_work(sessions) as s:
        service.update_thread(s, system_principal(org), shorts[0], ThreadUpdate(status="closed"))
        store = Store(organisation_id=org, name="US", channel="amazon", region="US", currency="USD")
        s.add(store)
        s.flush()
        buyer = service.get_thread(s, system_principal(org), shorts[1]).buyer_address
        s.add(order_row(org, store.id, "AB-1", buyer, utcnow()))
        s.flush()
        assert ab_outcomes.record_orders(s, org) == 1
        assert ab_outcomes.record_orders(s, org) == 0  # recorded once
    # The buyers who got the long answer write back; the short ones never do.
    later = [
        inbound(
            f"<ab-again-{i}@buyer.example>",
            "Thanks, that helps!",
            received_at=utcnow(),
            sender_address=f"b{threads.index(t)}@buyers.example",
            sender_name="Buyer",
        )
        for i, t in enumerate(longs)
    ]
    with unit_of_work(sessions) as s:
        ingest_messages(s, org, later, classifier=seed_only_classifier())
    with sessions() as s:
        rows = {o.subject_id: o for o in s.scalars(select(ABOutcomeRow))}
        assert {t for t, o in rows.items() if o.buyer_replied} == set(longs)
        assert [t for t, o in rows.items() if o.resolved_at] == [shorts[0]]
        assert [t for t, o in rows.items() if o.order_placed_at] == [shorts[1]]
        closed = service.get_thread(s, system_principal(org), shorts[0])
        assert closed.closed_at is not None and closed.status == "closed"
        test = s.get(ABTestRow, test_id)
        assert test is not None
        assert (test.status, test.winner) == ("promoted", "long")
        promote = AuditEntry.action == "ab_test.promote"
        promotions = s.scalar(select(func.count()).select_from(AuditEntry).where(promote))
        assert promotions == 1
    # Once promoted, the winner answers every thread and no more threads are assigned.
    (fresh,) = _threads(sessions, org, 1, start=100)
    message_id = _reply(sessions, org, fresh, templates["wismo-short"])
    with sessions() as s:
        message = s.get(InboxMessage, message_id)
        assert message is not None
        assert (message.ab_variant, message.template_id) == ("long", templates["wismo-long"])
        assert s.scalar(select(func.count()).select_from(ABOutcomeRow)) == len(threads)


def test_a_rule_reply_uses_the_split_too(sessions, tenant):
    org = tenant.org.id
    templates, test_id = _setup(sessions, org)
    with unit_of_work(sessions) as s:
        rules_service.create_rule(
            s,
            system_principal(org),
            {
                "name": "Answer WISMO",
                "trigger": {"event": "message_received"},
                "when": {"field": "message.channel", "op": "eq", "value": "email"},
                "actions": [{"type": "reply_with_template", "template": "wismo-short"}],
            },
        )
    (thread_id,) = _threads(sessions, org, 1)
    with unit_of_work(sessions) as s:
        message_id = s.scalars(
            select(InboxMessage.id).where(InboxMessage.thread_id == thread_id)
        ).one()
        assert automate_message(s, org, message_id)
    variant = assign_variant(ABTestSpec.model_validate(TEST), test_id, thread_id)
    with sessions() as s:
        reply = s.scalars(select(InboxMessage).where(InboxMessage.direction == "out")).one()
        assert (reply.ab_test_id, reply.ab_variant) == (test_id, variant)
        assert reply.template_id == templates[f"wismo-{variant}"]
        outcome = s.scalars(select(ABOutcomeRow)).one()
        assert (outcome.subject_id, outcome.variant_key) == (thread_id, variant)


def test_stopped_tests_leave_the_template_alone(sessions, tenant):
    org = tenant.org.id
    templates, test_id = _setup(sessions, org)
    with unit_of_work(sessions) as s:
        ab_service.stop_test(s, system_principal(org), test_id)
    (thread_id,) = _threads(sessions, org, 1)
    message_id = _reply(sessions, org, thread_id, templates["wismo-short"])
    with sessions() as s:
        message = s.get(InboxMessage, message_id)
        assert message is not None
        assert (message.ab_test_id, message.ab_variant) == (None, None)
        assert message.template_id == templates["wismo-short"]
        assert s.scalar(select(func.count()).select_from(ABOutcomeRow)) == 0


def test_a_variant_whose_template_is_gone_refuses_the_reply_and_writes_nothing(sessions, tenant):
    org = tenant.org.id
    templates, test_id = _setup(sessions, org)
    threads = _threads(sessions, org, 12)
    spec = ABTestSpec.model_validate(TEST)
    with unit_of_work(sessions) as s:
        s.get(InboxTemplate, templates["wismo-long"]).active = False  # type: ignore[union-attr]
    thread_id = next(t for t in threads if assign_variant(spec, test_id, t) == "long")
    with pytest.raises(InvalidInput, match="wismo-long"), unit_of_work(sessions) as s:
        replies.reply(
            s, system_principal(org), thread_id, ReplyCreate(template_id=templates["wismo-short"])
        )
    with sessions() as s:
        outs = s.scalar(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.direction == "out")
        )
        assert outs == 0
        assert s.scalar(select(func.count()).select_from(ABOutcomeRow)) == 0
