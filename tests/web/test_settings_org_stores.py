"""Settings → Organisation and Stores: happy paths, errors next to fields, exact rows written."""

from __future__ import annotations

import re

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.workspace.models import AuditEntry, Organisation, Store
from tests.web.conftest import audit_actions, count, snapshot


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{name}">([^<]*)</p>', html)
    assert found, f"no error shown for {name}"
    return found.group(1)


def last_audit(sessions, organisation_id: str) -> AuditEntry:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return s.scalars(
            select(AuditEntry)
            .where(AuditEntry.organisation_id == organisation_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        ).first()


def stores_of(sessions, organisation_id: str) -> list[Store]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return list(s.scalars(select(Store).where(Store.organisation_id == organisation_id)))


# Organisation -------------------------------------------------------------------------------


def test_organisation_form_saves_and_audits(tenant, owner, sessions):
    page = owner.get("/settings/organisation")
    assert 'value="Acme Trading"' in page.text
    data = {
        "name": "Acme Global",
        "timezone": "Europe/Berlin",
        "base_currency": "eur",
        "audit_retention_days": "120",
    }
    response = owner.post("/settings/organisation", data)
    assert response.status_code == 303
    assert "Organisation settings saved." in owner.follow(response).text
    with unit_of_work(sessions) as s:
        org = s.get(Organisation, tenant.org.id)
        assert (org.name, org.timezone, org.base_currency, org.audit_retention_days) == (
            "Acme Global",
            "Europe/Berlin",
            "EUR",
            120,
        )
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "organisation.update"
    assert entry.before["name"] == "Acme Trading" and entry.after["name"] == "Acme Global"
    assert entry.after["audit_retention_days"] == 120
    assert entry.actor_id == tenant.owner.id


def test_organisation_form_reports_each_bad_field_and_writes_nothing(tenant, owner, sessions):
    before = snapshot(sessions)
    data = {
        "name": "",
        "timezone": "Mars/Olympus",
        "base_currency": "EURO",
        "audit_retention_days": "30",
    }
    response = owner.post("/settings/organisation", data)
    assert response.status_code == 422
    assert field_error(response.text, "name")
    assert "Mars/Olympus" in field_error(response.text, "timezone")
    assert "ISO 4217" in field_error(response.text, "base_currency")
    assert "90" in field_error(response.text, "audit_retention_days")
    assert 'value="Mars/Olympus"' in response.text and 'value="30"' in response.text
    assert snapshot(sessions) == before


# Stores -------------------------------------------------------------------------------------


def store_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Amazon US",
        "channel": "amazon",
        "region": "us",
        "currency": "usd",
        "external_id": "A1B2C3",
        "cred_key_1": "refresh_token",
        "cred_value_1": "Atzr|super-secret-refresh-9876",
    }
    data.update(overrides)
    return data


def test_store_create_encrypts_credentials_and_shows_only_a_hint(tenant, owner, sessions):
    response = owner.post("/settings/stores", store_form())
    assert response.status_code == 303
    listing = owner.follow(response)
    assert "Store Amazon US connected." in listing.text
    (store,) = stores_of(sessions, tenant.org.id)
    assert (store.name, store.channel, store.region, store.currency, store.external_id) == (
        "Amazon US",
        "amazon",
        "US",
        "USD",
        "A1B2C3",
    )
    assert store.credentials_encrypted and "super-secret" not in store.credentials_encrypted
    assert store.credentials_hint.startswith("refresh_token=") and store.credentials_hint.endswith(
        "9876"
    )
    for html in (listing.text, owner.get(f"/settings/stores/{store.id}").text):
        assert "super-secret" not in html
        assert "refresh_token=••••9876" in html
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "store.create" and entry.entity_id == store.id
    assert "credentials_encrypted" not in entry.after
    # The edit form never puts a secret back into a field.
    edit = owner.get(f"/settings/stores/{store.id}").text
    assert 'type="password" value=' not in edit


def test_store_create_errors_keep_input_but_not_secrets(tenant, owner, sessions):
    before = snapshot(sessions)
    response = owner.post(
        "/settings/stores",
        store_form(name="", currency="dollars", cred_key_2="", cred_value_2="orphan-secret"),
    )
    assert response.status_code == 422
    assert field_error(response.text, "name")
    assert "ISO 4217" in field_error(response.text, "currency")
    assert "Name this secret" in field_error(response.text, "cred_key_2")
    assert 'value="dollars"' in response.text and 'value="A1B2C3"' in response.text
    assert "super-secret" not in response.text and "orphan-secret" not in response.text
    assert snapshot(sessions) == before


