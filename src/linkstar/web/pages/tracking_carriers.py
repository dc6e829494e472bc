"""Tracking → Carrier accounts: the workspace's USPS, UPS, FedEx and DHL tracking API
credentials (stored encrypted, shown masked), switched on or off, removed, and "poll now".
The same service as `/api/v1/tracking/carrier-accounts` and `linkstar track carriers`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.clock import utcnow
from linkstar.kit.errors import LinkStarError
from linkstar.tracking import carrier_accounts as accounts
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
BACK = "/tracking/carriers"
SECRETS = ("client_id", "client_secret", "api_key")
FIELDS = ["carrier", "name", *SECRETS]
CARRIERS = [
    ("", "Choose…"),
    ("usps", "USPS (Tracking v3)"),
    ("ups", "UPS (Track API)"),
    ("fedex", "FedEx (Track API)"),
    ("dhl", "DHL (Shipment Tracking - Unified)"),
]


def _page(page: Page, state: FormState, status: int = 200) -> HTMLResponse:
    rows = accounts.carrier_accounts(page.session, page.principal)
    return page.render(
        "tracking/carriers.html",
        status=status,
        state=state,
        accounts=[accounts.account_view(r) for r in rows],
        carriers=CARRIERS,
    )


@router.get("/tracking/carriers", response_class=HTMLResponse)
def carriers(page: ConsolePage) -> HTMLResponse:
    """The workspace's carrier accounts and the form to add one."""
    page.principal.require(P.tracking_read)
    return _page(page, FormState(values={"carrier": ""}))


@router.post("/tracking/carriers", response_class=HTMLResponse)
def carrier_add(page: ConsoleAction) -> Response:
    """Store an account; on a refusal the form comes back without the secrets."""
    page.principal.require(P.tracking_write)
    values = text_fields(page.form, FIELDS)
    carrier = values["carrier"]
    wanted = accounts.CREDENTIAL_FIELDS.get(carrier, ())
    credentials = {k: values[k] for k in wanted}
    state = FormState(values={"carrier": carrier, "name": values["name"]})
    made = attempt(
        page,
        state,
        [*FIELDS, *(f"credentials.{k}" for k in SECRETS)],
        lambda s: accounts.add_carrier_account(
            s, page.principal, page.box, carrier, values["name"] or carrier, credentials
        ),
    )
    if made is not None:
        return page.redirect(BACK, f"{made.carrier.upper()} account added.")
    for key in [k for k in state.errors if k.startswith("credentials.")]:
        state.errors[key.removeprefix("credentials.")] = state.errors.pop(key)
    return _page(page, state, state.status)


@router.post("/tracking/carriers/{carrier_account_id}/active", response_class=HTMLResponse)
def carrier_active(page: ConsoleAction, carrier_account_id: str) -> Response:
    """Switch polling through an account on (`active=on`) or off."""
    page.principal.require(P.tracking_write)
    on = page.form.get("active") == "on"
    accounts.update_carrier_account(
        page.session, page.principal, page.box, carrier_account_id, active=on
    )
    return page.redirect(BACK, "Polling switched on." if on else "Polling switched off.")


@router.post("/tracking/carriers/{carrier_account_id}/delete", response_class=HTMLResponse)
def carrier_delete(page: ConsoleAction, carrier_account_id: str) -> Response:
    """Remove an account: its parcels are no longer polled."""
    page.principal.require(P.tracking_write)
    accounts.delete_carrier_account(page.session, page.principal, carrier_account_id)
    return page.redirect(BACK, "Carrier account removed.")


@router.post("/tracking/carriers/poll", response_class=HTMLResponse)
def carrier_poll(page: ConsoleAction) -> Response:
    """Queue a poll of every active account now."""
    page.principal.require(P.tracking_write)
    try:
        accounts.enqueue_poll(page.session, page.principal, utcnow())
    except LinkStarError as exc:
        page.session.rollback()
        return page.redirect(BACK, exc.message, "error")
    return page.redirect(BACK, "Poll queued: new scans appear within a few minutes.")
