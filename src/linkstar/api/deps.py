"""Request dependencies: the unit of work, the acting principal, permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from linkstar.config import Settings
from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import PermissionDenied, Unauthenticated
from linkstar.kit.ids import constant_time_equal
from linkstar.workspace.auth import principal_from_api_key, principal_from_session
from linkstar.workspace.core import Permission, Principal

SESSION_COOKIE = "linkstar_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.box
    return box


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: commit on success, roll back on any error."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


# Function scope: the unit of work ends (commits or rolls back) before the response is sent,
# so a failing commit becomes an error response instead of a 2xx for lost work. Every route and
# dependency must take the session through this alias: FastAPI caches dependencies per scope, so
# a plain Depends(get_session) elsewhere would open a second, separate transaction.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Auth:
    principal: Principal
    via_session: bool
    csrf_token: str = ""


def authenticate(request: Request, session: Session) -> Auth:
    """API key (Authorization: Bearer / X-API-Key) or console session cookie."""
    header = request.headers.get("authorization", "")
    key = request.headers.get("x-api-key", "")
    if header.lower().startswith("bearer "):
        key = header[7:].strip()
    if key:
        return Auth(principal_from_api_key(session, key), via_session=False)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        resolved = principal_from_session(session, token)
        return Auth(resolved.principal, via_session=True, csrf_token=resolved.csrf_token)
    raise Unauthenticated("authentication required: send an API key or sign in")


def get_auth(request: Request, session: DbSession) -> Auth:
    auth = authenticate(request, session)
    if auth.via_session and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not constant_time_equal(sent, auth.csrf_token):
            raise PermissionDenied("missing or wrong CSRF token")
    request.state.principal = auth.principal
    return auth


def get_principal(auth: Auth = Depends(get_auth)) -> Principal:
    return auth.principal


def requires(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency that lets the request through only with `permission`."""

    def check(principal: Principal = Depends(get_principal)) -> Principal:
        principal.require(permission)
        return principal

    return check
