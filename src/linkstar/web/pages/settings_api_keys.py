"""Settings → API keys: machine access with scopes; the secret is shown once, at creation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import groupby
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.clock import as_utc, utcnow
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, choices, parse, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace import access
from linkstar.workspace.core import Permission
from linkstar.workspace.models import ApiKey
from linkstar.workspace.schemas import ApiKeyCreate

router = APIRouter()
P = Permission
AREA_LABELS = {"apikeys": "API keys", "audit": "Audit log"}


def key_status(key: ApiKey) -> str:
    """revoked, expired or active."""
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and as_utc(key.expires_at) <= utcnow():
        return "expired"
    return "active"


def scope_groups(held: frozenset[Permission]) -> list[tuple[str, list[Permission]]]:
    """The permissions the actor may put on a key, grouped by area (orders, inbox, …)."""
    ordered = [p for p in Permission if p in held]
    grouped = groupby(ordered, key=lambda p: p.value.split(":")[0])
    return [(AREA_LABELS.get(name, name.title()), list(items)) for name, items in grouped]


def _context() -> dict[str, Any]:
    return {"key_status": key_status}


@router.get("/settings/api-keys", response_class=HTMLResponse)
def api_keys(page: ConsolePage) -> HTMLResponse:
    """The organisation's API keys (prefixes only; secrets are never stored)."""
    keys = access.list_api_keys(page.session, page.principal)
    keys.sort(key=lambda k: k.created_at, reverse=True)
    return page.render("settings/api_keys.html", keys=keys, **_context())


def _form(page: Page, state: FormState, status: int = 200) -> HTMLResponse:
    return page.render(
        "settings/api_key_form.html",
        status=status,
        state=state,
        groups=scope_groups(page.principal.permissions),
    )


@router.get("/settings/api-keys/new", response_class=HTMLResponse)
def api_key_new(page: ConsolePage) -> HTMLResponse:
    """The form to create a key."""
    page.principal.require(P.apikeys_manage)
    return _form(page, FormState(values={"scopes": []}))


def _expiry(raw: str, state: FormState) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(0), UTC)
    except ValueError:
        state.errors["expires_on"] = "Enter a date as YYYY-MM-DD."
        return None


@router.post("/settings/api-keys", response_class=HTMLResponse)
def api_key_create(page: ConsoleAction) -> Response:
    """Create a key and show its secret this one time."""
    page.principal.require(P.apikeys_manage)
    values: dict[str, Any] = dict(text_fields(page.form, ["name", "expires_on"]))
    values["scopes"] = choices(page.form, "scopes")
    state = FormState(values=dict(values))
    expires_at = _expiry(values["expires_on"], state)
    data = parse(
        ApiKeyCreate,
        {"name": values["name"], "scopes": values["scopes"], "expires_at": expires_at},
        state,
        aliases={"expires_at": "expires_on"},
    )
    if data is not None and not state.errors:
        created = attempt(
            page,
            state,
            ["name", "scopes", "expires_at"],
            lambda s: access.create_api_key(s, page.principal, data),
        )
        if created is not None:
            key, secret = created
            return page.render("settings/api_key_created.html", key=key, secret=secret)
        if "expires_at" in state.errors:
            state.errors["expires_on"] = state.errors.pop("expires_at")
    return _form(page, state, state.status)


@router.post("/settings/api-keys/{key_id}/revoke", response_class=HTMLResponse)
def api_key_revoke(page: ConsoleAction, key_id: str) -> Response:
    """Revoke a key at once (HTMX swaps its row; without JS the list reloads)."""
    page.principal.require(P.apikeys_manage)
    key = access.revoke_api_key(page.session, page.principal, key_id)
    if page.htmx:
        return page.fragment("settings/_api_key_row.html", key=key, **_context())
    return page.redirect("/settings/api-keys", f"API key {key.name} revoked.")
