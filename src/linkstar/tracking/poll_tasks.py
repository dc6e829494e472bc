"""Jobs of carrier polling (registered in linkstar.jobs.registry).

- `tracking.plan_carrier_polls` (scheduled every 15 minutes): enqueue `tracking.poll_carriers`
  for every organisation with an active carrier account, once per period.
- `tracking.poll_carriers` (per organisation; also "poll now"): poll its carriers once
  (`carrier_polling.poll_organisation`).

Both are idempotent: polls are keyed by organisation and period, a parcel polled is not due
again before its interval, and ingestion ignores events already stored.
"""

from __future__ import annotations

import logging
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.db.outbox import JobContext, enqueue_unique
from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox
from linkstar.tracking.carrier_accounts import POLL_JOB
from linkstar.tracking.carrier_polling import poll_organisation
from linkstar.tracking.poll_models import CarrierAccount

log = logging.getLogger(__name__)
PLAN_JOB = "tracking.plan_carrier_polls"


def plan_carrier_polls(session: Session, job: JobContext) -> None:
    """Enqueue one poll per organisation with an active carrier account (or the job's)."""
    now = utcnow().astimezone(UTC)
    period = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    stmt = select(CarrierAccount.organisation_id).distinct().where(CarrierAccount.active)
    if job.organisation_id:
        stmt = stmt.where(CarrierAccount.organisation_id == job.organisation_id)
    for org_id in session.scalars(stmt.order_by(CarrierAccount.organisation_id)):
        enqueue_unique(
            session,
            POLL_JOB,
            {},
            organisation_id=org_id,
            idempotency_key=f"{POLL_JOB}:{org_id}@{period.isoformat()}",
        )


def poll_carriers(session: Session, job: JobContext) -> None:
    """Poll the job's organisation's carriers once."""
    if not job.organisation_id:
        log.warning("tracking.poll_carriers without an organisation: %s", job.payload)
        return
    box = SecretBox(get_settings().encryption_keys())
    run = poll_organisation(session, job.organisation_id, box)
    log.info("tracking.poll_carriers %s: %s", job.organisation_id, run.as_dict())
