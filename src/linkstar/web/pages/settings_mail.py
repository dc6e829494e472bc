"""Settings → Mail accounts and Suppressions: the e-mail channel and the do-not-contact list.

Passwords and DKIM keys are write-only: they are sealed on save and never rendered again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.inbox.channels.servers import TlsMode
from linkstar.inbox.mail import accounts, suppressions
from linkstar.inbox.mail.schemas import (
    MailAccountCreate,
    SuppressionChannel,
    SuppressionCreate,
    SuppressionReason,
)
from linkstar.kit.clock import utcnow
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, parse, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace.core import Permission as P

router = APIRouter()
ACCOUNT_FIELDS = [
    "name", "email_address", "imap_host", "imap_port", "imap_tls", "smtp_host", "smtp_port",
    "smtp_tls", "username", "password", "mailbox", "dkim_domain", "dkim_selector",
    "dkim_private_key",
]  # fmt: skip
SUPPRESSION_FIELDS = ["address", "channel", "reason", "note"]
TLS_CHOICES = [
    (TlsMode.SSL.value, "TLS (993 / 465)"),
    (TlsMode.STARTTLS.value, "STARTTLS (143 / 587)"),
    (TlsMode.NONE.value, "None (local testing only)"),
]
ACCOUNT_DEFAULTS = {
    "imap_port": "993", "imap_tls": "ssl", "smtp_port": "465", "smtp_tls": "ssl",
    "mailbox": "INBOX",
}  # fmt: skip


def _accounts_page(page: Page, state: FormState, status: int = 200) -> HTMLResponse:
    return page.render(
        "settings/mail_accounts.html",
        status=status,
        state=state,
        accounts=accounts.list_accounts(page.session, page.principal),
        tls_choices=TLS_CHOICES,
    )


@router.get("/settings/mail-accounts", response_class=HTMLResponse)
def mail_accounts(page: ConsolePage) -> HTMLResponse:
    """The connected mailboxes and the form to connect one."""
    page.principal.require(P.inbox_manage)
    return _accounts_page(page, FormState(values=dict(ACCOUNT_DEFAULTS)))


@router.post("/settings/mail-accounts", response_class=HTMLResponse)
def mail_account_create(page: ConsoleAction) -> Response:
    """Connect a mailbox; the password is sealed and never shown again."""
    page.principal.require(P.inbox_manage)
    values: dict[str, Any] = dict(text_fields(page.form, ACCOUNT_FIELDS))
    # Secrets are never echoed back into the re-rendered form.
    shown = {k: v for k, v in values.items() if k not in ("password", "dkim_private_key")}
    state = FormState(values=shown)
    data = parse(MailAccountCreate, {k: v for k, v in values.items() if v != ""}, state)
    if data is not None and not state.errors:
        made = attempt(
            page,
            state,
            ACCOUNT_FIELDS,
            lambda s: accounts.create_account(s, page.principal, data, page.box),
        )
        if made is not None:
            return page.redirect("/settings/mail-accounts", f"{made.email_address} connected.")
    return _accounts_page(page, state, state.status)


@router.post("/settings/mail-accounts/{mail_account_id}/test", response_class=HTMLResponse)
def mail_account_test(page: ConsoleAction, mail_account_id: str) -> Response:
    """Log in to IMAP and SMTP now and say how it went."""
    page.principal.require(P.inbox_manage)
    check = accounts.check_connection(
        page.session,
        page.principal,
        mail_account_id,
        page.box,
        now=utcnow(),
        allow_private=page.settings.private_mail_hosts_allowed,
    )
    if check.imap == "ok" and check.smtp == "ok":
        return page.redirect("/settings/mail-accounts", "IMAP and SMTP logins work.")
    problems = "; ".join(
        f"{name}: {error}"
        for name, error in (("IMAP", check.imap_error), ("SMTP", check.smtp_error))
        if error
    )
    return page.redirect("/settings/mail-accounts", f"Connection failed — {problems}", "error")


@router.post("/settings/mail-accounts/{mail_account_id}/delete", response_class=HTMLResponse)
def mail_account_delete(page: ConsoleAction, mail_account_id: str) -> Response:
    """Disconnect a mailbox."""
    page.principal.require(P.inbox_manage)
    accounts.delete_account(page.session, page.principal, mail_account_id)
    return page.redirect("/settings/mail-accounts", "Mail account disconnected.")


def _suppressions_page(page: Page, state: FormState, status: int = 200) -> HTMLResponse:
    rows = suppressions.suppressions_page(page.session, page.principal, 200, None)
    return page.render(
        "settings/suppressions.html",
        status=status,
        state=state,
        rows=rows.items,
        more=rows.next_cursor is not None,
        channels=[(c.value, c.value) for c in SuppressionChannel],
        reasons=[(r.value, r.value) for r in SuppressionReason],
    )


@router.get("/settings/suppressions", response_class=HTMLResponse)
def suppression_list(page: ConsolePage) -> HTMLResponse:
    """Addresses nothing may be sent to, newest first, and the form to add one."""
    page.principal.require(P.inbox_read)
    return _suppressions_page(page, FormState(values={"channel": "all", "reason": "manual"}))


@router.post("/settings/suppressions", response_class=HTMLResponse)
def suppression_add(page: ConsoleAction) -> Response:
    """Add an address to the list."""
    page.principal.require(P.inbox_manage)
    values: dict[str, Any] = dict(text_fields(page.form, SUPPRESSION_FIELDS))
    state = FormState(values=dict(values))
    data = parse(SuppressionCreate, {k: v for k, v in values.items() if v != ""}, state)
    if data is not None and not state.errors:
        made = attempt(
            page,
            state,
            SUPPRESSION_FIELDS,
            lambda s: suppressions.add_suppression(s, page.principal, data),
        )
        if made is not None:
            return page.redirect("/settings/suppressions", f"{made.address} suppressed.")
    return _suppressions_page(page, state, state.status)


@router.post("/settings/suppressions/{suppression_id}/delete", response_class=HTMLResponse)
def suppression_remove(page: ConsoleAction, suppression_id: str) -> Response:
    """Take an address off the list."""
    page.principal.require(P.inbox_manage)
    suppressions.remove_suppression(page.session, page.principal, suppression_id)
    return page.redirect("/settings/suppressions", "Suppression removed.")
