"""The demo workspace's inbox: threads on the demo's buyers, orders and shipments."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.inbox import service
from linkstar.inbox.automation import ab_service
from linkstar.inbox.models import InboxApproval, InboxLink, InboxMessage, InboxTemplate, InboxThread
from linkstar.inbox.reports import ReportRange, inbox_report
from linkstar.workspace.core import system_principal
from tests.demo.test_orders_demo import DATA_DIR, _load, needs_data


@needs_data
def test_demo_inbox_is_realistic(sessions, settings):
    org_id = _load(sessions, settings, DATA_DIR)
    with unit_of_work(sessions) as s:
        threads = list(s.scalars(select(InboxThread).where(InboxThread.organisation_id == org_id)))
        messages = list(s.scalars(select(InboxMessage)))
        assert all(m.raw for m in messages)
        links = Counter(x.evidence for x in s.scalars(select(InboxLink)))
        templates = list(s.scalars(select(InboxTemplate)))
    assert 100 <= len(threads) <= 150
    languages = Counter(t.language for t in threads)
    assert {"en", "es", "de", "fr", "pt", "zh"} <= set(languages)
    intents = Counter(t.intent for t in threads)
    assert intents["bulk_or_oem_inquiry"] >= 5 and intents["where_is_my_order"] >= 15
    sla = Counter(service.thread_sla(t).value for t in threads)
    assert sla["overdue"] >= 3 and sla["none"] >= 50
    assert sum(1 for m in messages if m.direction == "out" and m.outbound_status == "sent") >= 50
    assert links["order_id in text"] + links["channel order ref"] >= 20
    assert links["buyer e-mail"] >= 20 and links["shipment of order"] >= 10
    assert links["tracking number"] >= 10  # the demo's own LS… numbers, quoted by buyers
    assert len(templates) == 5
    with unit_of_work(sessions) as s:
        held = list(s.scalars(select(InboxApproval)))
    assert 1 <= len(held) <= 3 and {a.state for a in held} == {"pending"}
    assert {r["code"] for a in held for r in a.reasons} >= {"first_lead_reply"}


@needs_data
def test_demo_inbox_feeds_the_report_and_an_ab_test(sessions, settings):
    org_id = _load(sessions, settings, DATA_DIR)
    actor = system_principal(org_id)
    with unit_of_work(sessions) as s:
        report = inbox_report(s, actor, ReportRange.parse(None, None))
        (test,) = ab_service.list_tests(s, actor)
        result = ab_service.results(s, actor, test.id)
    assert report.threads >= 100 and report.first_response.count >= 50
    assert report.resolution.count >= 10 and report.sla_met >= 30 and report.sla_missed >= 3
    assert report.leads >= 5 and 1 <= report.leads_converted < report.leads
    assert len(report.by_channel) >= 3 and sum(p.total for p in report.periods) == report.threads
    assert [v.key for v in result.variants] == ["short", "detailed"]
    assert all(v.n >= 3 for v in result.variants)
    assert sum(v.successes for v in result.variants) >= 3
