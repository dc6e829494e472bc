"""Receiving one delivery: find the endpoint by token, verify the signature, queue the work.

Nothing is parsed into orders here: the answer must be quick, so a verified order delivery
becomes an outbox job (`tasks.py`) keyed by endpoint, kind and body digest, and a re-delivery
is the same job. Tracking deliveries are parsed here too (the tracking connector's `receive`
verifies and parses in one call), so a malformed tracking body is answered 422 at once.
A refusal (bad signature, malformed tracking body) is kept as a dead letter and answered 4xx
with the reason; an unknown token stores nothing.

The accepted path is lean (it is the hot one: aggregators push thousands a minute): the endpoint
comes from a per-process cache (`endpoints`, ten seconds at most, dropped at once when this
process deletes the endpoint or a signature fails against it), the signature is checked on the
raw bytes, and the only statement is one `INSERT … ON CONFLICT DO NOTHING` of the outbox row
(plus, once a minute per endpoint, the `last_received_at` stamp): no ORM objects, no audit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue_lean
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import NotFound
from linkstar.orders.connectors import signatures as order_signatures
from linkstar.orders.intake import record_dead_letter
from linkstar.tracking.connectors import webhooks as tracking_webhooks
from linkstar.tracking.connectors.errors import SignatureError, TrackingPayloadError
from linkstar.tracking.hooks import endpoints
from linkstar.tracking.hooks.endpoints import CachedEndpoint
from linkstar.tracking.hooks.models import WebhookEndpoint
from linkstar.tracking.hooks.schemas import EndpointKind
from linkstar.tracking.ingest import dead_letter

ORDERS_JOB = "webhooks.orders"
TRACKING_JOB = "webhooks.tracking"
INBOX_JOB = "webhooks.inbox"
JOBS = {"orders": ORDERS_JOB, "tracking": TRACKING_JOB, "inbox": INBOX_JOB}
# last_received_at is written at most once a minute, so a burst is not one UPDATE per request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Answer:
    """The HTTP status and JSON body a delivery is answered with."""

    status: int
    body: dict[str, Any]


def job_name(kind: EndpointKind) -> str:
    """The job that turns a verified delivery of this kind into rows."""
    return JOBS[kind.domain]


def idempotency_key(endpoint: CachedEndpoint | WebhookEndpoint, body: bytes) -> str:
    """One job per (endpoint, kind, body): a sender's retry of the same body is one job."""
    return f"webhook:{endpoint.id}:{endpoint.kind}:{hashlib.sha256(body).hexdigest()}"


def receive(
    session: Session,
    box: SecretBox,
    token: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: datetime,
) -> Answer:
    """Verify and queue one delivery; NotFound (and nothing stored) for an unknown token."""
    endpoint = _active(session, token, fresh=False)
    problem = _problem(box, endpoint, body, headers, now)
    if problem is not None and problem[0] == 401 and endpoint.cached:
        # Perhaps a secret rotated or an endpoint closed by another process: judge once more
        # against the stored row before refusing.
        endpoint = _active(session, token, fresh=True)
        problem = _problem(box, endpoint, body, headers, now)
    _touch(session, endpoint, now)  # refused deliveries too: the sender is reaching us
    if problem is not None:
        status, reason, text = problem
        kind = EndpointKind(endpoint.kind)
        return _refuse(session, endpoint, kind, headers, text, status, reason)
    job_id, created = enqueue_lean(
        session,
        job_name(EndpointKind(endpoint.kind)),
        {
            "endpoint_id": endpoint.id,
            "kind": endpoint.kind,
            "store_id": endpoint.store_id,
            "body": body.decode("utf-8"),
        },
        organisation_id=endpoint.organisation_id,
        idempotency_key=idempotency_key(endpoint, body),
        now=now,
    )
    return Answer(202, {"status": "accepted", "job_id": job_id, "duplicate": not created})


