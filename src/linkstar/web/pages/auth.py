"""Sign-in and sign-out of the console."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from linkstar.config import Settings
from linkstar.kit.errors import Throttled, Unauthenticated
from linkstar.kit.ids import constant_time_equal, new_token
from linkstar.web import flash
from linkstar.web.context import (
    CSRF_FIELD,
    SESSION_COOKIE,
    DbSession,
    check_csrf,
    console_page,
    layout_context,
    read_form,
)
from linkstar.web.templating import render_html
from linkstar.workspace import auth

router = APIRouter()
# Double-submit token of the sign-in form (there is no session yet to hold one).
LOGIN_CSRF_COOKIE = "linkstar_login_csrf"
_NOT_A_DESTINATION = ("/login", "/logout")


def safe_next(value: str | None) -> str:
    """A same-site relative path to go to after signing in; anything else becomes '/'."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ch in value for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(_NOT_A_DESTINATION):
        return "/"
    return value


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _login_page(
    request: Request,
    next_path: str,
    *,
    email: str = "",
    error: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = new_token(24)
    context: dict[str, Any] = layout_context(request, None)
    context.update(
        notices=flash.pending(request),
        next_path=next_path,
        email=email,
        error=error,
        login_csrf=token,
    )
    response = render_html("login.html", context, status=status, headers=headers)
    flash.consume(request, response)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_settings(request).secure_cookies,
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: DbSession, next: str = "") -> Response:
    """The sign-in form (a visitor already signed in goes straight on)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            auth.principal_from_session(session, token)
            return RedirectResponse(safe_next(next), status_code=303)
        except Unauthenticated:
            pass
    return _login_page(request, safe_next(next) if next else "")


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request, session: DbSession, form: Annotated[FormData, Depends(read_form)]
) -> Response:
    """Check the credentials under throttling and open a session."""
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""))
    sent = form.get(CSRF_FIELD)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not isinstance(sent, str) or not expected or not constant_time_equal(sent, expected):
        message = "The sign-in form expired. Please try again."
        return _login_page(request, next_path, email=email, error=message, status=403)
    settings = _settings(request)
    try:
        result = auth.login(
            session,
            email,
            password,
            ip=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
            session_max_age_seconds=settings.session_max_age_seconds,
        )
    except Throttled as exc:
        minutes = max(1, round(exc.retry_after / 60))
        message = f"Too many failed sign-in attempts. Try again in about {minutes} minutes."
        headers = {"Retry-After": str(exc.retry_after)}
        return _login_page(
            request, next_path, email=email, error=message, status=429, headers=headers
        )
    except Unauthenticated:
        # The failed attempt is committed with the response: it counts towards throttling.
        message = "Wrong e-mail or password."
        return _login_page(request, next_path, email=email, error=message, status=401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request, session: DbSession, form: Annotated[FormData, Depends(read_form)]
) -> Response:
    """End the session server-side and drop the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    response = RedirectResponse("/login", status_code=303)
    if token:
        try:
            page = console_page(request, session)
        except Unauthenticated:
            page = None
        if page is not None:
            check_csrf(page, form)
            auth.logout(session, token)
            flash.push(request, response, "success", "You have signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
