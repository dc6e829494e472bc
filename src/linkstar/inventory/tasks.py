"""Background jobs of inventory: reconciliation of counters against the ledger, and the
stock each store should list.

Registered in `linkstar.jobs.registry`; idempotent (they read, log, and repair only on request).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext
from linkstar.inventory import publishing
from linkstar.inventory.reconcile import reconcile
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import system_principal

log = logging.getLogger(__name__)


def reconcile_stock(session: Session, job: JobContext) -> None:
    """Recompute every organisation's counters from its ledger and log each drift.

    Payload `{"organisation_id": ..., "repair": true}` limits it to one organisation and sets
    drifted counters back to the ledger's sums.
    """
    payload = job.payload or {}
    org_id = payload.get("organisation_id") or job.organisation_id
    orgs = [org_id] if org_id else [o.id for o in wrepo.all_organisations(session)]
    for organisation_id in orgs:
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


def publish_stock(session: Session, job: JobContext) -> None:
    """Compute what every active store should list per SKU (available through its buffers).

    Payload `{"organisation_id": ...}` limits it to one organisation. Pushing the quantities
    to the marketplaces belongs to the channel connectors, which do not exist yet: until they
    do, the job logs each store's listing so the numbers can be checked.
    """
    payload = job.payload or {}
    org_id = payload.get("organisation_id") or job.organisation_id
    orgs = [org_id] if org_id else [o.id for o in wrepo.all_organisations(session)]
    for organisation_id in orgs:
        actor = system_principal(organisation_id, "stock publisher")
        for store in wrepo.StoreRepository(session, organisation_id).list(is_active=True):
            listings = publishing.listings(session, actor, store.id)
            log.info(
                "stock for store %s (%s): %d SKU(s), %d unit(s) listed, %d SKU(s) at zero",
                store.name,
                store.channel,
                len(listings),
                sum(x.quantity for x in listings),
                sum(1 for x in listings if x.quantity == 0),
            )