def _active(session: Session, token: str, *, fresh: bool) -> CachedEndpoint:
    endpoint = endpoints.get(session, token, fresh=fresh) if len(token) <= 64 else None
    if endpoint is None or not endpoint.is_active:
        raise NotFound("no webhook endpoint at this address")
    return endpoint


def _problem(
    box: SecretBox,
    endpoint: CachedEndpoint,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
) -> tuple[int, str, str] | None:
    """None when the delivery is acceptable; else (status, reason, body text to keep)."""
    kind = EndpointKind(endpoint.kind)
    secret = _secret(box, endpoint.secret_encrypted)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        return 422, "the body is not UTF-8", text
    if "\x00" in text:  # no JSON body holds a raw NUL, and PostgreSQL text cannot store one
        return 422, "the body contains NUL bytes", text.replace("\x00", "\ufffd")
    if kind.domain in ("orders", "inbox"):  # contact forms are signed like generic orders
        try:
            _verify_order(kind, endpoint, secret, body, headers, now)
        except order_signatures.SignatureError as exc:
            return 401, exc.message, text
    else:
        try:
            tracking_webhooks.receive(kind.sender, body, dict(headers), secret, now=now)
        except SignatureError as exc:
            return 401, exc.reason, text
        except TrackingPayloadError as exc:
            return 422, f"{exc.path}: {exc.reason}", text
    return None


def _verify_order(
    kind: EndpointKind,
    endpoint: CachedEndpoint,
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
) -> None:
    if kind is EndpointKind.orders_shopify:
        header = _header(headers, order_signatures.SHOPIFY_HEADER)
        order_signatures.verify_shopify(secret, body, header)
    elif kind is EndpointKind.orders_tiktok:
        header = _header(headers, order_signatures.TIKTOK_HEADER)
        order_signatures.verify_tiktok(endpoint.app_key, secret, body, header)
    else:
        header = _header(headers, order_signatures.GENERIC_HEADER)
        order_signatures.verify_generic(secret, body, header, now=now.timestamp())


def _refuse(
    session: Session,
    endpoint: CachedEndpoint,
    kind: EndpointKind,
    headers: Mapping[str, str],
    text: str,
    status: int,
    reason: str,
) -> Answer:
    """Keep the refused body as a dead letter and say why."""
    if kind.domain == "orders":
        row_id = record_dead_letter(
            session,
            endpoint.organisation_id,
            endpoint.store_id,
            "webhook",
            text,
            f"{kind.value}: {reason}",
        )
    else:
        row_id = dead_letter(
            session,
            endpoint.organisation_id,
            source=kind.sender,
            headers=kept_headers(headers),
            body=text,
            reason=reason,
        ).id
    code = "invalid_signature" if status == 401 else "invalid_payload"
    details = {"dead_letter_id": row_id}
    return Answer(status, {"error": {"code": code, "message": reason, "details": details}})


# Headers worth keeping beside a dead letter (never credentials or cookies).
_KEPT = ("content-type", "user-agent", "x-shopify-topic", "x-shopify-webhook-id", "sign")


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers a dead letter keeps: signature and routing hints, never credentials."""
    out: dict[str, str] = {}
    for key, value in headers.items():
        low = key.lower()
        if low in _KEPT or low.startswith(("x-linkstar", "aftership", "x-shopify-hmac")):
            out[low] = value[:500]
    return out


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


@lru_cache(maxsize=4096)
def _secret(box: SecretBox, sealed: str) -> str:
    # Keyed by the ciphertext: a new secret (or a rotated key) is a new entry, so the cache
    # never serves a stale secret; it spares a decryption per delivery.
    return str(box.open(sealed)["secret"])


def _touch(session: Session, endpoint: CachedEndpoint, now: datetime) -> None:
    """Stamp `last_received_at`, at most once a minute per endpoint and process."""
    last = endpoints.touched.get(endpoint.id)
    if last is not None and now - last < TOUCH_EVERY:
        return
    endpoints.touched[endpoint.id] = now
    table = WebhookEndpoint.__table__
    session.connection().execute(
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == endpoint.id)
        .values(last_received_at=now)
    )
