"""Mail accounts, the suppression list and one-click unsubscribe over HTTP and the services."""

from __future__ import annotations

import email
import imaplib
from collections.abc import Iterator
from email.policy import default as default_policy
from typing import Any

import dkim
import pytest

from linkstar.config import get_settings
from linkstar.db.uow import unit_of_work
from linkstar.inbox.channels.dkim_keys import generate
from linkstar.inbox.channels.smtp import OutboundEmail, RecipientSuppressed
from linkstar.inbox.mail import accounts, suppressions
from linkstar.inbox.mail.models import MailAccount, MailboxCursor, Suppression
from linkstar.kit.clock import utcnow
from tests.api.conftest import assert_error
from tests.inbox.channels.conftest import eml
from tests.inbox.channels.servers import (
    IMAP_PASSWORD,
    IMAP_USER,
    RecordingHandler,
    imap_server,
    smtp_server,
)
from tests.inbox.mail_seed import mail_account_body


@pytest.fixture(scope="module")
def mail_servers() -> Iterator[tuple[int, int, RecordingHandler]]:
    """pymap and aiosmtpd, both accepting the pymap demo login."""
    with imap_server() as imap_port, smtp_server(IMAP_USER, IMAP_PASSWORD) as (smtp_port, h):
        yield imap_port, smtp_port, h


def _account_body(imap_port: int, smtp_port: int, **extra: Any) -> dict[str, Any]:
    body = mail_account_body("support@acme.example")
    body |= {"imap_port": imap_port, "smtp_port": smtp_port, "username": IMAP_USER}
    return body | {"password": IMAP_PASSWORD} | extra


def _rows(api, model) -> list[Any]:  # type: ignore[no-untyped-def]
    with api.sessions() as s:
        return list(s.query(model).all())


# --- suppressions -----------------------------------------------------------------------------


def test_suppression_list_add_is_idempotent_and_remove(api, tenant):
    caller = api.with_key(tenant)
    body = {"address": " Buyer@Example.ORG ", "channel": "email", "reason": "complaint"}
    first = caller.post("/inbox/suppressions", json=body)
    assert first.status_code == 201, first.text
    row = first.json()
    assert (row["address"], row["channel"], row["reason"]) == (
        "buyer@example.org",
        "email",
        "complaint",
    )
    again = caller.post("/inbox/suppressions", json=body)
    assert again.status_code == 201 and again.json()["id"] == row["id"]
    caller.post("/inbox/suppressions", json={"address": "tt-buyer-1", "channel": "tiktok"})
    listed = caller.get("/inbox/suppressions").json()["items"]
    assert [x["address"] for x in listed] == ["tt-buyer-1", "buyer@example.org"]
    only_email = caller.get("/inbox/suppressions", params={"channel": "email"}).json()["items"]
    assert [x["id"] for x in only_email] == [row["id"]]
    with unit_of_work(api.sessions) as s:
        assert suppressions.is_suppressed(s, tenant.org.id, "BUYER@example.org", "email")
        assert not suppressions.is_suppressed(s, tenant.org.id, "buyer@example.org", "ebay")
    assert caller.delete(f"/inbox/suppressions/{row['id']}").status_code == 204
    assert_error(caller.delete(f"/inbox/suppressions/{row['id']}"), 404, "not_found")
    actions = [a["action"] for a in api.audit(tenant.org.id)]
    assert actions.count("suppression.add") == 2 and actions.count("suppression.remove") == 1


def test_all_channel_suppression_blocks_every_channel(api, tenant):
    with unit_of_work(api.sessions) as s:
        suppressions.suppress(s, tenant.org.id, "x@example.org")
    with unit_of_work(api.sessions) as s:
        for channel in ("email", "amazon", "website"):
            assert suppressions.is_suppressed(s, tenant.org.id, "x@example.org", channel)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "a b@example.org"}, "address"),
        ({"address": "x@example.org", "channel": "myspace"}, "body.channel"),
        ({"address": "x@example.org", "reason": "spite"}, "body.reason"),
    ],
)
def test_bad_suppression_writes_nothing(api, tenant, body, field):
    caller = api.with_key(tenant)
    counts = api.counts()
    r = caller.post("/inbox/suppressions", json=body)
    error = assert_error(r, 422, "invalid_input")
    assert field in str(error["details"])
    assert api.counts() == counts


# --- one-click unsubscribe --------------------------------------------------------------------


