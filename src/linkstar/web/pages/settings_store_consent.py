"""Settings → Stores: authorise a store on its platform (the first OAuth consent).

The store page's link sends the seller to the platform's consent page; the platform sends the
browser back to `CALLBACK_PATH`, where the code is traded and the credentials are kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from linkstar.orders.sync import consent
from linkstar.orders.sync.connect import environment
from linkstar.web.context import ConsolePage, Page
from linkstar.web.forms import FormState
from linkstar.web.pages.common import attempt
from linkstar.workspace import service
from linkstar.workspace.core import Permission
from linkstar.workspace.models import Store

router = APIRouter()
LABELS = {"amazon": "Amazon", "ebay": "eBay", "shopify": "Shopify", "tiktok_shop": "TikTok Shop"}


def callback_url(request: Request) -> str:
    """Where the platform sends the seller back: this console, as the browser reached it."""
    return str(request.base_url).rstrip("/") + consent.CALLBACK_PATH


def panel(page: Page, store: Store | None) -> dict[str, Any] | None:
    """What the store page shows about authorising: the platform, the app keys still missing
    and the redirect URL to register in the app; None for stores without a consent step."""
    if store is None or store.channel not in LABELS or not page.can(Permission.workspace_manage):
        return None
    return {
        "label": LABELS[store.channel],
        "missing": consent.missing_keys(store, page.box),
        "redirect_uri": callback_url(page.request),
    }


@router.get("/settings/stores/{store_id}/authorise")
def store_authorise(page: ConsolePage, store_id: str) -> Response:
    """Send the seller to the platform's consent page. A link, not a form: the console's CSP
    (`form-action 'self'`) rightly stops a form's redirect to another site, and starting writes
    nothing (the state travels sealed in the URL)."""
    page.principal.require(Permission.workspace_manage)
    store = service.get_store(page.session, page.principal, store_id)
    here = f"/settings/stores/{store_id}"
    state = FormState()
    started = attempt(
        page,
        state,
        [],
        lambda s: consent.start(
            s, page.principal, store_id, page.box, callback_url(page.request), environment()
        ),
    )
    if started is None:
        return page.redirect(
            here, f"{store.name} cannot be authorised yet: {state.message}", "error"
        )
    return RedirectResponse(started.url, status_code=303)


@router.get(consent.CALLBACK_PATH)
def store_authorised(page: ConsolePage) -> Response:
    """The platform's redirect: trade its code and keep the store's credentials."""
    page.principal.require(Permission.workspace_manage)
    query = dict(page.request.query_params)
    state = FormState()
    store = attempt(
        page,
        state,
        [],
        lambda s: consent.complete(s, page.principal, query, page.box, environment()),
    )
    if store is None:
        return page.redirect("/settings/stores", f"Authorisation failed: {state.message}", "error")
    label = LABELS.get(store.channel, store.channel)
    return page.redirect(
        f"/settings/stores/{store.id}",
        f"{label} authorised {store.name}; its credentials are stored and polling can start.",
    )
