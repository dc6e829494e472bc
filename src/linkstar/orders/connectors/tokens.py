"""Access tokens from refresh credentials: Amazon LWA, eBay, Walmart and TikTok Shop.

Marketplace access tokens are short-lived (LWA one hour, eBay two hours, Walmart fifteen
minutes, TikTok Shop days); what a seller can keep is the refresh credential. `refresh` trades
it for a fresh access token at the platform's token endpoint and returns it with its expiry
(and a rotated refresh token when the platform sends one). Shopify's offline tokens do not
expire and have no refresh here. Shapes are in docs/formats/channels.md ("Access tokens").
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors.clients import ChannelUnavailable
from linkstar.orders.core.canonical import Channel

# The credential keys that make a store refreshable, per channel.
REFRESH_KEYS: dict[Channel, tuple[str, ...]] = {
    Channel.AMAZON: ("lwa_client_id", "lwa_client_secret", "refresh_token"),
    Channel.EBAY: ("client_id", "client_secret", "refresh_token"),
    Channel.WALMART: ("client_id", "client_secret"),
    Channel.TIKTOK: ("app_key", "app_secret", "refresh_token"),
}
EXPIRES_KEY = "access_token_expires_at"  # the stored access token's expiry (ISO 8601)
ENDPOINTS = {
    Channel.AMAZON: "https://api.amazon.com/auth/o2/token",
    Channel.EBAY: "https://api.ebay.com/identity/v1/oauth2/token",
    Channel.WALMART: "https://marketplace.walmartapis.com/v3/token",
    Channel.TIKTOK: "https://auth.tiktok-shops.com/api/v2/token/refresh",
}


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    expires_at: datetime
    refresh_token: str | None = None  # set when the platform rotated it


def can_refresh(channel: Channel, credentials: Mapping[str, Any]) -> bool:
    keys = REFRESH_KEYS.get(channel, ())
    return bool(keys) and all(str(credentials.get(k) or "").strip() for k in keys)


def _values(credentials: Mapping[str, Any], channel: Channel) -> list[str]:
    return [str(credentials[k]).strip() for k in REFRESH_KEYS[channel]]


def _request(channel: Channel, credentials: Mapping[str, Any]) -> httpx.Request:
    url = ENDPOINTS[channel]
    if channel is Channel.AMAZON:  # LWA: the refresh_token grant, client id and secret in the form
        client_id, secret, refresh = _values(credentials, channel)
        form = {"grant_type": "refresh_token", "refresh_token": refresh}
        return httpx.Request(
            "POST", url, data={**form, "client_id": client_id, "client_secret": secret}
        )
    if channel is Channel.TIKTOK:  # a GET with the app's key and secret in the query
        key, secret, refresh = _values(credentials, channel)
        query = {"app_key": key, "app_secret": secret, "refresh_token": refresh}
        return httpx.Request("GET", url, params={**query, "grant_type": "refresh_token"})
    # eBay and Walmart: HTTP Basic with the app's client id and secret.
    client_id, secret, *refresh_token = _values(credentials, channel)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    headers = {"Accept": "application/json", "Authorization": f"Basic {basic}"}
    if channel is Channel.EBAY:  # the refresh_token grant, for the consent's scopes or fewer
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token[0]}
        if str(credentials.get("scopes") or "").strip():
            form["scope"] = str(credentials["scopes"]).strip()
    else:  # Walmart: the client_credentials grant, with its service headers
        form = {"grant_type": "client_credentials"}
        headers |= {"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": uuid.uuid4().hex}
    return httpx.Request("POST", url, data=form, headers=headers)


def field_of(body: Mapping[str, Any], key: str, what: str) -> Any:
    """A required field of a platform's answer; ChannelUnavailable when it is missing."""
    value = body.get(key)
    if value in (None, ""):
        raise ChannelUnavailable(f"{what}: the answer has no {key}")
    return value


def answer(
    channel: Channel, client: httpx.Client, request: httpx.Request, what: str
) -> dict[str, Any]:
    """Send a token request and return its answer (TikTok Shop: its `data`). InvalidInput
    when the platform refuses (HTTP 400/401/403 with the OAuth `error_description` or `error`,
    a TikTok `code` other than 0), ChannelUnavailable when it fails or answers nonsense."""
    try:
        response = client.send(request)
    except httpx.TransportError as exc:
        raise ChannelUnavailable(f"{what}: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code in (400, 401, 403):
        said = body if isinstance(body, dict) else {}
        reason = said.get("error_description") or said.get("error") or response.status_code
        raise InvalidInput(f"{what} refused: {reason}", {"channel": channel.value})
    if response.status_code >= 300 or not isinstance(body, dict):
        raise ChannelUnavailable(
            f"{what}: HTTP {response.status_code}", status=response.status_code
        )
    if channel is Channel.TIKTOK:  # {"code": 0, "message", "data": {...}}
        if body.get("code") != 0 or not isinstance(body.get("data"), dict):
            raise InvalidInput(f"{what} refused: {body.get('message') or body.get('code')}")
        return dict(body["data"])
    return body


def refresh(
    channel: Channel, credentials: Mapping[str, Any], client: httpx.Client, now: datetime
) -> AccessToken:
    """A fresh access token. InvalidInput when the platform refuses the credentials (the
    seller must fix them), ChannelUnavailable when the endpoint fails or answers nonsense."""
    what = f"{channel.value} token refresh"
    body = answer(channel, client, _request(channel, credentials), what)
    if channel is Channel.TIKTOK:  # expiry as a timestamp
        value = str(field_of(body, "access_token", what))
        expires = datetime.fromtimestamp(int(field_of(body, "access_token_expire_in", what)), UTC)
        return AccessToken(value, expires, body.get("refresh_token") or None)
    value = str(field_of(body, "access_token", what))
    seconds = int(field_of(body, "expires_in", what))
    return AccessToken(value, now + timedelta(seconds=seconds), body.get("refresh_token") or None)
