"""The `routing.optimise_wave` job (registered in linkstar.jobs.registry).

Payload `{"run_id": ...}`: optimises a queued wave and writes its decision records. Idempotent:
a run already done or failed is left alone; the job runner owns the commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext
from linkstar.rating import optimisations
from linkstar.rating.optimise_repository import RunRepository
from linkstar.workspace.core import system_principal


def optimise_wave(session: Session, job: JobContext) -> None:
    """Optimise the queued run named in the payload."""
    if not job.organisation_id:
        return
    run = RunRepository(session, job.organisation_id).find(id=str(job.payload.get("run_id")))
    if run is not None:
        optimisations.execute(session, system_principal(job.organisation_id, "optimiser"), run)
