"""Channel stock publishing: publish a store now, read the publication runs and their lines."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from linkstar.api.deps import DbSession
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.inventory.service import READ, WRITE
from linkstar.kit.clock import utcnow
from linkstar.orders.stock import planning, reads
from linkstar.orders.stock.schemas import (
    PublishFeedRead,
    PublishLineRead,
    PublishRequested,
    PublishRunRead,
)
from linkstar.workspace.core import Principal

router = api_router("inventory")


@router.post(
    "/stores/{store_id}/publish",
    summary="Publish a store's stock now",
    description="Enqueues `inventory.publish_store` (one per store and minute). Only quantities "
    "that differ from the last ones the platform accepted are sent. `dry_run=true` records what "
    "would be sent without touching the platform (any store); otherwise 409 when the store is "
    "inactive, has no credentials or is on a channel without a connector. `waits_for_feed` says "
    "when the store's previous bulk feed is still processing (the run will be deferred).",
    status_code=202,
    response_model=PublishRequested,
    responses=errors(403, 404, 409),
)
def request_publish(
    store_id: str,
    session: DbSession,
    dry_run: Annotated[bool, Query(description="Record only; send nothing.")] = False,
    actor: Principal = Depends(needs(WRITE)),
) -> PublishRequested:
    job = planning.request_publish(session, actor, store_id, utcnow(), dry_run=dry_run)
    wait = None if dry_run else planning.feed_wait(session, actor.organisation_id, store_id)
    return PublishRequested(store_id=store_id, job_id=job.id, dry_run=dry_run, waits_for_feed=wait)


@router.get(
    "/stock-publications",
    summary="List stock publication runs",
    description="Newest first; `store_id` limits them to one store.",
    response_model=PageOf[PublishRunRead],
    responses=errors(403, 404, 422),
)
def list_runs(
    paging: Paging,
    session: DbSession,
    store_id: Annotated[str | None, Query(max_length=32)] = None,
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    page = reads.runs_page(session, actor, paging.limit, paging.cursor, store_id)
    return paging.out(page, PublishRunRead.model_validate)


@router.get(
    "/stock-publications/{run_id}",
    summary="One stock publication run",
    response_model=PublishRunRead,
    responses=errors(403, 404),
)
def read_run(
    run_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> PublishRunRead:
    return PublishRunRead.model_validate(reads.get_run(session, actor, run_id))


@router.get(
    "/stock-publications/{run_id}/lines",
    summary="The lines of a stock publication run",
    description="By channel SKU; `status` keeps one status (e.g. `failed`).",
    response_model=PageOf[PublishLineRead],
    responses=errors(400, 403, 404, 422),
)
def list_lines(
    run_id: str,
    paging: Paging,
    session: DbSession,
    status: Annotated[str | None, Query(max_length=20)] = None,
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    page = reads.lines_page(session, actor, run_id, paging.limit, paging.cursor, status)
    return paging.out(page, PublishLineRead.model_validate)


@router.get(
    "/stock-publications/{run_id}/feeds",
    summary="The bulk feeds of a stock publication run",
    description=(
        "Amazon and Walmart take quantities in feeds answered later: each feed's id, SKU count "
        "and state (`submitted` until the platform answers, then `done` or `failed`)."
    ),
    response_model=list[PublishFeedRead],
    responses=errors(403, 404),
)
def list_feeds(
    run_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> list[PublishFeedRead]:
    return [PublishFeedRead.of(feed) for feed in reads.run_feeds(session, actor, run_id)]
