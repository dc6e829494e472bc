"""Settings → Stores: poll a store now, switch its polling off / on (its sync state shows in
the stores table)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from linkstar.kit.clock import utcnow
from linkstar.orders.sync import service as sync
from linkstar.web.context import ConsoleAction
from linkstar.web.forms import FormState
from linkstar.web.pages.common import attempt
from linkstar.workspace import service
from linkstar.workspace.core import Permission

router = APIRouter()


@router.post("/settings/stores/{store_id}/sync")
def store_sync(page: ConsoleAction, store_id: str) -> Response:
    """Enqueue a poll of the store; the table shows its outcome once the job ran."""
    page.principal.require(Permission.workspace_manage)
    store = service.get_store(page.session, page.principal, store_id)
    name = store.name
    state = FormState()
    job = attempt(
        page, state, [], lambda s: sync.request_sync(s, page.principal, store_id, utcnow())
    )
    if job is None:
        return page.redirect("/settings/stores", f"{name} was not polled: {state.message}", "error")
    return page.redirect("/settings/stores", f"Poll of {name} queued (job {job.id}).")


@router.post("/settings/stores/{store_id}/polling")
def store_polling(page: ConsoleAction, store_id: str) -> Response:
    """Switch the store's polling on (`enabled=on`) or off; on needs real credentials."""
    page.principal.require(Permission.workspace_manage)
    name = service.get_store(page.session, page.principal, store_id).name
    enabled = str(page.form.get("enabled") or "") == "on"
    state = FormState()
    done = attempt(
        page, state, [], lambda s: sync.set_polling(s, page.principal, store_id, enabled)
    )
    if done is None:
        return page.redirect("/settings/stores", f"{name}: {state.message}", "error")
    return page.redirect(
        "/settings/stores", f"Polling of {name} switched {'on' if enabled else 'off'}."
    )
