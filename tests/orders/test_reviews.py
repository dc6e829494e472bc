"""The address step with the stored policy and the review queue, and the pipeline jobs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from linkstar.addresses import policy_store
from linkstar.addresses.core import AddressInput
from linkstar.addresses.models import AddressReview
from linkstar.addresses.reviews import decide
from linkstar.db.uow import unit_of_work
from linkstar.jobs.runner import Outcome, execute
from linkstar.orders import reviews
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import GOOD_US, make_order

NO_PHONE = replace(GOOD_US, phone=None)


@pytest.fixture
def ready(sessions, tenant, store):
    flow = seed.prepare(sessions, tenant.principal, store, stock=5)
    with unit_of_work(sessions) as s:  # this workspace wants a phone number for the US
        policy_store.set_policy(s, tenant.principal, {"require_phone_countries": ["US"]})
    return flow


def _review(sessions, order_id: str) -> AddressReview:
    with sessions() as s:
        row = s.scalars(select(AddressReview).where(AddressReview.subject_ref == order_id)).one()
        s.expunge(row)
        return row


def _run_all(sessions, name: str) -> None:
    for job in seed.jobs(sessions, name):
        if job.status == "pending":
            assert execute(sessions, job.id, "w1", 60) is Outcome.done


def test_the_stored_policy_holds_the_order_and_opens_a_review(sessions, ready):
    (order_id,) = seed.import_orders(sessions, ready, make_order("P-1", ship_to=NO_PHONE))
    row = seed.order(sessions, order_id)
    assert (row.state, row.address_verdict) == ("new", "needs_review")
    assert [h["reason"] for h in row.holds] == ["address"]
    review = _review(sessions, order_id)
    assert (review.subject_type, review.state, review.verdict) == (
        "order",
        "pending",
        "needs_review",
    )
    assert review.original["line1"] == "1600 Amphitheatre Pkwy"
    assert ("address_review_opened", {"review_id": review.id}) in seed.events(sessions, order_id)


def test_the_default_policy_lets_the_same_order_through(sessions, tenant, store):
    flow = seed.prepare(sessions, tenant.principal, store, stock=5)
    (order_id,) = seed.import_orders(sessions, flow, make_order("P-2", ship_to=NO_PHONE))
    assert seed.order(sessions, order_id).state == "checked"
    with sessions() as s:
        assert s.scalars(select(AddressReview)).all() == []


def test_an_edit_updates_the_ship_to_releases_the_hold_and_the_jobs_route_it(sessions, ready):
    (order_id,) = seed.import_orders(sessions, ready, make_order("E-1", ship_to=NO_PHONE))
    review = _review(sessions, order_id)
    edited = AddressInput(
        name="Maria Lopez", line1="1600 Amphitheatre Pkwy", city="Mountain View", state="CA",
        postcode="94043", country="US", phone="+1 650 253 0000",
    )  # fmt: skip
    with unit_of_work(sessions) as s:
        decide(s, ready.actor, review.id, "edit", edited, comment="called the buyer")
    _run_all(sessions, "addresses.review_decided")
    row = seed.order(sessions, order_id)
    assert (row.state, row.holds, row.is_held) == ("checked", [], False)
    assert row.ship_phone is not None and row.ship_phone.replace(" ", "").endswith("6502530000")
    tail = seed.events(sessions, order_id)[-3:]
    assert tail[0][0] == "address_reviewed" and tail[0][1]["decision"] == "edit"
    assert "phone" in tail[0][1]["changed"]
    assert tail[1] == ("released", {"reason": "address", "note": f"review {review.id}"})
    assert tail[2][0] == "state_changed" and tail[2][1]["to"] == "checked"
    allocate = [j for j in seed.jobs(sessions, "orders.allocate") if j.payload.get("order_ids")]
    assert [j.payload for j in allocate] == [{"order_ids": [order_id]}]
    _run_all(sessions, "orders.allocate")
    assert seed.order(sessions, order_id).state == "allocated"
    (route,) = seed.jobs(sessions, "orders.route")
    assert route.payload == {"order_ids": [order_id]}
    _run_all(sessions, "orders.route")
    assert seed.order(sessions, order_id).state == "routed"
    assert seed.kinds(sessions, order_id)[-2:] == ["routed", "state_changed"]


def test_a_rejection_keeps_the_order_held_with_the_reason(sessions, ready):
    (order_id,) = seed.import_orders(sessions, ready, make_order("J-1", ship_to=NO_PHONE))
    review = _review(sessions, order_id)
    with unit_of_work(sessions) as s:
        decide(s, ready.actor, review.id, "reject", comment="buyer unreachable")
    _run_all(sessions, "addresses.review_decided")
    row = seed.order(sessions, order_id)
    assert (row.state, row.is_held) == ("new", True)
    assert [h["detail"] for h in row.holds] == [
        f"address rejected in review {review.id}: buyer unreachable"
    ]
    assert seed.events(sessions, order_id)[-1] == (
        "address_rejected",
        {"review_id": review.id, "comment": "buyer unreachable"},
    )
    payload = {"subject_type": "order", "subject_ref": order_id, "review_id": review.id,
               "decision": "reject", "final_address": None}  # fmt: skip
    before = seed.events(sessions, order_id)
    with unit_of_work(sessions) as s:  # a replayed job changes nothing
        assert reviews.apply_decision(s, ready.actor.organisation_id, payload).outcome == "skipped"
    assert seed.events(sessions, order_id) == before


def test_an_approval_of_another_subject_type_is_ignored(sessions, ready):
    payload = {"subject_type": "api", "subject_ref": "x", "decision": "approve"}
    with unit_of_work(sessions) as s:
        assert reviews.apply_decision(s, ready.actor.organisation_id, payload).outcome == "ignored"