def test_rfc8058_one_click_unsubscribe(api, client, tenant):
    with unit_of_work(api.sessions) as s:
        token = suppressions.issue_token(
            s, tenant.org.id, "Lead@Wholesale.example", campaign="2027 price list"
        ).token
    url, mailto = suppressions.unsubscribe_links(
        "https://app.acme.example", token, "u@acme.example"
    )
    assert url == f"https://app.acme.example/u/{token}"
    assert mailto == f"u+{token}@acme.example"

    page = client.get(f"/u/{token}")
    assert page.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert "le•••@wholesale.example" in page.text and "Lead@" not in page.text
    assert _rows(api, Suppression) == []  # a GET (a link scanner) never unsubscribes

    counts = api.counts()
    assert client.post(f"/u/{token}").status_code == 400
    assert client.post(f"/u/{token}", content=b"List-Unsubscribe=Yes").status_code == 400
    assert client.post("/u/not-a-token", content=b"List-Unsubscribe=One-Click").status_code == 404
    assert client.get("/u/not-a-token").status_code == 404
    assert api.counts() == counts

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    done = client.post(f"/u/{token}", content=b"List-Unsubscribe=One-Click", headers=headers)
    assert done.status_code == 200 and "Unsubscribed" in done.text
    assert client.post(f"/u/{token}", content=b"List-Unsubscribe=One-Click").status_code == 200
    [row] = _rows(api, Suppression)
    assert (row.address, row.channel, row.reason) == (
        "lead@wholesale.example",
        "email",
        "unsubscribe",
    )
    assert row.note == "one-click unsubscribe: 2027 price list"
    assert row.organisation_id == tenant.org.id


# --- mail accounts ----------------------------------------------------------------------------


def test_mail_account_password_is_write_only_and_sealed(api, tenant):
    caller = api.with_key(tenant)
    r = caller.post("/inbox/mail-accounts", json=_account_body(9, 9, password="Sup3r-secret-pw"))
    assert r.status_code == 201, r.text
    assert "Sup3r-secret-pw" not in r.text and r.json()["password_hint"] == "••••t-pw"
    listed = caller.get("/inbox/mail-accounts")
    assert "Sup3r-secret-pw" not in listed.text
    [row] = _rows(api, MailAccount)
    assert "Sup3r-secret-pw" not in row.secrets_encrypted
    box = api.client.app.state.box
    assert box.open(row.secrets_encrypted) == {"password": "Sup3r-secret-pw"}
    assert "Sup3r-secret-pw" not in str(api.audit(tenant.org.id))
    dup = caller.post("/inbox/mail-accounts", json=_account_body(9, 9))
    assert_error(dup, 409, "conflict")


def test_mail_account_dkim_fields_go_together(api, tenant):
    caller = api.with_key(tenant)
    counts = api.counts()
    body = _account_body(9, 9, dkim_domain="acme.example", dkim_selector="s1")
    assert_error(caller.post("/inbox/mail-accounts", json=body), 422, "invalid_input")
    assert api.counts() == counts


def test_connection_check_against_real_servers(api, tenant, mail_servers):
    imap_port, smtp_port, _ = mail_servers
    caller = api.with_key(tenant)
    good = caller.post("/inbox/mail-accounts", json=_account_body(imap_port, smtp_port)).json()
    r = caller.post(f"/inbox/mail-accounts/{good['id']}/test")
    assert r.status_code == 200, r.text
    assert (r.json()["imap"], r.json()["smtp"]) == ("ok", "ok")
    body = _account_body(imap_port, smtp_port, email_address="b@acme.example", password="wrong")
    bad = caller.post("/inbox/mail-accounts", json=body).json()
    check = caller.post(f"/inbox/mail-accounts/{bad['id']}/test").json()
    assert (check["imap"], check["smtp"]) == ("failed", "failed")
    assert "login refused" in check["imap_error"] and "login refused" in check["smtp_error"]
    shown = {a["id"]: a for a in caller.get("/inbox/mail-accounts").json()["items"]}
    assert shown[good["id"]]["last_check_error"] == ""
    assert shown[bad["id"]]["last_check_error"].startswith("imap: IMAP login refused")
    assert "wrong" not in str(shown)


