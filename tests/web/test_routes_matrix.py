"""Every console route, walked: CSRF, permissions per role, and tenant isolation."""

from __future__ import annotations

import pytest

from linkstar.workspace.core import ROLE_PERMISSIONS, Role
from tests.web.cases import CASES, case_for, route_keys
from tests.web.conftest import seed, snapshot

ROLES = [Role.admin, Role.operator, Role.agent, Role.viewer]


def send(browser, case, ids, **kwargs):  # type: ignore[no-untyped-def]
    path = case.path(ids)
    if case.method == "GET":
        return browser.get(path)
    return browser.post(path, case.form, **kwargs)


def test_every_console_route_has_a_case(app):
    keys = route_keys(app)
    assert len(keys) >= 30
    for key in keys:
        case_for(key)
    assert set(CASES) == set(keys), "cases for routes that no longer exist"


def test_every_console_post_needs_the_csrf_token(app, owner, sessions, seeded):
    before = snapshot(sessions)
    for key in route_keys(app):
        case = case_for(key)
        if case.method != "POST" or case.is_auth:
            continue  # sign-in has its own double-submit token; sign-out: tests/web/test_auth
        path = case.path(seeded)
        missing = owner.post(path, case.form, csrf=False)
        assert missing.status_code == 403, (path, missing.status_code)
        assert "CSRF" in missing.text
        wrong = owner.post(path, {**case.form, "csrf_token": owner.csrf[:-2] + "xx"}, csrf=False)
        assert wrong.status_code == 403, path
        header = owner.post(
            path, case.form, csrf=False, headers={"X-CSRF-Token": "forged", "HX-Request": "true"}
        )
        assert header.status_code == 403, path
        assert header.headers["HX-Retarget"] == "#flash"
    assert snapshot(sessions) == before


def test_the_csrf_header_is_accepted_for_htmx(owner, seeded, sessions):
    response = owner.post(
        f"/settings/api-keys/{seeded.key_id}/revoke",
        csrf=False,
        headers={"X-CSRF-Token": owner.csrf, "HX-Request": "true"},
    )
    assert response.status_code == 200 and "Revoked" in response.text


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_permission_matrix(app, role, tenant, seeded, make_user, browser_factory, sessions):
    """Pages a role lacks the permission for answer 403; its writes change nothing."""
    browser = browser_factory(make_user(tenant, role))
    held = ROLE_PERMISSIONS[role]
    before = snapshot(sessions)
    for key in route_keys(app):
        case = case_for(key)
        if case.is_auth or case.needs is None:
            continue
        allowed = case.needs in held
        if case.method == "POST":
            if allowed:
                continue  # the happy paths live in the settings tests
            response = send(browser, case, seeded)
            assert response.status_code == 403, (role, key, response.status_code)
            assert "lacks the" in response.text
        else:
            response = send(browser, case, seeded)
            expected = case.ok_status if allowed else 403
            assert response.status_code == expected, (role, key, response.status_code)
    assert snapshot(sessions) == before


def test_viewer_sees_no_edit_controls(tenant, seeded, make_user, browser_factory):
    viewer = browser_factory(make_user(tenant, Role.viewer))
    pages = [
        "/",
        "/settings/organisation",
        "/settings/stores",
        f"/settings/stores/{seeded.store_id}",
        "/settings/warehouses",
        f"/settings/warehouses/{seeded.warehouse_id}",
        "/settings/users",
    ]
    for path in pages:
        html = viewer.get(path).text
        forms = html.count('method="post"')
        assert forms == 1, (path, forms)  # only the sign-out form
        for label in ("Connect a store", "Add warehouse", "Invite user", "Save changes", ">Edit<"):
            assert label not in html, (path, label)
    nav = viewer.get("/").text
    assert "/settings/audit" not in nav and "/settings/jobs" not in nav
    assert "/settings/api-keys" not in viewer.get("/settings/users").text


def test_agent_cannot_open_the_audit_log(tenant, make_user, browser_factory):
    agent = browser_factory(make_user(tenant, Role.agent))
    response = agent.get("/settings/audit")
    assert response.status_code == 403
    assert "lacks the audit:read permission" in response.text
    assert 'aria-label="Modules"' in response.text  # the 403 page keeps the console around it


def test_tenant_isolation(app, make_tenant, tenant, owner, seeded, sessions):
    """Signed in to A, every route applied to B's ids is 404 and B's rows stay as they were."""
    other = make_tenant("Bravo Freight")
    bravo = seed(sessions, other, app.state.box, "Bravo")
    before_b = snapshot(sessions, other.org.id)
    for key in route_keys(app):
        case = case_for(key)
        if case.is_auth:
            continue
        if case.has_id:
            response = send(owner, case, bravo)
            assert response.status_code == 404, (key, response.status_code)
            continue
        response = send(owner, case, seeded)
        assert response.status_code == case.ok_status, (key, response.status_code)
        if case.method == "GET" and response.status_code == 200:
            assert "Bravo" not in response.text, key  # lists show only A's rows
    assert snapshot(sessions, other.org.id) == before_b
    listing = owner.get("/settings/stores").text
    assert "Injected Store" in listing or "Alpha Store" in listing
