"""Amazon buyer messages: the SP-API Messaging actions for an order, and the e-mail relay.

Buyers' messages reach sellers through the buyer-seller messaging relay as e-mail from
`<token>@marketplace.amazon.<tld>`; `mime.parse_email` recognises them (channel=amazon, order
id from the subject or body). The SP-API Messaging API cannot read messages: it says which
message types the seller may send for an order (GET /messaging/v1/orders/{amazonOrderId}?
marketplaceIds=…, a HAL document whose `_links.actions[]` each have an `href` and a `name`),
which the compliance lint uses before a reply goes out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.orders.connectors.clients import ChannelHttp, RateLimit

# SP-API usage plan of getMessagingActionsForOrder: 1 request per second, burst 5.
LIMIT = RateLimit(rate=1.0, burst=5)
_ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def parse_messaging_actions(payload: Any) -> tuple[str, ...]:
    """The permitted message type names (`confirmDeliveryDetails`, …) of a HAL response."""
    if not isinstance(payload, Mapping):
        raise MessagePayloadError("expected an object", "$")
    links = payload.get("_links")
    if not isinstance(links, Mapping):
        raise MessagePayloadError("is required", "$._links")
    actions = links.get("actions", [])
    if not isinstance(actions, list):
        raise MessagePayloadError("expected a list", "$._links.actions")
    names: list[str] = []
    for i, action in enumerate(actions):
        if not isinstance(action, Mapping):
            raise MessagePayloadError("expected an object", f"$._links.actions[{i}]")
        name = action.get("name")
        if not isinstance(name, str) or not name:
            # Older answers carry only the href: the last path segment is the type.
            href = action.get("href")
            if not isinstance(href, str) or "/" not in href:
                raise MessagePayloadError("needs a name or href", f"$._links.actions[{i}]")
            name = href.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        names.append(name)
    return tuple(names)


def messaging_actions(
    http: ChannelHttp, amazon_order_id: str, marketplace_id: str
) -> tuple[str, ...]:
    """GET the message types the seller may send for one order right now."""
    if not _ORDER_ID.match(amazon_order_id):
        raise MessagePayloadError("is not an Amazon order id (3-7-7 digits)", "$.amazonOrderId")
    data, _ = http.fetch(
        "GET",
        f"/messaging/v1/orders/{amazon_order_id}",
        params={"marketplaceIds": marketplace_id},
    )
    return parse_messaging_actions(data)