def test_poll_moves_the_cursor_and_send_signs_and_honours_suppressions(api, tenant, mail_servers):
    imap_port, smtp_port, received = mail_servers
    pair = generate("acme.example", "ls1", bits=1024)
    body = _account_body(
        imap_port,
        smtp_port,
        email_address="poll@acme.example",
        mailbox="PollBox",
        dkim_domain="acme.example",
        dkim_selector="ls1",
        dkim_private_key=pair.private_key_pem.decode(),
    )
    account_id = api.with_key(tenant).post("/inbox/mail-accounts", json=body).json()["id"]
    client = imaplib.IMAP4("127.0.0.1", imap_port)
    client.login(IMAP_USER, IMAP_PASSWORD)
    client.create("PollBox")
    client.append("PollBox", None, None, eml("gmail_reply"))
    client.logout()
    box = api.client.app.state.box

    with unit_of_work(api.sessions) as s:
        result = accounts.poll(s, tenant.org.id, account_id, box, now=utcnow(), allow_private=True)
    assert [m.external_id for m in result.messages] == ["<CAF4a5b6c7d8e9@mail.gmail.com>"]
    assert result.messages[0].store_ref == "poll@acme.example"
    [cursor] = _rows(api, MailboxCursor)
    assert (cursor.mailbox, cursor.last_uid) == ("PollBox", result.cursor.last_uid)
    with unit_of_work(api.sessions) as s:
        again = accounts.poll(s, tenant.org.id, account_id, box, now=utcnow(), allow_private=True)
        assert again.messages == []

    received.messages.clear()
    reply = OutboundEmail(
        from_address="poll@acme.example",
        to_address="jose.garcia.buyer@gmail.com",
        subject="Re: Your order",
        text="It ships today.",
        in_reply_to="<CAF4a5b6c7d8e9@mail.gmail.com>",
    )
    with unit_of_work(api.sessions) as s:
        accounts.send(s, tenant.org.id, account_id, box, reply, now=utcnow(), allow_private=True)
    [got] = received.messages
    msg = email.message_from_bytes(got.content, policy=default_policy)
    assert msg["In-Reply-To"] == "<CAF4a5b6c7d8e9@mail.gmail.com>"
    dns = {f"{pair.record_name}.".encode(): pair.record_value.encode()}
    assert dkim.verify(got.content, dnsfunc=lambda name, timeout=5: dns[name])

    with unit_of_work(api.sessions) as s:
        suppressions.suppress(s, tenant.org.id, "jose.garcia.buyer@gmail.com", channel="email")
    with pytest.raises(RecipientSuppressed), unit_of_work(api.sessions) as s:
        accounts.send(s, tenant.org.id, account_id, box, reply, now=utcnow(), allow_private=True)
    assert len(received.messages) == 1


def test_mailbox_poll_job_threads_the_mail_and_a_reply_leaves_by_smtp(
    api, tenant, settings, mail_servers, monkeypatch
):
    from linkstar.db.outbox import JobContext
    from linkstar.inbox import replies
    from linkstar.inbox.mail import tasks as mail_tasks
    from linkstar.inbox.models import InboxMessage, InboxThread

    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    get_settings.cache_clear()  # the job reads the process settings, not the fixture's
    imap_port, smtp_port, received = mail_servers
    body = _account_body(imap_port, smtp_port, email_address="flow@acme.example", mailbox="Flow")
    caller = api.with_key(tenant)
    account_id = caller.post("/inbox/mail-accounts", json=body).json()["id"]
    client = imaplib.IMAP4("127.0.0.1", imap_port)
    client.login(IMAP_USER, IMAP_PASSWORD)
    client.create("Flow")
    client.append("Flow", None, None, eml("gmail_reply"))
    client.logout()
    job = JobContext("j-1", "inbox.poll_mail", tenant.org.id, {"account_id": account_id})

    for _ in range(2):  # the second poll finds nothing new and stores nothing
        with unit_of_work(api.sessions) as s:
            mail_tasks.poll_mail(s, job)
    [thread] = _rows(api, InboxThread)
    [message] = _rows(api, InboxMessage)
    assert (thread.channel, thread.store_ref) == ("email", "flow@acme.example")
    assert message.external_id == "<CAF4a5b6c7d8e9@mail.gmail.com>"
    with api.sessions() as s:
        assert s.get(InboxMessage, message.id).raw == eml("gmail_reply")  # kept byte for byte

    received.messages.clear()
    reply = caller.post(
        f"/inbox/threads/{thread.id}/replies", json={"body": "It ships today, sorry for the wait."}
    )
    assert reply.status_code == 201, reply.text
    reply_id = reply.json()["message"]["id"]
    with unit_of_work(api.sessions) as s:
        outcome = replies.send(s, tenant.org.id, reply_id)
    assert outcome.status == "sent"
    [got] = received.messages
    sent = email.message_from_bytes(got.content, policy=default_policy)
    assert sent["From"].addresses[0].addr_spec == "flow@acme.example"
    assert sent["To"].addresses[0].addr_spec == thread.buyer_address
    assert sent["In-Reply-To"] == "<CAF4a5b6c7d8e9@mail.gmail.com>"
    assert "It ships today" in sent.get_body(("plain",)).get_content()

    with unit_of_work(api.sessions) as s:
        suppressions.suppress(s, tenant.org.id, thread.buyer_address, channel="email")
    second = caller.post(f"/inbox/threads/{thread.id}/replies", json={"body": "One more thing."})
    with unit_of_work(api.sessions) as s:
        refused = replies.send(s, tenant.org.id, second.json()["message"]["id"])
    assert refused.status == "failed" and "suppress" in refused.reason
    assert len(received.messages) == 1  # nothing left for a suppressed buyer


