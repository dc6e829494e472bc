"""Settings → Warehouses and Users: forms, conflicts, role escalation."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.workspace.core import Role
from linkstar.workspace.models import User, Warehouse
from tests.web.conftest import audit_actions, snapshot
from tests.web.test_settings_org_stores import field_error, last_audit


def warehouses_of(sessions, organisation_id: str) -> list[Warehouse]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        stmt = select(Warehouse).where(Warehouse.organisation_id == organisation_id)
        return list(s.scalars(stmt))


def warehouse_form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "lax-1",
        "name": "Los Angeles 3PL",
        "kind": "3pl",
        "line1": "100 Harbor Way",
        "line2": "",
        "city": "Carson",
        "state": "CA",
        "postcode": "90745",
        "country": "us",
        "timezone": "America/Los_Angeles",
        "cutoff_time": "14:30",
    }
    data.update(overrides)
    return data


def test_warehouse_create_normalises_and_audits(tenant, owner, sessions):
    response = owner.post("/settings/warehouses", warehouse_form())
    assert response.status_code == 303
    assert "Warehouse LAX-1 · Los Angeles 3PL added." in owner.follow(response).text
    (w,) = warehouses_of(sessions, tenant.org.id)
    assert (w.code, w.kind, w.country, w.timezone, w.cutoff_time, w.state, w.is_active) == (
        "LAX-1",
        "3pl",
        "US",
        "America/Los_Angeles",
        time(14, 30),
        "CA",
        True,
    )
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "warehouse.create" and entry.after["code"] == "LAX-1"
    listing = owner.get("/settings/warehouses").text
    assert "LAX-1" in listing and "14:30" in listing and "3PL" in listing


def test_warehouse_errors_are_shown_next_to_fields(tenant, owner, sessions):
    before = snapshot(sessions)
    response = owner.post(
        "/settings/warehouses",
        warehouse_form(
            code="bad code!", country="USA", timezone="Nowhere/City", cutoff_time="25:00"
        ),
    )
    assert response.status_code == 422
    assert "alpha-2" in field_error(response.text, "country")
    assert "Nowhere/City" in field_error(response.text, "timezone")
    assert field_error(response.text, "cutoff_time")
    assert 'value="bad code!"' in response.text and 'value="Carson"' in response.text
    # The code rule lives in the service: it answers once the schema is satisfied.
    response = owner.post("/settings/warehouses", warehouse_form(code="bad code!"))
    assert response.status_code == 422
    assert "A-Z" in field_error(response.text, "code")
    assert snapshot(sessions) == before


def test_duplicate_warehouse_code_is_a_conflict(tenant, owner, sessions):
    owner.post("/settings/warehouses", warehouse_form())
    before = snapshot(sessions)
    response = owner.post("/settings/warehouses", warehouse_form(code="LAX-1", name="Other"))
    assert response.status_code == 409
    assert "already used" in field_error(response.text, "code")
    assert snapshot(sessions) == before


def test_warehouse_edit_changes_fields_and_activity(tenant, owner, sessions):
    owner.post("/settings/warehouses", warehouse_form())
    (w,) = warehouses_of(sessions, tenant.org.id)
    edit = owner.get(f"/settings/warehouses/{w.id}").text
    assert 'value="14:30"' in edit and 'name="code"' not in edit
    form = warehouse_form(name="LA Harbor", kind="own", cutoff_time="16:00")
    del form["code"]
    response = owner.post(f"/settings/warehouses/{w.id}", form)  # is_active unticked
    assert response.status_code == 303
    (w,) = warehouses_of(sessions, tenant.org.id)
    assert (w.name, w.kind, w.cutoff_time, w.is_active, w.code) == (
        "LA Harbor",
        "own",
        time(16),
        False,
        "LAX-1",
    )
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "warehouse.update"
    assert entry.before["name"] == "Los Angeles 3PL" and entry.after["is_active"] is False
    before = snapshot(sessions)
    response = owner.post(f"/settings/warehouses/{w.id}", {**form, "postcode": ""})
    assert response.status_code == 422 and field_error(response.text, "postcode")
    assert snapshot(sessions) == before


# Users --------------------------------------------------------------------------------------


def users_of(sessions, organisation_id: str) -> dict[str, User]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        users = s.scalars(select(User).where(User.organisation_id == organisation_id))
        return {u.email: u for u in users}


def test_invite_user_creates_the_account(tenant, owner, sessions):
    form = {
        "email": "Ops@Acme.example",
        "full_name": "Olga Ops",
        "role": "operator",
        "password": "Warehouse-Ready-7",
    }
    response = owner.post("/settings/users", form)
    assert response.status_code == 303
    assert "ops@acme.example can now sign in as operator." in owner.follow(response).text
    user = users_of(sessions, tenant.org.id)["ops@acme.example"]
    assert (user.role, user.full_name, user.is_active) == ("operator", "Olga Ops", True)
    assert user.password_hash.startswith("$argon2")
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "user.create" and "password_hash" not in entry.after


def test_invite_errors_weak_password_and_duplicate_email(tenant, owner, sessions):
    before = snapshot(sessions)
    form = {"email": "not-an-email", "full_name": "X", "role": "agent", "password": "pw"}
    response = owner.post("/settings/users", form)
    assert response.status_code == 422
    assert field_error(response.text, "email")
    assert 'value="not-an-email"' in response.text
    response = owner.post("/settings/users", {**form, "email": "x@acme.example"})
    assert response.status_code == 422
    assert "at least 10" in field_error(response.text, "password")
    response = owner.post(
        "/settings/users", {**form, "email": tenant.owner.email, "password": "Long-Enough-77"}
    )
    assert response.status_code == 409
    assert "already has an account" in field_error(response.text, "email")
    assert snapshot(sessions) == before


def test_admin_cannot_grant_owner(tenant, make_user, browser_factory, sessions):
    admin = make_user(tenant, Role.admin)
    agent = make_user(tenant, Role.agent)
    browser = browser_factory(admin)
    page = browser.get("/settings/users/new").text
    assert 'value="owner"' not in page and 'value="admin"' in page
    before = snapshot(sessions)
    response = browser.post(
        "/settings/users",
        {"email": "boss@acme.example", "role": "owner", "password": "Long-Enough-77"},
    )
    assert response.status_code == 403
    assert "cannot grant the owner role" in response.text
    response = browser.post(f"/settings/users/{agent.id}/role", {"role": "owner"})
    assert response.status_code == 403
    assert "cannot grant the owner role" in response.text
    # Nor can an admin touch the owner's account.
    response = browser.post(f"/settings/users/{tenant.owner.id}/role", {"role": "viewer"})
    assert response.status_code == 403
    assert snapshot(sessions) == before
    listing = browser.get("/settings/users").text
    assert f'action="/settings/users/{tenant.owner.id}/role"' not in listing
    assert f'action="/settings/users/{agent.id}/role"' in listing


def test_change_role_and_deactivate(tenant, owner, make_user, sessions):
    agent = make_user(tenant, Role.agent)
    response = owner.post(f"/settings/users/{agent.id}/role", {"role": "operator"})
    assert response.status_code == 303
    assert f"{agent.email} is now operator." in owner.follow(response).text
    assert users_of(sessions, tenant.org.id)[agent.email].role == "operator"
    entry = last_audit(sessions, tenant.org.id)
    assert entry.action == "user.update"
    assert entry.before["role"] == "agent" and entry.after["role"] == "operator"
    owner.post(f"/settings/users/{agent.id}/deactivate")
    assert users_of(sessions, tenant.org.id)[agent.email].is_active is False
    owner.post(f"/settings/users/{agent.id}/activate")
    assert users_of(sessions, tenant.org.id)[agent.email].is_active is True
    before = snapshot(sessions)
    response = owner.post(f"/settings/users/{agent.id}/role", {"role": "emperor"})
    assert response.status_code == 422 and "Choose one of the listed roles." in response.text
    assert snapshot(sessions) == before


def test_cannot_deactivate_yourself_or_the_last_owner(tenant, owner, sessions):
    actions = audit_actions(sessions, tenant.org.id)
    response = owner.post(f"/settings/users/{tenant.owner.id}/deactivate")
    assert response.status_code in (409, 422)
    assert "owner" in response.text.lower() or "yourself" in response.text
    response = owner.post(f"/settings/users/{tenant.owner.id}/role", {"role": "admin"})
    assert response.status_code == 409
    assert "at least one active owner" in response.text
    assert users_of(sessions, tenant.org.id)[tenant.owner.email].role == "owner"
    assert audit_actions(sessions, tenant.org.id) == actions
