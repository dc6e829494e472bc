"""Jobs of store polling (registered in linkstar.jobs.registry).

- `orders.plan_polls` (scheduled every minute): enqueue `orders.poll_store` for every active
  store with credentials whose next run is due (its interval, or the platform's Retry-After).
- `orders.poll_store` payload `{"store_id": ...}`: poll the store once (sync.service).

Both are idempotent: polls are keyed by store and due time, and ingestion by (store, order).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.db.outbox import JobContext
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import NotFound
from linkstar.orders.sync import service
from linkstar.orders.sync.connect import environment
from linkstar.workspace import repository as wrepo

log = logging.getLogger(__name__)


def plan_polls(session: Session, job: JobContext) -> None:
    """Enqueue the polls that are due, in every organisation (or the job's)."""
    now = environment().clock.utcnow()
    for org_id in wrepo.organisation_ids(session, job.organisation_id):
        due = service.plan_polls(session, org_id, now)
        if due:
            log.info("orders.plan_polls %s: %d store(s) due", org_id, len(due))


def poll_store(session: Session, job: JobContext) -> None:
    """Poll the payload's store once."""
    store_id = job.payload.get("store_id")
    if not job.organisation_id or not isinstance(store_id, str):
        log.warning("orders.poll_store without an organisation or store: %s", job.payload)
        return
    box = SecretBox(get_settings().encryption_keys())
    try:
        outcome = service.poll_store(session, job.organisation_id, store_id, box)
    except NotFound:
        log.info("orders.poll_store: store %s is gone", store_id)
        return
    log.info("orders.poll_store %s: %s", store_id, outcome.as_json())
