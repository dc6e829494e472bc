"""The organisation's background jobs, and retrying the dead ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from linkstar.api.deps import DbSession
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, errors, needs
from linkstar.api.schemas import JobRead, PageOf
from linkstar.db.outbox import JobStatus
from linkstar.workspace import jobs
from linkstar.workspace.core import Permission, Principal

router = api_router("jobs")
READ = Permission.jobs_read


@router.get(
    "/jobs",
    summary="List jobs",
    description="Oldest first; platform jobs that belong to no organisation are never shown.",
    response_model=PageOf[JobRead],
    responses=errors(403, 422),
)
def list_jobs(
    paging: Paging,
    session: DbSession,
    status: Annotated[JobStatus | None, Query(description="Only jobs in this status.")] = None,
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    page = jobs.list_jobs(session, actor, status, paging.limit, paging.cursor)
    return paging.out(page, JobRead.model_validate)


@router.get(
    "/jobs/{job_id}",
    summary="Read a job",
    response_model=JobRead,
    responses=errors(403, 404),
)
def read_job(job_id: str, session: DbSession, actor: Principal = Depends(needs(READ))) -> JobRead:
    return JobRead.model_validate(jobs.get_job(session, actor, job_id))


@router.post(
    "/jobs/{job_id}/retry",
    summary="Retry a dead job",
    description="Sends a dead job back to the queue with a fresh set of attempts; any other "
    "status is a 409.",
    response_model=JobRead,
    responses=errors(403, 404, 409),
)
def retry_job(
    job_id: str, session: DbSession, actor: Principal = Depends(needs(Permission.jobs_manage))
) -> JobRead:
    return JobRead.model_validate(jobs.retry_job(session, actor, job_id))
