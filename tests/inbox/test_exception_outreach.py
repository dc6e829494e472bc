"""Messaging the buyers of tracking exceptions from a template, in inbox threads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inbox.exception_outreach import message_buyers
from linkstar.inbox.models import InboxLink, InboxMessage, InboxThread
from linkstar.kit.errors import NotFound, PermissionDenied
from linkstar.tracking.models import Shipment, TrackingException
from linkstar.workspace.core import Role, user_principal
from tests.inbox.outreach_seed import seed_outreach

BASE = "https://track.example"


def _count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_buyers_are_messaged_once_per_parcel_and_the_rest_skipped_with_reasons(sessions, tenant):
    seeded = seed_outreach(sessions, tenant.org.id)
    ids = [seeded.shopify, seeded.shopify_again, seeded.amazon, seeded.no_order,
           seeded.no_email, seeded.resolved, "0" * 32]  # fmt: skip
    with unit_of_work(sessions) as s:
        got = message_buyers(s, tenant.principal, ids, seeded.template_id, public_base=BASE)
    assert [m["exception_id"] for m in got.messaged] == [seeded.shopify, seeded.shopify_again]
    first, again = got.messaged
    assert first["message_id"] == again["message_id"] and first["status"] == "queued"
    reasons = {x["exception_id"]: x["reason"] for x in got.skipped}
    assert reasons[seeded.no_order] == "the shipment has no order reference"
    assert reasons[seeded.no_email] == "order S-1002 has no buyer e-mail"
    assert reasons[seeded.resolved] == "the exception is resolved"
    assert reasons["0" * 32] == "no such exception"
    # The Amazon buyer is reached through Amazon's relay: a link to our page breaks its rules.
    assert reasons[seeded.amazon].startswith("the message breaks amazon's rules: ")
    assert "link" in reasons[seeded.amazon].lower()

    with sessions() as s:
        thread = s.scalars(select(InboxThread)).one()  # the Amazon thread was rolled back
        assert (thread.channel, thread.buyer_address, thread.buyer_name) == (
            "email", "maria@example.com", "Maria Lopez",
        )  # fmt: skip
        assert thread.subject == "Your order S-1001: delivery update"
        assert thread.status == "pending"  # answered: waiting for the buyer
        links = {(x.kind, x.evidence) for x in s.scalars(select(InboxLink))}
        assert links == {("order", "tracking_exception"), ("shipment", "tracking_exception")}
        message = s.scalars(select(InboxMessage)).one()
        assert message.direction == "out" and message.outbound_status == "queued"
        assert message.subject == "Your order S-1001"
        token = s.get(Shipment, seeded.shopify_shipment).public_token
        track = f"Track it here: {BASE}/t/{token}"
        assert message.text == f"Hello Maria,\nyour parcel with usps is failed attempt. {track}"
        jobs = list(s.scalars(select(OutboxJob).where(OutboxJob.name == "inbox.send")))
        assert [j.payload for j in jobs] == [{"message_id": message.id}]
        for exception_id in (seeded.shopify, seeded.shopify_again):
            detail = s.get(TrackingException, exception_id).detail
            assert detail["attempts"] == 1  # what the sweep wrote is kept
            assert (detail["buyer_thread_id"], detail["buyer_message_id"]) == (
                thread.id, message.id,
            )  # fmt: skip
        assert "buyer_thread_id" not in s.get(TrackingException, seeded.amazon).detail


def test_a_second_round_writes_in_the_same_thread(sessions, tenant):
    seeded = seed_outreach(sessions, tenant.org.id)
    for _ in range(2):
        with unit_of_work(sessions) as s:
            message_buyers(s, tenant.principal, [seeded.shopify], seeded.template_id)
    assert _count(sessions, InboxThread) == 1 and _count(sessions, InboxMessage) == 2


def test_refusals_write_nothing(sessions, tenant, make_tenant):
    seeded = seed_outreach(sessions, tenant.org.id)
    other = make_tenant("Other")
    before = (_count(sessions, InboxThread), _count(sessions, InboxMessage))
    with unit_of_work(sessions) as s, pytest.raises(NotFound):
        message_buyers(s, tenant.principal, [seeded.shopify], "f" * 32)
    with unit_of_work(sessions) as s, pytest.raises(NotFound):  # the template is not theirs
        message_buyers(s, other.principal, [seeded.shopify], seeded.template_id)
    theirs = seed_outreach(sessions, other.org.id)
    with unit_of_work(sessions) as s:  # nor are the exceptions
        got = message_buyers(s, other.principal, [seeded.shopify], theirs.template_id)
    assert got.messaged == [] and got.skipped == [
        {"exception_id": seeded.shopify, "reason": "no such exception"}
    ]
    viewer = user_principal(tenant.org.id, tenant.owner.id, "v@x.example", Role.viewer)
    with unit_of_work(sessions) as s, pytest.raises(PermissionDenied):
        message_buyers(s, viewer, [seeded.shopify], seeded.template_id)
    assert (_count(sessions, InboxThread), _count(sessions, InboxMessage)) == before == (0, 0)
