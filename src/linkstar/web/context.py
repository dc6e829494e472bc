"""Per-request context of a console page: unit of work, signed-in user, CSRF, rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from linkstar.api.deps import CSRF_HEADER, SESSION_COOKIE, DbSession
from linkstar.config import Settings
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import PermissionDenied, Unauthenticated
from linkstar.kit.ids import constant_time_equal
from linkstar.web import flash, nav
from linkstar.web.templating import render_html, time_helpers
from linkstar.workspace import service
from linkstar.workspace.auth import principal_from_session
from linkstar.workspace.core import Permission, Principal

# The console shares the API's cookie, CSRF header and unit of work (one way to do each).
__all__ = ["CSRF_HEADER", "SESSION_COOKIE", "DbSession"]
CSRF_FIELD = "csrf_token"


def is_htmx(request: Request) -> bool:
    """An HTMX swap request (history restores get the full page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


@dataclass(frozen=True)
class Shell:
    """Plain values the layout needs; safe to use after the transaction rolled back."""

    principal: Principal
    csrf_token: str
    org_name: str
    org_timezone: str
    user_email: str
    user_name: str

    @property
    def role(self) -> str:
        return self.principal.role.value if self.principal.role else ""


def layout_context(request: Request, shell: Shell | None) -> dict[str, Any]:
    """Names every full page of the console uses (navigation, user, CSRF, helpers)."""
    path = request.url.path
    context: dict[str, Any] = {
        "shell": shell,
        "path": path,
        "notices": [],
        "nav_not_built": nav.NOT_BUILT,
        **time_helpers(shell.org_timezone if shell else "UTC"),
    }
    if shell is not None:
        context.update(
            modules=nav.visible(nav.MODULES, shell.principal),
            active_module=nav.active_key(nav.MODULES, path),
            settings_sections=nav.visible(nav.SETTINGS_SECTIONS, shell.principal),
            active_section=nav.active_key(nav.SETTINGS_SECTIONS, path),
            address_sections=nav.visible(nav.ADDRESS_SECTIONS, shell.principal),
            active_address_section=nav.active_key(nav.ADDRESS_SECTIONS, path),
            tracking_sections=nav.visible(nav.TRACKING_SECTIONS, shell.principal),
            active_tracking=nav.active_key(nav.TRACKING_SECTIONS, path),
            routing_sections=nav.visible(nav.ROUTING_SECTIONS, shell.principal),
            active_routing=nav.active_key(nav.ROUTING_SECTIONS, path),
            can=lambda p: shell.principal.can(Permission(p)),
            csrf_token=shell.csrf_token,
        )
    return context


@dataclass
class Page:
    """What a console handler works with; `form` is set on POST after the CSRF check."""

    request: Request
    session: Session
    shell: Shell
    form: FormData = field(default_factory=FormData)

    @property
    def principal(self) -> Principal:
        return self.shell.principal

    @property
    def settings(self) -> Settings:
        settings: Settings = self.request.app.state.settings
        return settings

    @property
    def box(self) -> SecretBox:
        box: SecretBox = self.request.app.state.box
        return box

    @property
    def htmx(self) -> bool:
        return is_htmx(self.request)

    def can(self, permission: Permission) -> bool:
        return self.principal.can(permission)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A full page in the console layout, showing (and clearing) pending messages.

        `notices` in the context adds (level, text) messages of this response.
        """
        values = layout_context(self.request, self.shell)
        extra = list(context.pop("notices", []))
        values.update(context)
        # An HTMX request that selects a piece of a full page leaves pending messages alone.
        pending = [] if self.htmx else flash.pending(self.request)
        values["notices"] = pending + extra
        response = render_html(template, values, status=status)
        if pending:
            flash.consume(self.request, response)
        return response

    def fragment(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A piece of a page for an HTMX swap (messages stay for the next full page)."""
        values = layout_context(self.request, self.shell)
        values.update(context)
        return render_html(template, values, status=status)

    def redirect(self, url: str, notice: str = "", level: str = "success") -> Response:
        """POST/redirect/GET, with an optional message for the page it lands on."""
        response = RedirectResponse(url, status_code=303)
        if notice:
            flash.push(self.request, response, level, notice)
        return response


def console_page(request: Request, session: DbSession) -> Page:
    """The signed-in user of the console (a missing or expired session leads to /login)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthenticated("sign in to continue")
    resolved = principal_from_session(session, token)
    principal = resolved.principal
    org = service.get_organisation(session, principal)
    shell = Shell(
        principal=principal,
        csrf_token=resolved.csrf_token,
        org_name=org.name,
        org_timezone=org.timezone,
        user_email=resolved.user.email,
        user_name=resolved.user.full_name,
    )
    request.state.principal = principal
    request.state.console_shell = shell
    return Page(request, session, shell)


async def read_form(request: Request) -> FormData:
    """The submitted form (parsed once; Starlette caches it on the request)."""
    return await request.form()


def check_csrf(page: Page, form: FormData) -> None:
    """A state-changing request carries the session's CSRF token, compared in constant time."""
    sent = form.get(CSRF_FIELD) or page.request.headers.get(CSRF_HEADER, "")
    if (
        not isinstance(sent, str)
        or not sent
        or not constant_time_equal(sent, page.shell.csrf_token)
    ):
        raise PermissionDenied("missing or wrong CSRF token; reload the page and try again")


def console_action(
    page: Annotated[Page, Depends(console_page)], form: Annotated[FormData, Depends(read_form)]
) -> Page:
    """A signed-in POST that passed the CSRF check."""
    check_csrf(page, form)
    page.form = form
    return page


ConsolePage = Annotated[Page, Depends(console_page)]
ConsoleAction = Annotated[Page, Depends(console_action)]
