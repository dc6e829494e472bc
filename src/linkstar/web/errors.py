"""Console errors as pages: a signed-out visitor goes to /login, everything else gets HTML.

The API's handlers (JSON envelope) keep every request under /api/ and /hooks/ and the health
probes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import structlog
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from linkstar.kit.errors import LinkStarError, Throttled, Unauthenticated
from linkstar.web.context import SESSION_COOKIE, Shell, is_htmx, layout_context
from linkstar.web.templating import render_html

log = structlog.get_logger(__name__)

Handler = Callable[[Request, Exception], Awaitable[Response] | Response]
_NOT_CONSOLE_PREFIXES = ("/api/", "/static/", "/hooks/")
_NOT_CONSOLE_PATHS = frozenset({"/healthz", "/readyz", "/api"})
_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Conflict",
    422: "Check your input",
    429: "Too many attempts",
    500: "Something went wrong",
}

_TITLES_HTTP = {404: "Not Found", 405: "Method Not Allowed"}
_ROUTING_MESSAGES = {
    404: "there is no page at this address",
    405: "this address does not accept that kind of request",
}


def is_console_path(path: str) -> bool:
    """Everything the app serves outside the API, its probes and static files is the console."""
    return path not in _NOT_CONSOLE_PATHS and not path.startswith(_NOT_CONSOLE_PREFIXES)


def login_url(next_path: str = "") -> str:
    """The sign-in page, coming back to `next_path` afterwards."""
    return "/login" + (f"?{urlencode({'next': next_path})}" if next_path else "")


def _status_and_message(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, LinkStarError):
        return exc.status, exc.message
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if exc.status_code in _ROUTING_MESSAGES and detail in (
            "",
            _TITLES_HTTP.get(exc.status_code),
        ):
            detail = _ROUTING_MESSAGES[exc.status_code]
        return exc.status_code, detail or _TITLES.get(exc.status_code, "Error")
    if isinstance(exc, RequestValidationError):
        return 422, "the request is not valid"
    return 500, "an unexpected error occurred; it has been logged"


def _to_login(request: Request) -> Response:
    target = ""
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    elif is_htmx(request):
        current = urlsplit(request.headers.get("hx-current-url", ""))
        target = current.path if current.netloc == request.url.netloc else ""
    url = login_url("" if target == "/" else target)
    response: Response
    if is_htmx(request):
        response = Response(status_code=401, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if SESSION_COOKIE in request.cookies:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def render_error(request: Request, exc: Exception) -> Response:
    """The console's answer to an error raised while serving a page."""
    if isinstance(exc, Unauthenticated):
        return _to_login(request)
    status, message = _status_and_message(exc)
    if status >= 500:
        log.exception("unhandled console error", path=request.url.path, exc_info=exc)
    headers: dict[str, str] = {}
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, StarletteHTTPException) and exc.headers:
        headers.update(exc.headers)
    shell: Shell | None = getattr(request.state, "console_shell", None)
    context: dict[str, Any] = layout_context(request, shell)
    context.update(status=status, title=_TITLES.get(status, "Error"), message=message)
    if is_htmx(request):
        # Shown in the page's message area instead of the element that asked.
        headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
        context["notices"] = [("error", message)]
        return render_html("_notices.html", context, status=status, headers=headers)
    return render_html("error.html", context, status=status, headers=headers)


def install(app: FastAPI) -> None:
    """Route console requests' errors to HTML pages; the API keeps its JSON handlers."""
    for exc_class in (LinkStarError, StarletteHTTPException, RequestValidationError, Exception):
        api_handler: Handler | None = app.exception_handlers.get(exc_class)
        app.add_exception_handler(exc_class, _dispatch(api_handler))


def _dispatch(api_handler: Handler | None) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        if is_console_path(request.url.path) or api_handler is None:
            return render_error(request, exc)
        result = api_handler(request, exc)
        if isinstance(result, Response):
            return result
        return await result

    return handler
