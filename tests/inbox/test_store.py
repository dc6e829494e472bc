"""Storing inbound messages: idempotency, threading, classification, linking, SLA, safety."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.inbox.core.classify import Classifier
from linkstar.inbox.core.inbound import Channel
from linkstar.inbox.models import InboxLink, InboxMessage, InboxThread
from linkstar.inbox.store import ingest_messages
from linkstar.orders import service as orders
from linkstar.orders.core.canonical import Buyer
from linkstar.orders.core.codec import order_to_json
from linkstar.tracking.ingest import ingest as ingest_tracking
from linkstar.workspace.core import system_principal
from tests.inbox.seed import T0, inbound, seed_only_classifier
from tests.orders.conftest import make_order
from tests.tracking.store import PICKED_UP, update, usps

HOUR = timedelta(hours=1)


@pytest.fixture
def clf() -> Classifier:
    return seed_only_classifier()


def _ingest(sessions, org_id, messages, clf):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return ingest_messages(s, org_id, messages, classifier=clf)


def _count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_reingest_adds_nothing(sessions, tenant, clf):
    messages = [inbound("<m1@x>", "Where is my parcel?"), inbound("<m2@x>", "Any news?")]
    first = _ingest(sessions, tenant.org.id, messages, clf)
    assert (first.created, first.duplicates, first.threads_created) == (2, 0, 1)
    again = _ingest(sessions, tenant.org.id, [*messages, messages[0]], clf)
    assert (again.created, again.duplicates, again.threads_created) == (0, 3, 0)
    assert _count(sessions, InboxMessage) == 2
    assert _count(sessions, InboxThread) == 1


def test_threading_rules(sessions, tenant, clf):
    org = tenant.org.id
    base = [
        inbound("<a1@x>", "Where is order 111-1111111-1111111?", order_refs=()),
        # Reply headers put it in the first thread even though another buyer address sent it.
        inbound("<a2@x>", "Me again", sender_address="other@x.example", in_reply_to=("<a1@x>",)),
        # Same buyer, another order: a new topic.
        inbound("<a3@x>", "And order 222-2222222-2222222 is broken", received_at=T0 + HOUR),
        # Same buyer, first order again: back to the first thread.
        inbound("<a4@x>", "About 111-1111111-1111111 still", received_at=T0 + 2 * HOUR),
        # Channel thread id wins.
        inbound("<a5@x>", "hi", channel=Channel.AMAZON, external_thread_id="amz-t-1"),
        inbound("<a6@x>", "hello", channel=Channel.AMAZON, external_thread_id="amz-t-1",
                sender_address="someone@x"),
        # Same buyer and order after 14 days: a new thread.
        inbound("<a7@x>", "Order 111-1111111-1111111 again", received_at=T0 + 480 * HOUR),
    ]  # fmt: skip
    result = _ingest(sessions, org, base, clf)
    assert result.created == 7
    with unit_of_work(sessions) as s:
        by_ext = {m.external_id: m.thread_id for m in s.scalars(select(InboxMessage))}
    assert by_ext["<a2@x>"] == by_ext["<a1@x>"]
    assert by_ext["<a3@x>"] != by_ext["<a1@x>"]
    assert by_ext["<a4@x>"] == by_ext["<a1@x>"]
    assert by_ext["<a6@x>"] == by_ext["<a5@x>"]
    assert by_ext["<a7@x>"] not in {by_ext["<a1@x>"], by_ext["<a3@x>"]}
    assert result.threads_created == 4


def test_understanding_summary_sla_and_raw(sessions, tenant, clf):
    raw = b"From: buyer\r\n\r\nWe need 5,000 pcs with custom logo, what is your MOQ and price?"
    message = inbound(
        "<lead@x>",
        "We need 5,000 pcs with custom logo, what is your MOQ and price?",
        raw=raw,
        raw_content_type="message/rfc822",
    )
    result = _ingest(sessions, tenant.org.id, [message], clf)
    with unit_of_work(sessions) as s:
        thread = s.get(InboxThread, result.thread_ids[0])
        row = s.get(InboxMessage, result.message_ids[0])
        assert thread is not None and row is not None
        assert thread.intent == "bulk_or_oem_inquiry"
        assert thread.priority == "high"
        assert thread.language == "en"
        assert row.raw == raw and row.raw_content_type == "message/rfc822"
        assert row.understanding is not None
        assert {e["type"] for e in row.understanding["entities"]} >= {"quantity"}
        # E-mail: one business day; T0 is a Monday 10:00 UTC.
        assert thread.sla_due_at == T0 + timedelta(hours=24)
        assert thread.status == "open" and thread.message_count == 1


def test_amazon_sla_counts_weekends_email_does_not(sessions, tenant, clf):
    saturday = T0 - timedelta(days=2)
    amazon = inbound(
        "<z1@x>",
        "where is it",
        channel=Channel.AMAZON,
        received_at=saturday,
        sender_address="a@marketplace.amazon.com",
    )
    email = inbound("<z2@x>", "where is it", received_at=saturday, sender_address="e@x.example")
    result = _ingest(sessions, tenant.org.id, [amazon, email], clf)  # fmt: skip
    with unit_of_work(sessions) as s:
        due = {t.channel: t.sla_due_at for t in s.scalars(select(InboxThread))}
    assert result.threads_created == 2
    assert due["amazon"] == saturday + timedelta(hours=24)
    # One business day of the default calendar (Mon-Fri 09:00-17:00 UTC): Monday 17:00.
    assert due["email"] == T0.replace(hour=17)


def test_classification_failure_keeps_the_message(sessions, tenant):
    class Broken:
        def classify_batch(self, batch):  # type: ignore[no-untyped-def]
            raise RuntimeError("model file corrupt")

    result = _ingest(sessions, tenant.org.id, [inbound("<b@x>", "hello")], Broken())
    assert result.created == 1
    assert result.warnings == [
        {"external_id": "<b@x>", "warning": "classification_failed: RuntimeError"}
    ]
    with unit_of_work(sessions) as s:
        row = s.scalars(select(InboxMessage)).one()
        assert row.understanding is None and row.warnings == ["classification_failed"]
        assert row.raw == b"hello"


def test_html_is_sanitised_raw_kept(sessions, tenant, clf):
    html = (
        '<p onclick="steal()">Hi <b>there</b></p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">x</a><a href="https://ok.example/">ok</a>'
        "<style>p{}</style><img src=https://pixel.example/t.gif>"
    )
    message = inbound("<h@x>", "Hi there", display_body=html, html=True, raw=html.encode())
    result = _ingest(sessions, tenant.org.id, [message], clf)
    with unit_of_work(sessions) as s:
        row = s.get(InboxMessage, result.message_ids[0])
        assert row is not None
        shown = row.display_body
        assert row.raw == html.encode()
    assert "script" not in shown and "onclick" not in shown and "javascript:" not in shown
    assert "<style" not in shown and "<img" not in shown and "alert(1)" not in shown
    assert "<b>there</b>" in shown
    assert 'href="https://ok.example/"' in shown


def test_links_orders_and_shipments_with_evidence(sessions, tenant, clf):
    org = tenant.org.id
    actor = system_principal(org)
    from cryptography.fernet import Fernet

    from linkstar.kit.crypto import SecretBox
    from linkstar.tracking import shipments as tracking
    from linkstar.tracking.schemas import ShipmentCreate
    from linkstar.workspace import service as workspace
    from linkstar.workspace.core import Channel as StoreChannel
    from linkstar.workspace.schemas import StoreCreate

    with unit_of_work(sessions) as s:
        store = workspace.create_store(
            s, actor, StoreCreate(name="Amazon US", channel=StoreChannel.amazon, region="US",
                                  currency="USD"), SecretBox([Fernet.generate_key()]),
        )  # fmt: skip
        order = make_order("113-5555555-5555555", buyer=Buyer("Kim Lee", "kim@example.com"))
        orders.import_items(s, actor, store.id, [order_to_json(order)], "api")
        by_mail = make_order("113-6666666-6666666")  # buyer maria@example.com
        orders.import_items(s, actor, store.id, [order_to_json(by_mail)], "api")
        number = "9400111201080805483016"
        ingest_tracking(s, org, [update(number, usps(PICKED_UP, 0))])
        tracking.register_shipments(
            s, actor, [ShipmentCreate(tracking_number=number, carrier="usps",
                                      order_ref="113-5555555-5555555")],
        )  # fmt: skip
    message = inbound(
        "<l@x>",
        "Where is my order 113-5555555-5555555? Tracking 9400111201080805483016",
    )
    result = _ingest(sessions, org, [message], clf)
    with unit_of_work(sessions) as s:
        links = {(x.kind, x.evidence, x.matched_value) for x in s.scalars(select(InboxLink))}
    assert ("order", "order_id in text", "113-5555555-5555555") in links
    assert ("order", "buyer e-mail", "maria@example.com") in links
    assert ("shipment", "tracking number", "9400111201080805483016") in links
    assert result.links_created == 3
    again = _ingest(sessions, org, [inbound("<l2@x>", "order 113-5555555-5555555?")], clf)
    assert again.links_created == 0


def test_any_stored_tracking_number_links_but_only_within_the_organisation(
    sessions, tenant, make_tenant, clf
):
    from linkstar.tracking import shipments as tracking
    from linkstar.tracking.schemas import ShipmentCreate

    other = make_tenant("other")
    with unit_of_work(sessions) as s:
        tracking.register_shipments(
            s, system_principal(tenant.org.id),
            [ShipmentCreate(tracking_number="LSUPS00001234", carrier="ups"),
             ShipmentCreate(tracking_number="LSDHL00000077", carrier="dhl")],
        )  # fmt: skip
        tracking.register_shipments(
            s, system_principal(other.org.id),
            [ShipmentCreate(tracking_number="LSFED00000042", carrier="fedex")],
        )  # fmt: skip
    messages = [
        inbound("<d1@x>", "Where is LSUPS00001234? And LSFED00000042?", subject="Parcel"),
        inbound("<d2@x>", "Still waiting", subject="Re: ls-dhl-0000-0077",
                sender_address="kim@example.com"),
    ]  # fmt: skip
    result = _ingest(sessions, tenant.org.id, messages, clf)
    with unit_of_work(sessions) as s:
        links = {
            (x.kind, x.evidence, x.matched_value, x.organisation_id)
            for x in s.scalars(select(InboxLink))
        }
    assert links == {
        ("shipment", "tracking number", "LSUPS00001234", tenant.org.id),
        ("shipment", "tracking number", "LSDHL00000077", tenant.org.id),
    }
    assert result.links_created == 2
    # The other organisation's own number links there, and only there.
    theirs = _ingest(sessions, other.org.id, [inbound("<d3@x>", "LSFED00000042 ?")], clf)
    assert theirs.links_created == 1
    assert _count(sessions, InboxLink) == 3
