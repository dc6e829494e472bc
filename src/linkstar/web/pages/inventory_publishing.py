"""Inventory → Publishing: each store's buffers and last publication, publish now, run lines."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.inventory import publishing
from linkstar.inventory.schemas import StorePolicySet
from linkstar.kit.clock import utcnow
from linkstar.orders.stock import planning, reads, service
from linkstar.orders.stock.schemas import PublishFeedRead
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, checkbox, parse, text_fields
from linkstar.web.pages.common import attempt
from linkstar.web.pages.inventory import SECTIONS
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
BUFFER_FIELDS = ["max_listed", "stop_selling_below", "percent_of_available"]
RECENT_RUNS = 20
LINES_SHOWN = 200
URL = "/inventory/publishing"


def _render(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return page.render(template, status=status, sections=SECTIONS, section="publishing", **context)


def _overview(
    page: Page, status: int = 200, state: FormState | None = None, editing: str = ""
) -> HTMLResponse:
    page.principal.require(P.inventory_read)
    org = page.principal.organisation_id
    stores = wrepo.StoreRepository(page.session, org).list()
    policies = {s.id: publishing.policy_of(page.session, page.principal, s.id) for s in stores}
    runs = reads.runs_page(page.session, page.principal, RECENT_RUNS, None, None).items
    chosen = editing or page.request.query_params.get("store", "")
    edit_store = next((s for s in stores if s.id == chosen), stores[0] if stores else None)
    return _render(
        page,
        "inventory/publishing.html",
        status,
        stores=stores,
        names={s.id: s.name for s in stores},
        policies=policies,
        publishable={s.id: service.is_publishable(s) for s in stores},
        last=reads.last_runs(page.session, org),
        runs=runs,
        state=state or FormState(),
        editing=editing,
        edit_store=edit_store,
    )


@router.get(URL, response_class=HTMLResponse)
def overview(page: ConsolePage) -> HTMLResponse:
    """Per store: buffers, last run, publish now; the most recent runs below."""
    return _overview(page)


@router.get(URL + "/runs/{publication_run_id}", response_class=HTMLResponse)
def run_detail(page: ConsolePage, publication_run_id: str) -> HTMLResponse:
    """One run with its lines (failed first), each with the platform's answer."""
    run_id = publication_run_id
    run = reads.get_run(page.session, page.principal, run_id)
    store = wrepo.StoreRepository(page.session, page.principal.organisation_id).get(run.store_id)
    lines = reads.lines_page(page.session, page.principal, run_id, LINES_SHOWN, None).items
    lines.sort(key=lambda x: (x.status != "failed", x.status, x.channel_sku))
    feeds = [PublishFeedRead.of(f) for f in reads.run_feeds(page.session, page.principal, run_id)]
    return _render(
        page, "inventory/publishing_run.html", run=run, store=store, lines=lines, feeds=feeds
    )


@router.post(URL + "/{store_id}/publish")
def publish_now(page: ConsoleAction, store_id: str) -> Response:
    """Enqueue a publication (or a dry run) of the store."""
    page.principal.require(P.inventory_write)
    store = wrepo.StoreRepository(page.session, page.principal.organisation_id).get(store_id)
    dry_run = checkbox(page.form, "dry_run")
    state = FormState()
    job = attempt(
        page,
        state,
        [],
        lambda s: planning.request_publish(s, page.principal, store_id, utcnow(), dry_run=dry_run),
    )
    if job is None:
        return page.redirect(URL, f"{store.name} was not published: {state.message}", "error")
    if dry_run:
        return page.redirect(URL, f"Dry run of {store.name} queued (job {job.id}).")
    wait = planning.feed_wait(page.session, page.principal.organisation_id, store_id)
    if wait is not None:
        return page.redirect(URL, f"Publication of {store.name} queued (job {job.id}), but {wait}.")
    return page.redirect(URL, f"Publication of {store.name} queued (job {job.id}).")


@router.post(URL + "/{store_id}/buffers", response_class=HTMLResponse)
def set_buffers(page: ConsoleAction, store_id: str) -> Response:
    """Set the store's buffers (an empty maximum lists without a cap)."""
    page.principal.require(P.inventory_write)
    values = text_fields(page.form, BUFFER_FIELDS)
    state = FormState(values=dict(values))
    data = parse(StorePolicySet, {k: v or None for k, v in values.items() if v}, state)
    if data is not None:
        row = attempt(
            page,
            state,
            BUFFER_FIELDS,
            lambda s: publishing.set_policy(s, page.principal, store_id, data),
        )
        if row is not None:
            return page.redirect(URL, "Buffers saved; the next publication uses them.")
    return _overview(page, state.status, state, editing=store_id)
