"""Website and Shopify contact forms through a signed webhook → `InboundMessage`.

The sender signs the body like every generic LinkStar webhook: header
`X-LinkStar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (see
docs/formats/webhooks.md). The body is JSON:
`{"id", "submitted_at", "email", "name"?, "subject"?, "message", "order_number"?, "channel"?:
"website"|"shopify", "page_url"?}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.inbox.core.inbound import Channel, InboundMessage
from linkstar.orders.connectors.signatures import GENERIC_HEADER, verify_generic

MAX_TEXT = 20_000
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def receive(
    body: bytes, headers: Mapping[str, str], secret: str, *, now: datetime, store_ref: str = ""
) -> InboundMessage:
    """Verify the signature (SignatureError) and parse the form (MessagePayloadError)."""
    header = next((v for k, v in headers.items() if k.lower() == GENERIC_HEADER.lower()), None)
    verify_generic(secret, body, header, now=now.timestamp())
    return parse(body, store_ref=store_ref)


def parse(body: bytes, *, store_ref: str = "") -> InboundMessage:
    """One contact-form submission; the raw body travels with the message."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MessagePayloadError("the body is not JSON", "$") from exc
    if not isinstance(data, dict):
        raise MessagePayloadError("expected an object", "$")
    submission_id = _str(data, "id", required=True)
    email = _str(data, "email", required=True).lower()
    if not _EMAIL.match(email):
        raise MessagePayloadError("is not an e-mail address", "$.email")
    message = _str(data, "message", required=True, limit=MAX_TEXT)
    channel_name = _str(data, "channel") or "website"
    if channel_name not in ("website", "shopify"):
        raise MessagePayloadError("must be website or shopify", "$.channel")
    order = _str(data, "order_number")
    return InboundMessage(
        channel=Channel(channel_name),
        external_id=submission_id,
        received_at=_time(data.get("submitted_at")),
        sender_address=email,
        sender_name=_str(data, "name"),
        subject=_str(data, "subject") or "Contact form",
        text=message,
        display_body=message,
        external_thread_id=f"form:{submission_id}",
        order_refs=(order,) if order else (),
        store_ref=store_ref,
        raw=body,
    )


def _str(data: Mapping[str, Any], key: str, *, required: bool = False, limit: int = 500) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MessagePayloadError("is required", f"$.{key}")
        return ""
    if not isinstance(value, str):
        raise MessagePayloadError("expected a string", f"$.{key}")
    if len(value) > limit:
        raise MessagePayloadError(f"is longer than {limit} characters", f"$.{key}")
    return value.replace("\x00", "").strip()


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise MessagePayloadError("expected an ISO 8601 time", "$.submitted_at")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MessagePayloadError("expected an ISO 8601 time", "$.submitted_at") from exc
    if parsed.tzinfo is None:
        raise MessagePayloadError("needs a time zone", "$.submitted_at")
    return parsed.astimezone(UTC)
