"""Mail accounts: create (password sealed), list, delete, test the connection, poll, send.

Never commits: the entry point does. `poll` moves the mailbox cursor in the caller's
transaction, so the caller must store the fetched messages in that same transaction (then a
failed store rolls the cursor back and nothing is skipped).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from linkstar.inbox.channels import imap, smtp
from linkstar.inbox.channels.imap import FetchResult
from linkstar.inbox.channels.servers import MailConnectionError, MailServer, TlsMode, vetted
from linkstar.inbox.mail import suppressions
from linkstar.inbox.mail.models import MailAccount, MailboxCursor
from linkstar.inbox.mail.repository import MailAccountRepository, MailboxCursorRepository
from linkstar.inbox.mail.schemas import ConnectionCheck, MailAccountCreate, MailAccountRead
from linkstar.kit.crypto import SecretBox, mask
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal


def render(account: MailAccount) -> MailAccountRead:
    """The public view of an account: never the password or the DKIM key."""
    return MailAccountRead.model_validate(account)


def accounts_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[MailAccount]:
    """A page of the organisation's mail accounts, oldest first."""
    actor.require(Permission.inbox_manage)
    return MailAccountRepository(session, actor.organisation_id).page(limit, cursor)


def list_accounts(session: Session, actor: Principal) -> list[MailAccount]:
    """Every mail account of the organisation."""
    actor.require(Permission.inbox_manage)
    return MailAccountRepository(session, actor.organisation_id).list()


def create_account(
    session: Session, actor: Principal, data: MailAccountCreate, box: SecretBox
) -> MailAccount:
    """Connect a mailbox; its password (and DKIM key) are encrypted before they are stored."""
    actor.require(Permission.inbox_manage)
    repo = MailAccountRepository(session, actor.organisation_id)
    address = str(data.email_address).lower()
    if repo.find(email_address=address) is not None:
        raise Conflict(f"{address} is already connected", {"field": "email_address"})
    dkim = (data.dkim_domain, data.dkim_selector, data.dkim_private_key)
    if any(dkim) and not all(dkim):
        raise InvalidInput(
            "DKIM needs dkim_domain, dkim_selector and dkim_private_key together",
            {"field": "dkim_private_key"},
        )
    if data.dkim_private_key and "PRIVATE KEY-----" not in data.dkim_private_key:
        raise InvalidInput(
            "dkim_private_key must be a PEM private key", {"field": "dkim_private_key"}
        )
    secrets: dict[str, Any] = {"password": data.password}
    if data.dkim_private_key:
        secrets["dkim_private_key"] = data.dkim_private_key
    account = MailAccount(
        name=data.name.strip(),
        email_address=address,
        imap_host=data.imap_host.lower(),
        imap_port=data.imap_port,
        imap_tls=data.imap_tls.value,
        smtp_host=data.smtp_host.lower(),
        smtp_port=data.smtp_port,
        smtp_tls=data.smtp_tls.value,
        username=data.username,
        secrets_encrypted=box.seal(secrets),
        password_hint=mask(data.password),
        mailbox=data.mailbox,
        dkim_domain=data.dkim_domain.lower(),
        dkim_selector=data.dkim_selector,
        is_active=True,
        last_check_error="",
    )
    repo.add(account)
    audit.record(session, actor, "mail_account.create", account, after=_audited(account))
    return account


def delete_account(session: Session, actor: Principal, account_id: str) -> None:
    """Disconnect a mailbox (its cursors go with it)."""
    actor.require(Permission.inbox_manage)
    repo = MailAccountRepository(session, actor.organisation_id)
    account = repo.get(account_id)
    before = _audited(account)
    repo.delete(account)
    audit.record(session, actor, "mail_account.delete", account, before=before)


def servers(account: MailAccount, box: SecretBox) -> tuple[MailServer, MailServer]:
    """The IMAP and SMTP server settings of an account, password decrypted."""
    password = str(box.open(account.secrets_encrypted)["password"])
    return (
        MailServer(
            account.imap_host,
            account.imap_port,
            TlsMode(account.imap_tls),
            account.username,
            password,
        ),
        MailServer(
            account.smtp_host,
            account.smtp_port,
            TlsMode(account.smtp_tls),
            account.username,
            password,
        ),
    )


