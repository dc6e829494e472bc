"""The `routing.simulate` job (registered in linkstar.jobs.registry).

Payload `{"simulation_id": ..., "offset": n}`: replays the batch of orders that starts at `n`
and queues the next batch. Idempotent: a job whose offset is no longer the simulation's
progress (a retry after its batch committed) or whose simulation is finished does nothing. The
last attempt turns an unexpected error into a `failed` simulation that says why.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext
from linkstar.kit.errors import LinkStarError
from linkstar.rating import simulation_runs
from linkstar.rating.simulation_repository import SimulationRepository
from linkstar.workspace.core import system_principal


def simulate(session: Session, job: JobContext) -> None:
    """Advance the simulation named in the payload by one batch."""
    if not job.organisation_id:
        return
    repo = SimulationRepository(session, job.organisation_id)
    sim = repo.find(id=str(job.payload.get("simulation_id")))
    offset = job.payload.get("offset", 0)
    if sim is None or sim.status in ("done", "failed") or sim.orders_done != offset:
        return
    try:
        simulation_runs.step(session, system_principal(job.organisation_id, "simulator"), sim)
    except LinkStarError as exc:  # e.g. the stored policy no longer parses: no retry helps
        simulation_runs.fail(session, sim, exc.message)
    except Exception as exc:
        if job.attempt < simulation_runs.SIMULATE_ATTEMPTS:
            raise
        simulation_runs.fail(session, sim, f"{type(exc).__name__}: {exc}")
