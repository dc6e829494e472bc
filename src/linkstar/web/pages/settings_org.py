"""Settings → Organisation: name, timezone, base currency, audit retention."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, parse, text_fields
from linkstar.web.pages.common import attempt, timezones
from linkstar.workspace import service
from linkstar.workspace.core import Permission
from linkstar.workspace.schemas import OrganisationUpdate

router = APIRouter()
FIELDS = ["name", "timezone", "base_currency", "audit_retention_days"]


@router.get("/settings", response_class=RedirectResponse)
def settings_home(page: ConsolePage) -> Response:
    """Settings open on the organisation."""
    return RedirectResponse("/settings/organisation", status_code=303)


def _render(page: Page, state: FormState, status: int = 200) -> HTMLResponse:
    org = service.get_organisation(page.session, page.principal)
    return page.render(
        "settings/organisation.html", status=status, org=org, state=state, zones=timezones()
    )


@router.get("/settings/organisation", response_class=HTMLResponse)
def organisation(page: ConsolePage) -> HTMLResponse:
    """The organisation's settings (editable with workspace:manage)."""
    org = service.get_organisation(page.session, page.principal)
    values = {field: getattr(org, field) for field in FIELDS}
    return _render(page, FormState(values=values))


@router.post("/settings/organisation", response_class=HTMLResponse)
def organisation_save(page: ConsoleAction) -> Response:
    """Save the organisation's settings."""
    page.principal.require(Permission.workspace_manage)
    values = text_fields(page.form, FIELDS)
    state = FormState(values=dict(values))
    data = parse(OrganisationUpdate, values, state)
    if data is None:
        return _render(page, state, 422)
    done = attempt(
        page, state, FIELDS, lambda s: service.update_organisation(s, page.principal, data)
    )
    if done is None:
        return _render(page, state, state.status)
    return page.redirect("/settings/organisation", "Organisation settings saved.")