def test_an_unreadable_mail_is_kept_raw_with_the_reason():
    from linkstar.inbox.channels.imap import MailFailure
    from linkstar.inbox.mail.tasks import unusable_as_message

    kept = unusable_as_message(MailFailure(7, b"\x00garbage", "no headers"), "a@b.example", 42)
    assert kept.external_id == "imap:a@b.example:42:7"
    assert kept.raw == b"\x00garbage" and kept.raw_content_type == "message/rfc822"
    assert kept.warnings == ("unusable_mime: no headers",)


def test_production_refuses_private_mail_hosts_everywhere(
    api, tenant, settings, mail_servers, monkeypatch
):
    from linkstar.db.outbox import JobContext
    from linkstar.inbox.mail import tasks as mail_tasks
    from linkstar.inbox.mail.delivery import EmailSender
    from linkstar.inbox.sending import OutboundMessage, SendRefused
    from linkstar.kit.netguard import HostRefused

    imap_port, smtp_port, received = mail_servers
    caller = api.with_key(tenant)
    body = _account_body(imap_port, smtp_port, email_address="ssrf@acme.example")
    account_id = caller.post("/inbox/mail-accounts", json=body).json()["id"]
    strict = settings.model_copy(update={"allow_private_mail_hosts": False})
    api.client.app.state.settings = strict
    before = api.snapshot(tenant.org.id)
    tested = caller.post(f"/inbox/mail-accounts/{account_id}/test")
    refused = assert_error(tested, 422, "host_refused")
    assert refused["message"] == (
        "IMAP host 127.0.0.1 is a loopback address; LinkStar does not connect to private networks"
    )
    assert api.snapshot(tenant.org.id) == before  # no check recorded, no connection made

    box = api.client.app.state.box
    received.messages.clear()
    with pytest.raises(HostRefused), unit_of_work(api.sessions) as s:
        accounts.poll(s, tenant.org.id, account_id, box, now=utcnow(), allow_private=False)
    mail = OutboundEmail(from_address="ssrf@acme.example", to_address="b@example.org",
                         subject="Hi", text="Hello")  # fmt: skip
    with pytest.raises(HostRefused), unit_of_work(api.sessions) as s:
        accounts.send(s, tenant.org.id, account_id, box, mail, now=utcnow(), allow_private=False)

    # The jobs read the process settings: the poll fails and the reply is refused, with reasons.
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ALLOW_PRIVATE_MAIL_HOSTS", "false")
    get_settings.cache_clear()
    try:
        job = JobContext("j-1", "inbox.poll_mail", tenant.org.id, {"account_id": account_id})
        with (
            pytest.raises(HostRefused, match=r"^IMAP host 127\.0\.0\.1 is a loopback"),
            unit_of_work(api.sessions) as s,
        ):
            mail_tasks.poll_mail(s, job)
        message = OutboundMessage("m-1", tenant.org.id, "email", "ssrf@acme.example",
                                  "b@example.org", "", "Re: Hi", "Hi", False, "", "")  # fmt: skip
        with (
            pytest.raises(SendRefused, match=r"^SMTP host 127\.0\.0\.1 is a loopback"),
            unit_of_work(api.sessions) as s,
        ):
            EmailSender().send(s, message)
    finally:
        get_settings.cache_clear()
    assert received.messages == [] and _rows(api, MailboxCursor) == []
    assert api.snapshot(tenant.org.id) == before
