"""Tracking → Carrier accounts: the workspace's USPS, UPS, FedEx and DHL tracking API
credentials (stored encrypted, shown masked, replaced but never shown back), production or
sandbox, switched on or off, removed, and "poll now".
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
FIELDS = ["carrier", "name", "environment", *SECRETS]
ENVIRONMENTS = [("production", "Production"), ("sandbox", "Sandbox (the carrier's test API)")]
CARRIERS = [
    ("", "Choose…"),
    ("usps", "USPS (Tracking v3)"),
    ("ups", "UPS (Track API)"),
    ("fedex", "FedEx (Track API)"),
    ("dhl", "DHL (Shipment Tracking - Unified)"),
]


def _page(
    page: Page, state: FormState, status: int = 200, replace: FormState | None = None
) -> HTMLResponse:
    rows = accounts.carrier_accounts(page.session, page.principal)
    return page.render(
        "tracking/carriers.html",
        status=status,
        state=state,
        replace=replace or FormState(),
        accounts=[accounts.account_view(r) for r in rows],
        carriers=CARRIERS,
        environments=ENVIRONMENTS,
        fields=accounts.CREDENTIAL_FIELDS,
    )


@router.get("/tracking/carriers", response_class=HTMLResponse)
def carriers(page: ConsolePage) -> HTMLResponse:
    """The workspace's carrier accounts and the form to add one."""
    page.principal.require(P.tracking_read)
    return _page(page, FormState(values={"carrier": "", "environment": "production"}))


@router.post("/tracking/carriers", response_class=HTMLResponse)
def carrier_add(page: ConsoleAction) -> Response:
    """Store an account; on a refusal the form comes back without the secrets."""
    page.principal.require(P.tracking_write)
    values = text_fields(page.form, FIELDS)
    carrier = values["carrier"]
    wanted = accounts.CREDENTIAL_FIELDS.get(carrier, ())
    credentials = {k: values[k] for k in wanted}
    environment = values["environment"] or "production"
    state = FormState(values={"carrier": carrier, "name": values["name"],
                              "environment": environment})  # fmt: skip
    made = attempt(
        page,
        state,
        [*FIELDS, *(f"credentials.{k}" for k in SECRETS)],
        lambda s: accounts.add_carrier_account(
            s,
            page.principal,
            page.box,
            carrier,
            values["name"] or carrier,
            credentials,
            environment,
        ),
    )
    if made is not None:
        return page.redirect(BACK, f"{made.carrier.upper()} account added.")
    for key in [k for k in state.errors if k.startswith("credentials.")]:
        state.errors[key.removeprefix("credentials.")] = state.errors.pop(key)
    return _page(page, state, state.status)


@router.post("/tracking/carriers/{carrier_account_id}/credentials", response_class=HTMLResponse)
def carrier_credentials(page: ConsoleAction, carrier_account_id: str) -> Response:
    """Replace an account's credentials (all of them) and set its environment, audited like
    the API's PATCH; on a refusal the page comes back with the reason and no secret in it."""
    page.principal.require(P.tracking_write)
    values = text_fields(page.form, [*SECRETS, "environment"])
    credentials = {k: values[k] for k in SECRETS if values[k]}
    replace = FormState(values={"account": carrier_account_id})
    done = attempt(
        page,
        replace,
        [],
        lambda s: accounts.update_carrier_account(
            s,
            page.principal,
            page.box,
            carrier_account_id,
            credentials=credentials,
            environment=values["environment"] or None,
        ),
    )
    if done is not None:
        return page.redirect(BACK, f"{done.carrier.upper()} credentials replaced.")
    blank = FormState(values={"carrier": "", "environment": "production"})
    return _page(page, blank, replace.status, replace)


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
