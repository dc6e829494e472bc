"""Settings → Failed jobs: background work that gave up, why, and a way to run it again."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.db.outbox import JobStatus
from linkstar.kit.errors import LinkStarError
from linkstar.web.context import ConsoleAction, ConsolePage
from linkstar.workspace import jobs
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
PAGE_SIZE = 25
STATUS_ORDER = [s.value for s in JobStatus]


@router.get("/settings/jobs", response_class=HTMLResponse)
def failed_jobs(page: ConsolePage, cursor: str = "") -> HTMLResponse:
    """Dead jobs (failed on every attempt) and how many jobs are in each status."""
    page.principal.require(P.jobs_read)
    counts = jobs.job_counts(page.session, page.principal)
    dead = jobs.list_jobs(page.session, page.principal, JobStatus.dead, PAGE_SIZE, cursor or None)
    return page.render(
        "settings/jobs.html",
        counts=[(status, counts.get(status, 0)) for status in STATUS_ORDER],
        jobs=dead.items,
        next_cursor=dead.next_cursor,
        first_page=not cursor,
        retried=False,
    )


@router.post("/settings/jobs/{job_id}/retry", response_class=HTMLResponse)
def retry(page: ConsoleAction, job_id: str) -> Response:
    """Queue a dead job again with a fresh set of attempts."""
    page.principal.require(P.jobs_manage)
    job = jobs.get_job(page.session, page.principal, job_id)
    try:
        job = jobs.retry_job(page.session, page.principal, job_id)
    except LinkStarError as exc:
        page.session.rollback()
        if page.htmx:
            raise  # shown in the page's message area
        return page.redirect("/settings/jobs", exc.message, "error")
    if page.htmx:
        response = page.fragment("settings/_job_row.html", job=job, retried=True)
        response.headers["HX-Trigger"] = "jobs-changed"  # the status counts refresh themselves
        return response
    return page.redirect("/settings/jobs", f"Job {job.name} is queued again.")