def test_duplicate_store_name_is_a_conflict_next_to_the_name(tenant, owner, sessions):
    assert owner.post("/settings/stores", store_form()).status_code == 303
    actions = audit_actions(sessions, tenant.org.id)
    response = owner.post("/settings/stores", store_form(channel="ebay"))
    assert response.status_code == 409
    assert "already exists" in field_error(response.text, "name")
    assert len(stores_of(sessions, tenant.org.id)) == 1
    assert audit_actions(sessions, tenant.org.id) == actions


def test_store_edit_keeps_adds_or_clears_credentials(tenant, owner, sessions):
    owner.post("/settings/stores", store_form())
    (store,) = stores_of(sessions, tenant.org.id)
    sealed = store.credentials_encrypted
    form = {"name": "Amazon USA", "region": "US", "currency": "USD", "external_id": "A1B2C3"}
    response = owner.post(f"/settings/stores/{store.id}", form)
    assert response.status_code == 303
    (store,) = stores_of(sessions, tenant.org.id)
    assert store.name == "Amazon USA" and store.credentials_encrypted == sealed
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "store.update"
    assert entry.before["name"] == "Amazon US" and entry.after["name"] == "Amazon USA"

    owner.post(
        f"/settings/stores/{store.id}",
        {**form, "cred_key_1": "token", "cred_value_1": "new-secret-value-0001"},
    )
    (store,) = stores_of(sessions, tenant.org.id)
    # the typed secret is added to the stored refresh token, which stays
    assert store.credentials_hint == "refresh_token=••••9876, token=••••0001"
    assert store.credentials_encrypted != sealed

    owner.post(f"/settings/stores/{store.id}", {**form, "clear_credentials": "1"})
    (store,) = stores_of(sessions, tenant.org.id)
    assert store.credentials_encrypted is None and store.credentials_hint == ""


def test_store_edit_error_renders_the_form_again(tenant, owner, sessions):
    owner.post("/settings/stores", store_form())
    owner.post("/settings/stores", store_form(name="Shopify EU", channel="shopify"))
    first, second = sorted(stores_of(sessions, tenant.org.id), key=lambda s: s.name)
    before = snapshot(sessions)
    form = {"name": second.name, "region": "X", "currency": "USD", "external_id": ""}
    response = owner.post(f"/settings/stores/{first.id}", form)
    assert response.status_code == 422
    assert field_error(response.text, "region")
    assert snapshot(sessions) == before
    form["region"] = "US"
    response = owner.post(f"/settings/stores/{first.id}", form)
    assert response.status_code == 409
    assert "already exists" in field_error(response.text, "name")
    assert snapshot(sessions) == before


def test_store_deactivate_activate_and_delete(tenant, owner, sessions):
    owner.post("/settings/stores", store_form())
    (store,) = stores_of(sessions, tenant.org.id)
    response = owner.post(f"/settings/stores/{store.id}/deactivate")
    assert "Store Amazon US deactivated." in owner.follow(response).text
    assert stores_of(sessions, tenant.org.id)[0].is_active is False
    assert last_audit(sessions, tenant.org.id).after == {
        "is_active": False,
        "updated_at": last_audit(sessions, tenant.org.id).after["updated_at"],
    }
    owner.post(f"/settings/stores/{store.id}/activate")
    assert stores_of(sessions, tenant.org.id)[0].is_active is True
    response = owner.post(f"/settings/stores/{store.id}/delete")
    assert "Store Amazon US deleted." in owner.follow(response).text
    assert stores_of(sessions, tenant.org.id) == []
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "store.delete" and entry.before["name"] == "Amazon US"
    assert owner.get(f"/settings/stores/{store.id}").status_code == 404


def test_markup_in_names_is_escaped_everywhere(tenant, owner, sessions):
    evil = "<script>alert(1)</script>"
    assert owner.post("/settings/stores", store_form(name=evil)).status_code == 303
    (store,) = stores_of(sessions, tenant.org.id)
    for path in ("/settings/stores", f"/settings/stores/{store.id}", "/settings/audit"):
        html = owner.get(path).text
        assert evil not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    # Flash messages travel in a cookie and are escaped when shown.
    response = owner.post(f"/settings/stores/{store.id}/deactivate")
    html = owner.follow(response).text
    assert evil not in html and "Store &lt;script&gt;" in html
    assert count(sessions, Store) == 1
