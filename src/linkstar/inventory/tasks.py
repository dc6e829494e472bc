"""Background jobs of inventory: reconciliation of counters against the ledger.

Registered in `linkstar.jobs.registry`; idempotent (they read, log, and repair only on request).
Publishing the stock each store lists is orders.stock.tasks (it needs the channel connectors).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext
from linkstar.inventory.reconcile import reconcile
from linkstar.workspace import repository as wrepo

log = logging.getLogger(__name__)


def reconcile_stock(session: Session, job: JobContext) -> None:
    """Recompute every organisation's counters from its ledger and log each drift.

    Payload `{"organisation_id": ..., "repair": true}` limits it to one organisation and sets
    drifted counters back to the ledger's sums.
    """
    payload = job.payload or {}
    org_id = payload.get("organisation_id") or job.organisation_id
    for organisation_id in wrepo.organisation_ids(session, org_id):
        result = reconcile(session, organisation_id, repair=bool(payload.get("repair")))
        for drift in result.drifts:
            log.warning(
                "stock drift in %s: sku %s warehouse %s stored %s ledger %s",
                organisation_id,
                drift.key[0],
                drift.key[1],
                drift.stored,
                drift.derived,
            )
        log.info("reconciled %d stock levels of %s", result.checked, organisation_id)
