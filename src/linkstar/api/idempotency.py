"""`Idempotency-Key` on creating POSTs: the first response is stored, a replay returns it.

A route opts in with one parameter, `idem: Idempotent` (or `Depends(idempotency(redact=...))`
when its response carries a secret). The dependency looks the key up before the route runs; the
route class (`linkstar.api.routing.ApiRoute`) stores the successful response in the same
transaction as the change it reports. Failed requests roll back and store nothing, so they can
be retried with the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkstar.api.deps import DbSession, get_principal, get_settings
from linkstar.config import Settings
from linkstar.kit.errors import Conflict
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal
from linkstar.workspace.models import IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
ROUTE_MARK = "linkstar_api_route"
GUARD_ATTR = "linkstar_idempotency"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"


class Replay(Exception):
    """Raised by the dependency to answer with a stored response instead of running the route."""

    def __init__(self, response: Response) -> None:
        super().__init__("idempotent replay")
        self.response = response


def fingerprint(secret: str, body: bytes) -> str:
    """A keyed digest of the request body (JSON compared by value, not by formatting).

    Keyed so that the stored digest reveals nothing about secrets in the body (passwords,
    channel credentials) to someone who can read the table.
    """
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = body
    return hmac.new(secret.encode(), b"idempotency:" + canonical, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IdempotencyGuard:
    """A fresh key for this request: remembers the response once the route has produced it."""

    session: Session
    organisation_id: str
    key: str
    route: str
    request_hash: str
    redact: frozenset[str]

    def stored(self) -> IdempotencyRecord | None:
        records = repo.IdempotencyRepository(self.session, self.organisation_id)
        return records.find(key=self.key, route=self.route)

    def remember(self, status_code: int, body: Any) -> None:
        """Store the response in the request's transaction (a concurrent twin makes this 409)."""
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in self.redact}
        record = IdempotencyRecord(
            key=self.key,
            route=self.route,
            request_hash=self.request_hash,
            status_code=status_code,
            response=body,
        )
        try:
            repo.IdempotencyRepository(self.session, self.organisation_id).add(record)
        except IntegrityError as exc:  # the unique key: a twin request committed first
            raise IdempotencyKeyInUse(
                "another request with this Idempotency-Key completed first; retry to get its "
                "response",
                {"header": IDEMPOTENCY_HEADER},
            ) from exc


def replay_response(record: IdempotencyRecord) -> Response:
    headers = {REPLAYED_HEADER: "true"}
    if record.status_code == 204:
        return Response(status_code=204, headers=headers)
    return JSONResponse(record.response, status_code=record.status_code, headers=headers)


def idempotency(*, redact: Iterable[str] = ()) -> Callable[..., Awaitable[IdempotencyGuard | None]]:
    """A dependency honouring `Idempotency-Key`; `redact` names response fields never stored
    (a replay answers without them, e.g. an API key's one-time secret)."""
    hidden = frozenset(redact)

    async def idempotency_key(
        request: Request,
        session: DbSession,
        principal: Annotated[Principal, Depends(get_principal)],
        settings: Annotated[Settings, Depends(get_settings)],
        key: Annotated[
            str | None,
            Header(
                alias=IDEMPOTENCY_HEADER,
                min_length=1,
                max_length=MAX_KEY_LENGTH,
                description="Any unique string up to 200 characters. Sending the same key and "
                "body again returns the first response (with `Idempotent-Replayed: true`) "
                "and changes nothing; the same key with another body is a 409.",
            ),
        ] = None,
    ) -> IdempotencyGuard | None:
        if not getattr(request.state, ROUTE_MARK, False):
            raise RuntimeError("idempotent routes must be built with linkstar.api.routing.ApiRoute")
        if key is None:
            return None
        guard = IdempotencyGuard(
            session=session,
            organisation_id=principal.organisation_id,
            key=key,
            route=f"{request.method} {request.url.path}"[:200],
            request_hash=fingerprint(settings.secret(), await request.body()),
            redact=hidden,
        )
        record = await run_in_threadpool(guard.stored)
        if record is not None:
            if not hmac.compare_digest(record.request_hash, guard.request_hash):
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was already used with a different request body",
                    {"header": IDEMPOTENCY_HEADER},
                )
            raise Replay(replay_response(record))
        setattr(request.state, GUARD_ATTR, guard)
        return guard

    return idempotency_key


Idempotent = Annotated[IdempotencyGuard | None, Depends(idempotency())]


async def remember_response(request: Request, response: Response) -> None:
    """Store a successful response for the request's idempotency key, if it sent one."""
    guard: IdempotencyGuard | None = getattr(request.state, GUARD_ATTR, None)
    if guard is None or not 200 <= response.status_code < 300:
        return
    raw = bytes(response.body) if getattr(response, "body", None) else b""
    body = json.loads(raw) if raw else {}
    await run_in_threadpool(guard.remember, response.status_code, body)
