"""The job `addresses.review_decided` runs to `done` (never `dead`), even for an order that is gone
(the order hub's handler is tested in tests/orders/test_reviews.py)."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.addresses import reviews
from linkstar.addresses.core import AddressInput, check
from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.jobs.runner import Outcome, execute
from tests.addresses.helpers import DALLAS_78701


def test_a_decision_job_runs_to_done(sessions, tenant, caplog):
    address = AddressInput(**DALLAS_78701)
    with unit_of_work(sessions) as s:
        review = reviews.open_review(s, tenant.org.id, "order", address.id, check(address), address)
        reviews.decide(s, tenant.principal, review.id, "reject", comment="fraud")
    with sessions() as s:
        job = s.scalars(select(OutboxJob).where(OutboxJob.name == "addresses.review_decided")).one()
        assert job.organisation_id == tenant.org.id
    caplog.set_level("INFO", logger="linkstar.orders")
    assert execute(sessions, job.id, "w1", 60) is Outcome.done
    with sessions() as s:
        assert s.get(OutboxJob, job.id).status == "done"  # type: ignore[union-attr]
    assert f"address review {review.id}: order order-1001 is gone" in caplog.text
