"""Settings → Webhooks: the URLs marketplaces and tracking aggregators push to.

The signing secret is shown once, on the page that follows the creation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.tracking.hooks import service
from linkstar.tracking.hooks.schemas import EndpointKind, WebhookEndpointCreate
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, parse, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace import service as workspace
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
FIELDS = ["kind", "store_id", "secret", "app_key"]
KIND_LABELS = {
    EndpointKind.orders_shopify: "Orders · Shopify (X-Shopify-Hmac-Sha256)",
    EndpointKind.orders_tiktok: "Orders · TikTok Shop (Authorization)",
    EndpointKind.orders_generic: "Orders · LinkStar JSON (X-LinkStar-Signature)",
    EndpointKind.tracking_17track: "Tracking · 17TRACK v2 push (sign)",
    EndpointKind.tracking_aftership: "Tracking · AfterShip (aftership-hmac-sha256)",
    EndpointKind.tracking_generic: "Tracking · LinkStar JSON (X-LinkStar-Signature)",
    EndpointKind.inbox_contact_form: "Inbox · website contact form (X-LinkStar-Signature)",
}


def full_url(page: Page, path: str) -> str:
    """The URL a sender is given: this server's origin and the endpoint's path."""
    return str(page.request.base_url).rstrip("/") + path


def _page(page: Page, state: FormState, status: int = 200) -> HTMLResponse:
    endpoints = service.list_endpoints(page.session, page.principal)
    stores = workspace.stores_page(page.session, page.principal, 200, None).items
    store_names = {s.id: s.name for s in stores}
    return page.render(
        "settings/webhooks.html",
        status=status,
        state=state,
        endpoints=endpoints,
        store_names=store_names,
        url_of=lambda e: full_url(page, service.url_path(e)),
        kinds=[("", "Choose…")] + [(k.value, label) for k, label in KIND_LABELS.items()],
        stores=[("", "No store (tracking)")] + [(s.id, f"{s.name} ({s.channel})") for s in stores],
    )


@router.get("/settings/webhooks", response_class=HTMLResponse)
def webhooks(page: ConsolePage) -> HTMLResponse:
    """The organisation's webhook endpoints and the form to open one."""
    page.principal.require(P.workspace_manage)
    return _page(page, FormState(values={"kind": "", "store_id": ""}))


@router.post("/settings/webhooks", response_class=HTMLResponse)
def webhook_create(page: ConsoleAction) -> Response:
    """Open an endpoint and show its URL and secret this one time."""
    page.principal.require(P.workspace_manage)
    values: dict[str, Any] = dict(text_fields(page.form, FIELDS))
    state = FormState(values=dict(values))
    data = parse(WebhookEndpointCreate, {k: v or None for k, v in values.items()}, state)
    if data is not None and not state.errors:
        made = attempt(
            page,
            state,
            FIELDS,
            lambda s: service.create_endpoint(s, page.principal, data, page.box),
        )
        if made is not None:
            return page.render(
                "settings/webhook_created.html",
                endpoint=made,
                url=full_url(page, made.url_path),
                label=KIND_LABELS[made.kind],
            )
    return _page(page, state, state.status)


@router.post("/settings/webhooks/{endpoint_id}/delete", response_class=HTMLResponse)
def webhook_delete(page: ConsoleAction, endpoint_id: str) -> Response:
    """Delete an endpoint: its URL answers 404 from now on."""
    page.principal.require(P.workspace_manage)
    service.delete_endpoint(page.session, page.principal, endpoint_id)
    return page.redirect("/settings/webhooks", "Webhook endpoint deleted.")
