"""Receiving one delivery: find the endpoint by token, verify the signature, queue the work.

Nothing is parsed into orders here: the answer must be quick, so a verified order delivery
becomes an outbox job (`tasks.py`) keyed by endpoint, kind and body digest, and a re-delivery
is the same job. Tracking deliveries are parsed here too (the tracking connector's `receive`
verifies and parses in one call), so a malformed tracking body is answered 422 at once.
A refusal (bad signature, malformed tracking body) is kept as a dead letter and answered 4xx
with the reason; an unknown token stores nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue_unique
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import NotFound
from linkstar.orders.connectors import signatures as order_signatures
from linkstar.orders.intake import record_dead_letter
from linkstar.tracking.connectors import webhooks as tracking_webhooks
from linkstar.tracking.connectors.errors import SignatureError, TrackingPayloadError
from linkstar.tracking.hooks.models import WebhookEndpoint
from linkstar.tracking.hooks.repository import endpoint_by_token
from linkstar.tracking.hooks.schemas import EndpointKind
from linkstar.tracking.ingest import dead_letter

ORDERS_JOB = "webhooks.orders"
TRACKING_JOB = "webhooks.tracking"
# last_received_at is written at most once a minute, so a burst is not one UPDATE per request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Answer:
    """The HTTP status and JSON body a delivery is answered with."""

    status: int
    body: dict[str, Any]


def job_name(kind: EndpointKind) -> str:
    return ORDERS_JOB if kind.domain == "orders" else TRACKING_JOB


def idempotency_key(endpoint: WebhookEndpoint, body: bytes) -> str:
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
    endpoint = endpoint_by_token(session, token) if len(token) <= 64 else None
    if endpoint is None or not endpoint.is_active:
        raise NotFound("no webhook endpoint at this address")
    kind = EndpointKind(endpoint.kind)
    secret = _secret(box, endpoint.secret_encrypted)
    _touch(endpoint, now)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        return _refuse(session, endpoint, kind, headers, text, 422, "the body is not UTF-8")
    if "\x00" in text:  # no JSON body holds a raw NUL, and PostgreSQL text cannot store one
        text = text.replace("\x00", "\ufffd")
        return _refuse(session, endpoint, kind, headers, text, 422, "the body contains NUL bytes")
    if kind.domain == "orders":
        try:
            _verify_order(kind, endpoint, secret, body, headers, now)
        except order_signatures.SignatureError as exc:
            return _refuse(session, endpoint, kind, headers, text, 401, exc.message)
    else:
        try:
            tracking_webhooks.receive(kind.sender, body, dict(headers), secret, now=now)
        except SignatureError as exc:
            return _refuse(session, endpoint, kind, headers, text, 401, exc.reason)
        except TrackingPayloadError as exc:
            reason = f"{exc.path}: {exc.reason}"
            return _refuse(session, endpoint, kind, headers, text, 422, reason)
    job, created = enqueue_unique(
        session,
        job_name(kind),
        {
            "endpoint_id": endpoint.id,
            "kind": kind.value,
            "store_id": endpoint.store_id,
            "body": text,
        },
        organisation_id=endpoint.organisation_id,
        idempotency_key=idempotency_key(endpoint, body),
    )
    return Answer(202, {"status": "accepted", "job_id": job.id, "duplicate": not created})


def _verify_order(
    kind: EndpointKind,
    endpoint: WebhookEndpoint,
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
    endpoint: WebhookEndpoint,
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


def _touch(endpoint: WebhookEndpoint, now: datetime) -> None:
    last = endpoint.last_received_at
    if last is None or now - last >= TOUCH_EVERY:
        endpoint.last_received_at = now
