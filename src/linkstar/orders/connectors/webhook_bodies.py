"""Order webhook bodies of Shopify and TikTok Shop → canonical orders (pure, no I/O).

Shared by the webhook job and the dead-letter retry, so a webhook body that failed once is
parsed the same way when it is retried.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors import shopify, tiktok
from linkstar.orders.core.canonical import ChannelOrder

Item = tuple[ChannelOrder, Mapping[str, Any] | None]
# Store channel → the parser of its order webhook bodies.
CHANNELS = ("shopify", "tiktok_shop")


def load_object(text: str) -> dict[str, Any]:
    """The body as a JSON object, or InvalidInput saying why not."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body is not a JSON object")
    return data


def parse_shopify(text: str) -> list[Item]:
    """A Shopify orders/* webhook body (the REST order resource)."""
    data = load_object(text)
    return [(shopify.parse_order(data), data)]


def parse_tiktok(text: str) -> list[Item]:
    """A TikTok Shop push whose `data` is an order detail, or an order detail object.

    A push (ORDER_STATUS_CHANGE and friends) that names the order and its new status but
    carries no lines, buyer or address cannot become an order without an API call to Get
    Order Detail, which the store's poller makes: it is refused with that reason.
    """
    data = load_object(text)
    inner = data.get("data")
    detail = inner if isinstance(inner, dict) and "line_items" in inner else data
    if "line_items" not in detail:
        order = inner.get("order_id") if isinstance(inner, dict) else None
        status = inner.get("order_status") if isinstance(inner, dict) else None
        raise InvalidInput(
            f"TikTok Shop webhook type {data.get('type')!r} carries only order {order!r} "
            f"(status {status!r}) without its detail; it cannot be ingested without an API "
            "call to Get Order Detail (the store's poller fetches it)"
        )
    return [(tiktok.parse_order(detail), detail)]


def parser_for(channel: str, raw: str) -> Any:
    """The parser of a webhook body kept for a store of `channel`: the channel's own for a
    Shopify or TikTok Shop body, None (the canonical JSON parser) for a LinkStar JSON body,
    which is a list or an object with `external_id` (a generic endpoint may feed any store)."""
    parser = {"shopify": parse_shopify, "tiktok_shop": parse_tiktok}.get(channel)
    try:
        data = json.loads(raw)
    except ValueError:
        return parser
    if isinstance(data, list) or (isinstance(data, dict) and "external_id" in data):
        return None
    return parser
