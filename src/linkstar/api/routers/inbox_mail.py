"""Inbox e-mail settings: mail accounts (password write-only) and the suppression list."""

from __future__ import annotations

from fastapi import Depends, Query, Response

from linkstar.api.deps import DbSession, get_box, get_settings
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.config import Settings
from linkstar.inbox.mail import accounts, suppressions
from linkstar.inbox.mail.schemas import (
    ConnectionCheck,
    MailAccountCreate,
    MailAccountRead,
    SuppressionChannel,
    SuppressionCreate,
    SuppressionRead,
)
from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox
from linkstar.workspace.core import Permission, Principal

router = api_router("inbox")
READ = Permission.inbox_read
MANAGE = Permission.inbox_manage


@router.get(
    "/inbox/suppressions",
    summary="List suppressed addresses",
    description="Addresses and buyer ids nothing may be sent to, newest first; `channel` "
    "filters (an `all` row blocks every channel).",
    response_model=PageOf[SuppressionRead],
    responses=errors(403, 422),
)
def list_suppressions(
    paging: Paging,
    session: DbSession,
    channel: SuppressionChannel | None = Query(default=None),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    """A page of the suppression list."""
    page = suppressions.suppressions_page(session, actor, paging.limit, paging.cursor, channel)
    return paging.out(page, suppressions.render)


@router.post(
    "/inbox/suppressions",
    summary="Suppress an address",
    description="Adding an address that is already on the list for that channel returns the "
    "existing row. Honoured by every channel's sending.",
    status_code=201,
    response_model=SuppressionRead,
    responses={**created("The suppression."), **errors(400, 403, 413, 422)},
)
def add_suppression(
    data: SuppressionCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> SuppressionRead:
    """Add one address to the list."""
    return suppressions.render(suppressions.add_suppression(session, actor, data))


@router.delete(
    "/inbox/suppressions/{suppression_id}",
    summary="Remove a suppression",
    description="The address may be contacted again on that channel.",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def remove_suppression(
    suppression_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> Response:
    """Take one address off the list."""
    suppressions.remove_suppression(session, actor, suppression_id)
    return Response(status_code=204)


@router.get(
    "/inbox/mail-accounts",
    summary="List mail accounts",
    description="IMAP/SMTP settings of each connected mailbox; never the password (only a "
    "masked hint) nor the DKIM key.",
    response_model=PageOf[MailAccountRead],
    responses=errors(403, 422),
)
def list_accounts(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> dict[str, object]:
    """A page of the organisation's mail accounts."""
    page = accounts.accounts_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, accounts.render)


@router.post(
    "/inbox/mail-accounts",
    summary="Connect a mail account",
    description="`password` and `dkim_private_key` are encrypted at rest and never returned. "
    "TLS modes: `ssl` (993/465), `starttls` (143/587), `none`.",
    status_code=201,
    response_model=MailAccountRead,
    responses={**created("The account."), **errors(400, 403, 409, 413, 422)},
)
def create_account(
    data: MailAccountCreate,
    session: DbSession,
    idem: Idempotent,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(MANAGE)),
) -> MailAccountRead:
    """Connect one mailbox."""
    return accounts.render(accounts.create_account(session, actor, data, box))


@router.delete(
    "/inbox/mail-accounts/{mail_account_id}",
    summary="Disconnect a mail account",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def delete_account(
    mail_account_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> Response:
    """Delete one mail account and its mailbox cursor."""
    accounts.delete_account(session, actor, mail_account_id)
    return Response(status_code=204)


@router.post(
    "/inbox/mail-accounts/{mail_account_id}/test",
    summary="Test a mail account's connection",
    description="Logs in to the IMAP server (opening the mailbox read-only) and to the SMTP "
    "server; answers 200 with each outcome and keeps it on the account. In production a host "
    "that resolves to a private, loopback, link-local or reserved address is refused with 422 "
    "`host_refused` and nothing is connected to or written.",
    response_model=ConnectionCheck,
    responses=errors(403, 404, 422),
)
def test_account(
    mail_account_id: str,
    session: DbSession,
    box: SecretBox = Depends(get_box),
    settings: Settings = Depends(get_settings),
    actor: Principal = Depends(needs(MANAGE)),
) -> ConnectionCheck:
    """Try both logins now."""
    allowed = settings.private_mail_hosts_allowed
    return accounts.check_connection(
        session, actor, mail_account_id, box, now=utcnow(), allow_private=allowed
    )
