"""TikTok Shop Customer Service API (202309): buyer chat messages → `InboundMessage`.

GET /customer_service/202309/conversations lists conversations (newest activity first) with
`latest_message`; GET /customer_service/202309/conversations/{id}/messages lists a
conversation's messages. A message has `id`, `type` (TEXT, IMAGE, ORDER_CARD, PRODUCT_CARD,
…), `content` (a JSON string whose shape depends on the type), `create_time` (epoch seconds)
and `sender` {`im_user_id`, `role` BUYER/SHOP/CUSTOMER_SERVICE/SYSTEM/ROBOT, `nickname`}.
Only BUYER messages are inbound; the shop's own answers are not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.inbox.core.inbound import Channel, InboundMessage
from linkstar.orders.connectors.clients import ChannelHttp, ChannelUnavailable, RateLimit
from linkstar.orders.connectors.signatures import tiktok_request_sign

API = "/customer_service/202309"
# Not a published figure: TikTok Shop sets limits per app and answers 429 beyond them.
LIMIT = RateLimit(rate=5.0, burst=10)


def _str(parent: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
    value = parent.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MessagePayloadError("is required", f"{path}.{key}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MessagePayloadError("expected a string", f"{path}.{key}")
    return str(value).strip()


def parse_message(
    payload: Any, conversation_id: str, *, store_ref: str = "", path: str = "$"
) -> InboundMessage | None:
    """One message of a conversation; None for messages not written by the buyer."""
    if not isinstance(payload, Mapping):
        raise MessagePayloadError("expected an object", path)
    sender = payload.get("sender")
    if not isinstance(sender, Mapping):
        raise MessagePayloadError("expected an object", f"{path}.sender")
    if _str(sender, "role", f"{path}.sender") != "BUYER":
        return None
    message_id = _str(payload, "id", path)
    kind = _str(payload, "type", path)
    created = payload.get("create_time")
    if isinstance(created, bool) or not isinstance(created, int) or created <= 0:
        raise MessagePayloadError("expected epoch seconds", f"{path}.create_time")
    content = _content(payload.get("content"), f"{path}.content")
    text, order_refs = _text_of(kind, content)
    buyer = _str(sender, "im_user_id", f"{path}.sender")
    return InboundMessage(
        channel=Channel.TIKTOK,
        external_id=message_id,
        received_at=datetime.fromtimestamp(created, UTC),
        sender_address=buyer,
        sender_name=_str(sender, "nickname", f"{path}.sender", required=False),
        subject="",
        text=text,
        display_body=text,
        external_thread_id=conversation_id,
        order_refs=order_refs,
        store_ref=store_ref,
        raw=json.dumps(payload, ensure_ascii=False, sort_keys=True).encode(),
    )


def _content(value: Any, path: str) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, str):
        raise MessagePayloadError("expected a JSON string", path)
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise MessagePayloadError("is not valid JSON", path) from exc
    if not isinstance(parsed, Mapping):
        raise MessagePayloadError("expected a JSON object", path)
    return parsed


def _text_of(kind: str, content: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The readable text of a message and the order ids an order card carries."""
    if kind in ("TEXT", "EMOTICONS"):
        return str(content.get("content", "")), ()
    if kind == "ORDER_CARD":
        order_id = str(content.get("order_id", "")).strip()
        return (f"[order {order_id}]" if order_id else "[order]"), ((order_id,) if order_id else ())
    if kind == "PRODUCT_CARD":
        return f"[product {content.get('product_id', '')}]".replace(" ]", "]"), ()
    if kind in ("IMAGE", "VIDEO"):
        return f"[{kind.lower()} {content.get('url', '')}]".replace(" ]", "]"), ()
    return f"[{kind.lower()}]", ()


def _signed_get(
    http: ChannelHttp, path: str, params: dict[str, str], app_key: str, app_secret: str
) -> Mapping[str, Any]:
    params = {"app_key": app_key, "timestamp": str(int(http.clock.utcnow().timestamp())), **params}
    params["sign"] = tiktok_request_sign(app_secret, path, params)
    data, _ = http.fetch("GET", path, params=params)
    if not isinstance(data, Mapping) or data.get("code") != 0:
        code = data.get("code") if isinstance(data, Mapping) else None
        message = data.get("message") if isinstance(data, Mapping) else None
        raise ChannelUnavailable(f"TikTok Shop error {code}: {message}")
    page = data.get("data") or {}
    if not isinstance(page, Mapping):
        raise MessagePayloadError("expected an object", "$.data")
    return page


def buyer_messages(
    http: ChannelHttp,
    since: datetime,
    *,
    app_key: str,
    app_secret: str,
    shop_cipher: str,
    store_ref: str = "",
    page_size: int = 20,
) -> Iterator[tuple[Any, str, InboundMessage | MessagePayloadError]]:
    """Buyer messages newer than `since`: (raw, conversation id, message or the parse error)."""
    floor = int(since.timestamp())
    token = ""
    while True:
        params = {"shop_cipher": shop_cipher, "page_size": str(page_size)}
        if token:
            params["page_token"] = token
        page = _signed_get(http, f"{API}/conversations", params, app_key, app_secret)
        conversations = page.get("conversations") or []
        for conversation in conversations if isinstance(conversations, list) else []:
            latest = conversation.get("latest_message") if isinstance(conversation, dict) else None
            latest_time = latest.get("create_time", 0) if isinstance(latest, dict) else 0
            if isinstance(latest_time, int) and latest_time and latest_time < floor:
                return  # conversations come newest first: the rest are older still
            conversation_id = str(conversation.get("id", "")) if conversation else ""
            if conversation_id:
                yield from _conversation(
                    http, conversation_id, floor, app_key, app_secret, shop_cipher, store_ref
                )
        token = str(page.get("next_page_token") or "")
        if not token:
            return


def _conversation(
    http: ChannelHttp,
    conversation_id: str,
    floor: int,
    app_key: str,
    app_secret: str,
    shop_cipher: str,
    store_ref: str,
) -> Iterator[tuple[Any, str, InboundMessage | MessagePayloadError]]:
    path = f"{API}/conversations/{conversation_id}/messages"
    token = ""
    while True:
        params = {"shop_cipher": shop_cipher, "page_size": "10", "sort_order": "DESC"}
        if token:
            params["page_token"] = token
        page = _signed_get(http, path, params, app_key, app_secret)
        items = page.get("messages") or []
        for i, raw in enumerate(items if isinstance(items, list) else []):
            created = raw.get("create_time") if isinstance(raw, dict) else None
            if isinstance(created, int) and created < floor:
                return
            try:
                message = parse_message(
                    raw, conversation_id, store_ref=store_ref, path=f"$.data.messages[{i}]"
                )
            except MessagePayloadError as exc:
                yield raw, conversation_id, exc
                continue
            if message is not None:
                yield raw, conversation_id, message
        token = str(page.get("next_page_token") or "")
        if not token:
            return
