"""Sign-in, sign-out, throttling and the redirect to the sign-in page."""

from __future__ import annotations

import pytest

from linkstar.api import deps as api_deps
from linkstar.web import context
from linkstar.web.pages.auth import LOGIN_CSRF_COOKIE, safe_next
from linkstar.workspace.models import LoginAttempt, UserSession
from tests.conftest import OWNER_PASSWORD
from tests.web.conftest import CSRF_RE, count


def login_form(browser, path: str = "/login"):  # type: ignore[no-untyped-def]
    page = browser.get(path)
    assert page.status_code == 200
    return CSRF_RE.search(page.text).group(1), page  # type: ignore[union-attr]


def sign_in(browser, email: str, password: str, next_path: str = ""):  # type: ignore[no-untyped-def]
    token, _ = login_form(browser)
    data = {"email": email, "password": password, "csrf_token": token, "next": next_path}
    return browser.post("/login", data, csrf=False)


def test_console_uses_the_api_cookie_and_header_names():
    assert context.SESSION_COOKIE == api_deps.SESSION_COOKIE == "linkstar_session"
    assert context.CSRF_HEADER == api_deps.CSRF_HEADER


def test_sign_in_sets_a_hardened_cookie_and_follows_next(
    tenant, browser_factory, sessions, settings
):
    browser = browser_factory()
    response = sign_in(browser, tenant.owner.email.upper(), OWNER_PASSWORD, "/settings/stores")
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/stores"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("linkstar_session=")
    )
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert f"max-age={settings.session_max_age_seconds}" in lowered
    assert "secure" not in lowered  # test settings: not production, cookie_secure unset
    assert count(sessions, UserSession) == 1
    assert count(sessions, LoginAttempt, success=True) == 1
    page = browser.get("/settings/stores")
    assert page.status_code == 200 and "Stores" in page.text


def test_cookie_is_secure_when_settings_say_so(tenant, browser_factory, settings):
    settings.cookie_secure = True
    browser = browser_factory(base_url="https://testserver")
    response = sign_in(browser, tenant.owner.email, OWNER_PASSWORD)
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("linkstar_session=")
    )
    assert "secure" in cookie.lower()


def test_wrong_password_is_refused_and_counted(tenant, browser_factory, sessions):
    browser = browser_factory()
    response = sign_in(browser, tenant.owner.email, "not-the-password")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert tenant.owner.email in response.text  # the e-mail is kept, the password is not
    assert "not-the-password" not in response.text
    assert count(sessions, LoginAttempt, success=False) == 1
    assert count(sessions, UserSession) == 0
    assert "linkstar_session=" not in response.headers.get("set-cookie", "")


def test_throttled_sign_in_says_when_to_retry(tenant, browser_factory, settings, sessions):
    browser = browser_factory()
    for _ in range(settings.login_max_failures):
        assert sign_in(browser, tenant.owner.email, "wrong-password").status_code == 401
    # Even the right password is refused while locked out.
    response = sign_in(browser, tenant.owner.email, OWNER_PASSWORD)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(settings.login_window_seconds)
    assert "Too many failed sign-in attempts" in response.text
    assert count(sessions, UserSession) == 0


def test_sign_in_form_needs_its_csrf_token(tenant, browser_factory, sessions):
    browser = browser_factory()
    login_form(browser)
    data = {"email": tenant.owner.email, "password": OWNER_PASSWORD, "csrf_token": "forged"}
    response = browser.post("/login", data, csrf=False)
    assert response.status_code == 403
    assert count(sessions, UserSession) == 0
    assert count(sessions, LoginAttempt) == 0
    # No cookie at all (a cross-site form post) is refused the same way.
    fresh = browser_factory()
    response = fresh.post("/login", {**data, "csrf_token": ""}, csrf=False)
    assert response.status_code == 403
    assert LOGIN_CSRF_COOKIE
    assert count(sessions, UserSession) == 0


@pytest.mark.parametrize("path", ["/", "/settings/stores?x=1", "/settings/audit"])
def test_signed_out_pages_redirect_to_sign_in(browser_factory, path):
    response = browser_factory().get(path)
    assert response.status_code == 303
    expected = (
        "/login"
        if path == "/"
        else "/login?next=" + path.replace("/", "%2F").replace("?", "%3F").replace("=", "%3D")
    )
    assert response.headers["location"] == expected


def test_htmx_requests_without_a_session_are_sent_to_sign_in(browser_factory):
    response = browser_factory().get("/settings/audit", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=%2Fsettings%2Faudit"


def test_unknown_session_cookie_is_dropped(browser_factory):
    browser = browser_factory()
    browser.client.cookies.set("linkstar_session", "made-up")
    response = browser.get("/settings")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert 'linkstar_session=""' in response.headers["set-cookie"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/settings/users?x=1", "/settings/users?x=1"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("settings", "/"),
        ("/login?next=/x", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_is_only_a_same_site_path(value, expected):
    assert safe_next(value) == expected


def test_sign_in_ignores_an_offsite_next(tenant, browser_factory):
    response = sign_in(browser_factory(), tenant.owner.email, OWNER_PASSWORD, "//evil.example")
    assert response.headers["location"] == "/"


def test_signed_in_visitor_skips_the_form(owner):
    response = owner.get("/login?next=/settings/users")
    assert response.status_code == 303 and response.headers["location"] == "/settings/users"


def test_sign_out_ends_the_session_server_side(owner, sessions):
    assert count(sessions, UserSession) == 1
    token = owner.client.cookies.get("linkstar_session")
    response = owner.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert 'linkstar_session=""' in response.headers.get_list("set-cookie")[-1] or any(
        c.startswith('linkstar_session=""') for c in response.headers.get_list("set-cookie")
    )
    assert count(sessions, UserSession) == 0
    landing = owner.follow(response)
    assert "You have signed out." in landing.text
    # The old cookie value is worthless now.
    owner.client.cookies.set("linkstar_session", token)
    assert owner.get("/").status_code == 303


def test_sign_out_needs_the_csrf_token(owner, sessions):
    assert owner.post("/logout", csrf=False).status_code == 403
    assert owner.post("/logout", {"csrf_token": "wrong"}, csrf=False).status_code == 403
    assert count(sessions, UserSession) == 1


def test_deactivated_user_loses_the_console(tenant, owner, browser_factory, make_user):
    from linkstar.workspace.core import Role

    admin = make_user(tenant, Role.admin)
    admin_browser = browser_factory(admin)
    assert admin_browser.get("/").status_code == 200
    assert owner.post(f"/settings/users/{admin.id}/deactivate").status_code == 303
    assert admin_browser.get("/").status_code == 303
