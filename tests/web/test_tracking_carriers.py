"""Tracking → Carrier accounts: add (secrets masked, never echoed), switch off, poll now,
remove; a viewer sees the list without the controls."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.tracking.carrier_accounts import POLL_JOB
from linkstar.tracking.poll_models import CarrierAccount
from linkstar.workspace.core import Role
from tests.web.test_settings_org_stores import field_error, last_audit


def accounts_of(sessions, organisation_id: str) -> list[CarrierAccount]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        stmt = select(CarrierAccount).where(CarrierAccount.organisation_id == organisation_id)
        return list(s.scalars(stmt))


def test_add_switch_off_poll_and_remove(tenant, owner, sessions):
    empty = owner.get("/tracking/carriers")
    assert empty.status_code == 200 and "No carrier accounts yet" in empty.text
    assert 'href="/tracking/carriers"' in empty.text  # the Tracking tab
    refused = owner.post("/tracking/carriers", {"carrier": "ups", "client_id": "id-123456789",
                                                "client_secret": ""})  # fmt: skip
    assert refused.status_code == 422
    assert "needs client_secret" in field_error(refused.text, "client_secret")
    assert "id-123456789" not in refused.text  # secrets are never put back in the form
    form = {"carrier": "ups", "name": "UPS main", "client_id": "id-123456789",
            "client_secret": "very-secret-4321"}  # fmt: skip
    added = owner.post("/tracking/carriers", form)
    assert added.status_code == 303
    (row,) = accounts_of(sessions, tenant.org.id)
    assert last_audit(sessions, tenant.org.id).action == "tracking_carrier_account.create"
    listing = owner.get("/tracking/carriers").text
    assert "UPS main" in listing and "client_secret=••••4321" in listing
    assert "very-secret-4321" not in listing and "never" in listing
    assert owner.post("/tracking/carriers/poll").status_code == 303
    with unit_of_work(sessions) as s:
        jobs = s.scalars(select(OutboxJob).where(OutboxJob.name == POLL_JOB)).all()
        assert [j.organisation_id for j in jobs] == [tenant.org.id]
    assert owner.post(f"/tracking/carriers/{row.id}/active").status_code == 303
    assert [a.active for a in accounts_of(sessions, tenant.org.id)] == [False]
    assert owner.post(f"/tracking/carriers/{row.id}/active", {"active": "on"}).status_code == 303
    assert [a.active for a in accounts_of(sessions, tenant.org.id)] == [True]
    assert owner.post(f"/tracking/carriers/{row.id}/delete").status_code == 303
    assert accounts_of(sessions, tenant.org.id) == []
    nothing = owner.post("/tracking/carriers/poll", follow_redirects=True)
    assert "no active carrier account" in nothing.text


def test_a_viewer_sees_the_accounts_without_controls(tenant, seeded, make_user, browser_factory):
    viewer = browser_factory(make_user(tenant, Role.viewer))
    html = viewer.get("/tracking/carriers").text
    assert "Alpha DHL" in html and "api_key=••••1234" in html
    assert html.count('method="post"') == 1  # only the sign-out form
    assert "Add a carrier account" not in html and "Poll now" not in html


def test_replace_credentials_and_environment_secrets_never_shown(tenant, owner, sessions):
    form = {"carrier": "usps", "client_id": "id-123456789", "client_secret": "old-secret-1111",
            "environment": "sandbox"}  # fmt: skip
    assert owner.post("/tracking/carriers", form).status_code == 303
    (row,) = accounts_of(sessions, tenant.org.id)
    assert row.environment == "sandbox"
    listing = owner.get("/tracking/carriers").text
    assert (
        "Replace credentials" in listing and f"/tracking/carriers/{row.id}/credentials" in listing
    )
    path = f"/tracking/carriers/{row.id}/credentials"
    refused = owner.post(path, {"client_id": "id-987654321", "client_secret": ""})
    assert refused.status_code == 422 and "Usps needs client_secret" in refused.text
    assert "id-987654321" not in refused.text  # nothing typed is put back
    (same,) = accounts_of(sessions, tenant.org.id)
    assert same.credentials_encrypted == row.credentials_encrypted  # nothing written
    assert last_audit(sessions, tenant.org.id).action == "tracking_carrier_account.create"
    new = {"client_id": "id-987654321", "client_secret": "new-secret-2222",
           "environment": "production"}  # fmt: skip
    replaced = owner.post(path, new, follow_redirects=True)
    assert replaced.status_code == 200 and "USPS credentials replaced." in replaced.text
    assert "client_secret=••••2222" in replaced.text and "new-secret-2222" not in replaced.text
    assert "id-987654321" not in replaced.text  # masked too
    (after,) = accounts_of(sessions, tenant.org.id)
    assert after.credentials_hint == "client_id=••••4321, client_secret=••••2222"
    assert after.environment == "production"
    audit = last_audit(sessions, tenant.org.id)
    assert audit.action == "tracking_carrier_account.update"
    assert "new-secret-2222" not in str([audit.before, audit.after])
