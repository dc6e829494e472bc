"""Settings → Mail accounts and Suppressions: password write-only, test, add, remove, escape."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.inbox.mail.models import MailAccount, Suppression
from tests.web.cases import MAIL_ACCOUNT_FORM
from tests.web.test_settings_org_stores import last_audit


def rows(sessions, model, organisation_id: str) -> list:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return list(s.scalars(select(model).where(model.organisation_id == organisation_id)))


def test_connect_test_and_disconnect_a_mailbox(tenant, owner, sessions):
    form = {**MAIL_ACCOUNT_FORM, "name": "<b>Support</b>", "password": "Pa55-word-never-shown"}
    response = owner.post("/settings/mail-accounts", form)
    assert response.status_code == 303, response.text
    (account,) = rows(sessions, MailAccount, tenant.org.id)
    listing = owner.get("/settings/mail-accounts").text
    assert "&lt;b&gt;Support&lt;/b&gt;" in listing and "<b>Support</b>" not in listing
    assert "Pa55-word-never-shown" not in listing and "••••hown" in listing
    assert last_audit(sessions, tenant.org.id).action == "mail_account.create"

    tested = owner.post(f"/settings/mail-accounts/{account.id}/test", {})
    assert tested.status_code == 303
    page = owner.get("/settings/mail-accounts").text
    assert "Connection failed" in page and "cannot reach IMAP 127.0.0.1:9" in page

    assert owner.post(f"/settings/mail-accounts/{account.id}/delete", {}).status_code == 303
    assert rows(sessions, MailAccount, tenant.org.id) == []


def test_bad_mailbox_form_keeps_input_but_not_the_password(tenant, owner, sessions):
    form = {**MAIL_ACCOUNT_FORM, "imap_port": "99999", "password": "Secret-typed-once"}
    response = owner.post("/settings/mail-accounts", form)
    assert response.status_code == 422
    assert "Secret-typed-once" not in response.text
    assert 'value="Injected Mailbox"' in response.text
    assert rows(sessions, MailAccount, tenant.org.id) == []


def test_suppress_and_remove(tenant, owner, sessions):
    form = {
        "address": "Buyer@Example.org",
        "channel": "email",
        "reason": "complaint",
        "note": "<script>x</script>",
    }
    assert owner.post("/settings/suppressions", form).status_code == 303
    (row,) = rows(sessions, Suppression, tenant.org.id)
    assert (row.address, row.channel, row.reason) == ("buyer@example.org", "email", "complaint")
    page = owner.get("/settings/suppressions").text
    assert "buyer@example.org" in page and "<script>x</script>" not in page
    bad = owner.post("/settings/suppressions", {**form, "address": "a b"})
    assert bad.status_code == 422
    assert owner.post(f"/settings/suppressions/{row.id}/delete", {}).status_code == 303
    assert rows(sessions, Suppression, tenant.org.id) == []


def test_testing_a_private_host_is_refused_in_production(tenant, owner, sessions, app, settings):
    assert owner.post("/settings/mail-accounts", MAIL_ACCOUNT_FORM).status_code == 303
    (account,) = rows(sessions, MailAccount, tenant.org.id)
    app.state.settings = settings.model_copy(update={"allow_private_mail_hosts": False})
    refused = owner.post(f"/settings/mail-accounts/{account.id}/test", {})
    assert refused.status_code == 422
    assert "IMAP host 127.0.0.1 is a loopback address" in refused.text
    (after,) = rows(sessions, MailAccount, tenant.org.id)
    assert (after.last_checked_at, after.last_check_error) == (None, "")
