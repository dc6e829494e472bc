"""Jobs of the order hub (registered in linkstar.jobs.registry).

- `orders.allocate` (enqueued by every import that created or updated orders, and after an
  address review released an order): allocate checked, unheld orders; enqueues `orders.route`
  when any became allocated. Payload `{"order_ids": [...]}` limits it to those orders.
- `orders.route`: route allocated, unheld orders.
- `addresses.review_decided`: apply an address reviewer's decision (orders.reviews).

Every handler is idempotent (an order already moved is not in the step's input state any more)
and leaves the commit to the job runner.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext, enqueue
from linkstar.orders import flow, reviews
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import system_principal

log = logging.getLogger(__name__)

ROUTE_JOB = "orders.route"


def _organisations(session: Session, job: JobContext) -> list[str]:
    return wrepo.organisation_ids(session, job.organisation_id)


def _ids(payload: dict[str, Any]) -> list[str] | None:
    ids = payload.get("order_ids")
    return [str(i) for i in ids] if isinstance(ids, list) else None


def allocate(session: Session, job: JobContext) -> None:
    """Allocate checked orders, then hand the allocated ones to routing."""
    for org_id in _organisations(session, job):
        report = flow.allocate_orders(
            session, system_principal(org_id, "pipeline"), _ids(job.payload)
        )
        log.info("orders.allocate %s: %s", org_id, report.as_dict())
        if report.advanced:
            enqueue(session, ROUTE_JOB, {"order_ids": report.advanced}, organisation_id=org_id)


def route(session: Session, job: JobContext) -> None:
    """Route allocated orders."""
    for org_id in _organisations(session, job):
        report = flow.route_orders(session, system_principal(org_id, "pipeline"), _ids(job.payload))
        log.info("orders.route %s: %s", org_id, report.as_dict())


def review_decided(session: Session, job: JobContext) -> None:
    """Release, correct or keep holding the order an address review was about."""
    if not job.organisation_id:
        log.warning("address review decision without an organisation: %s", job.payload)
        return
    applied = reviews.apply_decision(session, job.organisation_id, job.payload)
    log.info("address review %s → order %s: %s", job.payload.get("review_id"),
             applied.order_id, applied.outcome)  # fmt: skip
