"""One entry point for a webhook delivery: verify, key, parse -- or say why not.

The webhook routes call `receive(source, body, headers, secret, now=...)`. It checks the
signature first (an unsigned or forged body is never parsed), derives the idempotency key, and
parses. A refusal raises `SignatureError` or `TrackingPayloadError`; `rejection(error)` turns
either into the HTTP status and JSON body to answer with, while the route keeps the raw body in
the dead-letter table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linkstar.tracking.connectors.aftership import parse_aftership
from linkstar.tracking.connectors.errors import SignatureError, TrackingPayloadError
from linkstar.tracking.connectors.generic import parse_generic
from linkstar.tracking.connectors.seventeen_track import parse_17track
from linkstar.tracking.connectors.signatures import (
    AFTERSHIP_HEADER,
    GENERIC_HEADER,
    SEVENTEEN_TRACK_HEADER,
    idempotency_key,
    verify_17track,
    verify_aftership,
    verify_generic,
)
from linkstar.tracking.core.updates import TrackingUpdate

Parser = Callable[[bytes], list[TrackingUpdate]]


@dataclass(frozen=True, slots=True)
class WebhookSource:
    """How one sender signs and formats its webhooks."""

    name: str
    header: str
    parse: Parser


SOURCES: Mapping[str, WebhookSource] = {
    "17track": WebhookSource("17track", SEVENTEEN_TRACK_HEADER, parse_17track),
    "aftership": WebhookSource("aftership", AFTERSHIP_HEADER, parse_aftership),
    "generic": WebhookSource("generic", GENERIC_HEADER, parse_generic),
}


@dataclass(frozen=True, slots=True)
class WebhookReceipt:
    """An accepted delivery: its idempotency key and the updates it carried."""

    source: str
    idempotency_key: str
    updates: tuple[TrackingUpdate, ...]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def receive(
    source: str, body: bytes, headers: Mapping[str, str], secret: str, *, now: datetime
) -> WebhookReceipt:
    """Verify, key and parse one delivery; raise SignatureError or TrackingPayloadError."""
    sender = SOURCES.get(source)
    if sender is None:
        raise TrackingPayloadError(f"unknown webhook source {source!r}", "source")
    signature = _header(headers, sender.header)
    if sender.name == "17track":
        verify_17track(body, signature, secret)
    elif sender.name == "aftership":
        verify_aftership(body, signature, secret)
    else:
        verify_generic(body, signature, secret, now=now)
    updates = sender.parse(body)
    return WebhookReceipt(sender.name, idempotency_key(sender.name, body), tuple(updates))


def rejection(error: SignatureError | TrackingPayloadError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body answering a refused delivery (401 or 422)."""
    if isinstance(error, SignatureError):
        return 401, {"code": "invalid_signature", "reason": error.reason}
    return 422, {"code": "invalid_payload", "reason": error.reason, "path": error.path}