def check_connection(
    session: Session,
    actor: Principal,
    account_id: str,
    box: SecretBox,
    *,
    now: datetime,
    allow_private: bool,
) -> ConnectionCheck:
    """Log in to IMAP and SMTP; the outcome is kept on the account and returned.

    HostRefused (422, nothing written) when a host is not public and `allow_private` is off.
    """
    actor.require(Permission.inbox_manage)
    account = MailAccountRepository(session, actor.organisation_id).get(account_id)
    imap_server, smtp_server = servers(account, box)
    errors: dict[str, str] = {}
    try:
        imap.check_imap(vetted(imap_server, "IMAP", allow_private=allow_private), account.mailbox)
    except MailConnectionError as exc:
        errors["imap"] = exc.reason[:240]
    try:
        smtp.check_smtp(vetted(smtp_server, "SMTP", allow_private=allow_private))
    except MailConnectionError as exc:
        errors["smtp"] = exc.reason[:240]
    account.last_checked_at = now
    account.last_check_error = "; ".join(f"{k}: {v}" for k, v in errors.items())[:500]
    return ConnectionCheck(
        imap="failed" if "imap" in errors else "ok",
        smtp="failed" if "smtp" in errors else "ok",
        imap_error=errors.get("imap", ""),
        smtp_error=errors.get("smtp", ""),
        checked_at=now,
    )


def poll(
    session: Session,
    organisation_id: str,
    account_id: str,
    box: SecretBox,
    *,
    now: datetime,
    allow_private: bool,
) -> FetchResult:
    """Fetch the account's new messages and move its cursor (store them in this transaction)."""
    account = MailAccountRepository(session, organisation_id).get(account_id)
    imap_server = vetted(servers(account, box)[0], "IMAP", allow_private=allow_private)
    cursors = MailboxCursorRepository(session, organisation_id)
    row = cursors.find(account_id=account.id, mailbox=account.mailbox)
    cursor = None if row is None else imap.MailboxCursor(row.uidvalidity, row.last_uid)
    result = imap.fetch_new(
        imap_server, cursor, mailbox=account.mailbox, store_ref=account.email_address
    )
    if row is None:
        row = cursors.add(
            MailboxCursor(
                account_id=account.id,
                mailbox=account.mailbox,
                uidvalidity=result.cursor.uidvalidity,
                last_uid=result.cursor.last_uid,
            )
        )
    row.uidvalidity, row.last_uid = result.cursor.uidvalidity, result.cursor.last_uid
    row.last_fetched_at = now
    return result


def send(
    session: Session,
    organisation_id: str,
    account_id: str,
    box: SecretBox,
    mail: smtp.OutboundEmail,
    *,
    now: datetime,
    allow_private: bool,
) -> smtp.SentEmail:
    """Send from an account, DKIM-signed when it has a key; suppressed recipients are refused."""
    account = MailAccountRepository(session, organisation_id).get(account_id)
    smtp_server = vetted(servers(account, box)[1], "SMTP", allow_private=allow_private)
    sealed = box.open(account.secrets_encrypted)
    key = None
    if sealed.get("dkim_private_key"):
        key = smtp.DkimKey(
            account.dkim_domain, account.dkim_selector, str(sealed["dkim_private_key"]).encode()
        )
    checker = suppressions.suppressed_checker(session, organisation_id, "email")
    return smtp.send(smtp_server, mail, suppressed=checker, dkim_key=key, now=now)


def _audited(account: MailAccount) -> dict[str, Any]:
    # Never the sealed secrets; the masked hint says which password it was.
    return {
        "name": account.name,
        "email_address": account.email_address,
        "imap": f"{account.imap_host}:{account.imap_port}/{account.imap_tls}",
        "smtp": f"{account.smtp_host}:{account.smtp_port}/{account.smtp_tls}",
        "username": account.username,
        "password_hint": account.password_hint,
        "dkim": f"{account.dkim_selector}._domainkey.{account.dkim_domain}"
        if account.dkim_domain
        else "",
    }
