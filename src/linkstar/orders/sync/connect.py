"""From a store's decrypted credentials to a polite HTTP connection and its page iterator.

The seam for tests and deployments is `configure(SyncEnvironment(...))`: the transport factory
(tests answer with `httpx.MockTransport`, so the network is never used), the clock, and how long
a poll may wait inline for a token or a Retry-After before it stops and reschedules instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors import pollers
from linkstar.orders.connectors.clients import (
    Backoff,
    ChannelHttp,
    ChannelUnavailable,
    Clock,
    SystemClock,
)
from linkstar.orders.core.canonical import Channel

TransportFactory = Callable[[str, str], httpx.BaseTransport | None]  # (store id, channel)
# Store channels (workspace.core.Channel values) that have a poller, and the poller's channel.
POLLED: dict[str, Channel] = {
    "shopify": Channel.SHOPIFY,
    "amazon": Channel.AMAZON,
    "tiktok_shop": Channel.TIKTOK,
    "ebay": Channel.EBAY,
    "walmart": Channel.WALMART,
}
# Pollers whose pages come sorted by update time, ascending: their cursor may advance page by
# page; for the others an interrupted window is asked for again from its start.
ASCENDING = frozenset({"shopify_graphql", "tiktok"})


def _network(_store_id: str, _channel: str) -> httpx.BaseTransport | None:
    return None  # httpx's default transport


@dataclass(frozen=True)
class SyncEnvironment:
    """What a poll needs from outside: transport, clock, and the longest inline wait."""

    transport_factory: TransportFactory = _network
    clock: Clock = field(default_factory=SystemClock)
    max_wait_seconds: float = 5.0
    backoff: Backoff = field(default_factory=lambda: Backoff(attempts=3, base=1.0, cap=30.0))


_environment = SyncEnvironment()


def configure(environment: SyncEnvironment) -> SyncEnvironment:
    """Replace the sync environment; returns the previous one (tests restore it)."""
    global _environment
    previous, _environment = _environment, environment
    return previous


def environment() -> SyncEnvironment:
    """The sync environment in force."""
    return _environment


class Throttled(ChannelUnavailable):
    """Waiting for the platform would take longer than a job should block: stop, come back."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"throttled: the next request is allowed in {round(seconds, 1):g} s", 429, seconds
        )


class BudgetClock:
    """Wall-clock seconds (so bucket state persists across runs); long sleeps raise Throttled."""

    def __init__(self, base: Clock, max_wait: float) -> None:
        self.base = base
        self.max_wait = max_wait

    def monotonic(self) -> float:
        return self.base.utcnow().timestamp()

    def sleep(self, seconds: float) -> None:
        if seconds > self.max_wait:
            raise Throttled(seconds)
        self.base.sleep(seconds)

    def utcnow(self) -> datetime:
        return self.base.utcnow()


@dataclass
class Connection:
    """A store's HTTP connection, its pages since a cursor, and how its cursor may move."""

    http: ChannelHttp
    pages: Callable[[datetime], Iterator[list[Any]]]
    channel: Channel
    ascending: bool


def need(credentials: Mapping[str, Any], *keys: str) -> list[str]:
    missing = [k for k in keys if not str(credentials.get(k) or "").strip()]
    if missing:
        raise InvalidInput(
            "the store's credentials lack " + ", ".join(missing), {"missing": missing}
        )
    return [str(credentials[k]).strip() for k in keys]


def connect(
    store_id: str, channel: str, credentials: Mapping[str, Any], env: SyncEnvironment
) -> Connection:
    """Build the connection for one store; InvalidInput when its credentials are incomplete."""
    kind = POLLED.get(channel)
    if kind is None:
        raise InvalidInput(f"{channel} stores are not polled", {"channel": channel})
    clock = BudgetClock(env.clock, env.max_wait_seconds)
    base = str(credentials.get("base_url") or "").strip()
    headers: dict[str, str]
    pages: Callable[[ChannelHttp, datetime], Iterator[list[Any]]]
    style = limit_key = kind.value
    if kind is Channel.SHOPIFY:
        (token,) = need(credentials, "access_token")
        if not base:
            (domain,) = need(credentials, "shop_domain")
            version = str(credentials.get("api_version") or "2024-10")
            base = f"https://{domain}/admin/api/{version}/"
        headers = {"X-Shopify-Access-Token": token}
        if str(credentials.get("api") or "rest") == "graphql":
            style, pages = "shopify_graphql", pollers.shopify_graphql_pages
        else:
            pages = pollers.shopify_rest_pages
    elif kind is Channel.AMAZON:
        token, markets = need(credentials, "access_token", "marketplace_ids")
        base = base or "https://sellingpartnerapi-na.amazon.com"
        headers = {"x-amz-access-token": token}
        ids = [m.strip() for m in markets.split(",") if m.strip()]
        api = str(credentials.get("orders_api") or "v0").strip()
        if api not in ("v0", "2026-01-01"):
            raise InvalidInput("orders_api must be v0 or 2026-01-01", {"orders_api": api})
        walk = pollers.amazon_2026_pages if api == "2026-01-01" else pollers.amazon_pages
        style = limit_key = "amazon_2026" if api == "2026-01-01" else style

        def pages(http: ChannelHttp, since: datetime) -> Iterator[list[Any]]:
            return walk(http, since, marketplace_ids=ids)

    elif kind is Channel.EBAY:
        (token,) = need(credentials, "access_token")
        base = base or "https://api.ebay.com"
        headers = {"Authorization": f"Bearer {token}"}
        pages = pollers.ebay_pages
    elif kind is Channel.TIKTOK:
        token, key, secret, cipher = need(
            credentials, "access_token", "app_key", "app_secret", "shop_cipher"
        )
        base = base or "https://open-api.tiktokglobalshop.com"
        headers = {"x-tts-access-token": token}

        def pages(http: ChannelHttp, since: datetime) -> Iterator[list[Any]]:
            return pollers.tiktok_pages(
                http, since, app_key=key, app_secret=secret, shop_cipher=cipher
            )

    else:
        (token,) = need(credentials, "access_token")
        base = base or "https://marketplace.walmartapis.com"
        headers = {
            "WM_SEC.ACCESS_TOKEN": token,
            "WM_SVC.NAME": "Walmart Marketplace",
            "WM_QOS.CORRELATION_ID": uuid.uuid4().hex,
            "Accept": "application/json",
        }
        pages = pollers.walmart_pages
    http = ChannelHttp(
        base,
        limit=pollers.LIMITS[limit_key],
        headers=headers,
        transport=env.transport_factory(store_id, kind.value),
        clock=clock,
        backoff=env.backoff,
    )
    return Connection(http, lambda since: pages(http, since), kind, style in ASCENDING)


def as_epoch(value: datetime) -> float:
    """Seconds since the epoch of an aware time (the bucket's clock)."""
    return value.astimezone(UTC).timestamp()
