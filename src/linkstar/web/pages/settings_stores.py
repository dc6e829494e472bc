"""Settings → Stores: the channel accounts orders come from, with encrypted credentials."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from linkstar.orders.sync.service import is_polled, sync_states
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, checkbox, parse, text_fields
from linkstar.web.pages.common import attempt
from linkstar.web.pages.settings_store_consent import panel
from linkstar.workspace import service
from linkstar.workspace.core import Channel, Permission
from linkstar.workspace.models import Store
from linkstar.workspace.schemas import StoreCreate, StoreUpdate

router = APIRouter()
P = Permission
CREATE_FIELDS = ["name", "channel", "region", "currency", "external_id"]
EDIT_FIELDS = ["name", "region", "currency", "external_id"]
CREDENTIAL_ROWS = 6
CHANNEL_LABELS = {
    Channel.amazon: "Amazon",
    Channel.shopify: "Shopify",
    Channel.tiktok_shop: "TikTok Shop",
    Channel.ebay: "eBay",
    Channel.walmart: "Walmart",
    Channel.other: "Other / CSV",
}


def _credential_names(form: FormData) -> dict[str, str]:
    return {f"cred_key_{i}": str(form.get(f"cred_key_{i}") or "").strip() for i in _rows()}


def _rows() -> range:
    return range(1, CREDENTIAL_ROWS + 1)


def read_credentials(form: FormData, state: FormState) -> dict[str, str] | None:
    """Secret name/value pairs typed into the form; None when none was entered."""
    secrets: dict[str, str] = {}
    for i in _rows():
        name = str(form.get(f"cred_key_{i}") or "").strip()
        value = str(form.get(f"cred_value_{i}") or "").strip()
        if name and not value:
            state.errors[f"cred_value_{i}"] = "Enter the secret for this name."
        elif value and not name:
            state.errors[f"cred_key_{i}"] = "Name this secret, e.g. refresh_token."
        elif name:
            secrets[name[:100]] = value
    return secrets or None


def _page(
    page: Page, template: str, status: int = 200, store: Store | None = None, **context: object
) -> HTMLResponse:
    return page.render(
        template,
        status=status,
        channels=[(c.value, CHANNEL_LABELS[c]) for c in Channel],
        channel_labels={c.value: label for c, label in CHANNEL_LABELS.items()},
        credential_rows=list(_rows()),
        store=store,
        consent=panel(page, store),
        **context,
    )


@router.get("/settings/stores", response_class=HTMLResponse)
def stores(page: ConsolePage) -> HTMLResponse:
    """The organisation's stores."""
    return _page(
        page,
        "settings/stores.html",
        stores=service.list_stores(page.session, page.principal),
        syncs=sync_states(page.session, page.principal.organisation_id),
        polled=is_polled,
    )


@router.get("/settings/stores/new", response_class=HTMLResponse)
def store_new(page: ConsolePage) -> HTMLResponse:
    """The form to connect a store."""
    page.principal.require(P.workspace_manage)
    state = FormState(values={"channel": Channel.amazon.value, "currency": "USD"})
    return _page(page, "settings/store_form.html", state=state, store=None)


@router.post("/settings/stores", response_class=HTMLResponse)
def store_create(page: ConsoleAction) -> Response:
    """Connect a store; its secrets are encrypted and never shown again."""
    page.principal.require(P.workspace_manage)
    values = text_fields(page.form, CREATE_FIELDS)
    state = FormState(values={**values, **_credential_names(page.form)})
    credentials = read_credentials(page.form, state)
    data = parse(StoreCreate, {**values, "credentials": credentials}, state)
    if data is not None and not state.errors:
        store = attempt(
            page,
            state,
            CREATE_FIELDS,
            lambda s: service.create_store(s, page.principal, data, page.box),
        )
        if store is not None:
            return page.redirect("/settings/stores", f"Store {store.name} connected.")
    return _page(page, "settings/store_form.html", state.status, state=state, store=None)


def _edit_state(store: Store) -> FormState:
    return FormState(values={field: getattr(store, field) for field in EDIT_FIELDS})


@router.get("/settings/stores/{store_id}", response_class=HTMLResponse)
def store_edit(page: ConsolePage, store_id: str) -> HTMLResponse:
    """One store: its settings, and the form to change them for managers."""
    store = service.get_store(page.session, page.principal, store_id)
    return _page(page, "settings/store_form.html", state=_edit_state(store), store=store)


@router.post("/settings/stores/{store_id}", response_class=HTMLResponse)
def store_update(page: ConsoleAction, store_id: str) -> Response:
    """Change a store; typed secrets are added to the stored ones (a name typed again replaces
    its value), empty fields keep what is stored."""
    page.principal.require(P.workspace_manage)
    store = service.get_store(page.session, page.principal, store_id)
    values = text_fields(page.form, EDIT_FIELDS)
    state = FormState(values={**values, **_credential_names(page.form)})
    credentials = read_credentials(page.form, state)
    changes: dict[str, object] = dict(values)
    if checkbox(page.form, "clear_credentials"):
        changes["credentials"] = {}
    elif credentials is not None:
        changes["credentials"] = credentials
    data = parse(StoreUpdate, changes, state)
    if data is not None and not state.errors:
        done = attempt(
            page,
            state,
            EDIT_FIELDS,
            lambda s: service.update_store(s, page.principal, store_id, data, page.box),
        )
        if done is not None:
            return page.redirect("/settings/stores", f"Store {done.name} saved.")
    return _page(page, "settings/store_form.html", state.status, state=state, store=store)


def _set_active(page: Page, store_id: str, active: bool) -> Response:
    page.principal.require(P.workspace_manage)
    service.get_store(page.session, page.principal, store_id)
    store = service.update_store(
        page.session, page.principal, store_id, StoreUpdate(is_active=active), page.box
    )
    verb = "reactivated" if active else "deactivated"
    return page.redirect("/settings/stores", f"Store {store.name} {verb}.")


@router.post("/settings/stores/{store_id}/deactivate")
def store_deactivate(page: ConsoleAction, store_id: str) -> Response:
    """Stop using a store without losing its history."""
    return _set_active(page, store_id, False)


@router.post("/settings/stores/{store_id}/activate")
def store_activate(page: ConsoleAction, store_id: str) -> Response:
    """Use a deactivated store again."""
    return _set_active(page, store_id, True)


@router.post("/settings/stores/{store_id}/delete")
def store_delete(page: ConsoleAction, store_id: str) -> Response:
    """Delete a store and its stored credentials."""
    page.principal.require(P.workspace_manage)
    store = service.get_store(page.session, page.principal, store_id)
    name = store.name

    def delete(session: Session) -> bool:
        service.delete_store(session, page.principal, store_id)
        return True

    state = FormState()
    if attempt(page, state, [], delete) is None:
        reason = f"Store {name} was not deleted: {state.message}"
        return page.redirect(f"/settings/stores/{store_id}", reason, "error")
    return page.redirect("/settings/stores", f"Store {name} deleted.")
