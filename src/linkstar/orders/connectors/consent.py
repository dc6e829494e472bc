"""A seller's first consent (OAuth authorisation-code grant): Amazon, eBay, Shopify, TikTok Shop.

The seller's own developer app (its keys in the store's credentials) sends the seller to the
platform's consent page (`authorize_url`); the platform sends the browser back to our redirect
URL with a one-time code (`callback_code` reads it, and checks Shopify's HMAC); `exchange`
trades the code for the long-lived credential the store keeps (a refresh token; Shopify's
offline access token). Walmart has no consent step: its client credentials are the grant.
Shapes are in docs/formats/channels.md ("First consent").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors.tokens import ENDPOINTS, EXPIRES_KEY, answer, field_of
from linkstar.orders.core.canonical import Channel

# The credential keys a store needs before its seller can be sent to the consent page.
CONSENT_KEYS: dict[Channel, tuple[str, ...]] = {
    Channel.AMAZON: ("application_id", "lwa_client_id", "lwa_client_secret"),
    Channel.EBAY: ("client_id", "client_secret", "ru_name"),
    Channel.SHOPIFY: ("shop_domain", "client_id", "client_secret"),
    Channel.TIKTOK: ("service_id", "app_key", "app_secret"),
}
# Where the seller signs in, by store region (Amazon: Seller Central of the region's marketplace).
SELLER_CENTRAL = {
    "US": "https://sellercentral.amazon.com", "CA": "https://sellercentral.amazon.ca",
    "MX": "https://sellercentral.amazon.com.mx", "BR": "https://sellercentral.amazon.com.br",
    "UK": "https://sellercentral.amazon.co.uk", "GB": "https://sellercentral.amazon.co.uk",
    "DE": "https://sellercentral.amazon.de", "FR": "https://sellercentral.amazon.fr",
    "IT": "https://sellercentral.amazon.it", "ES": "https://sellercentral.amazon.es",
    "EU": "https://sellercentral-europe.amazon.com", "JP": "https://sellercentral.amazon.co.jp",
    "AU": "https://sellercentral.amazon.com.au", "SG": "https://sellercentral.amazon.sg",
}  # fmt: skip
EBAY_AUTHORIZE = "https://auth.ebay.com/oauth2/authorize"
# TikTok Shop's consent page by market (Partner Center "Authorization overview"): US shops
# authorise on the US host, every other market on the global one.
TIKTOK_AUTHORIZE = {
    "US": "https://services.us.tiktokshop.com", "": "https://services.tiktokshop.com",
}  # fmt: skip
TIKTOK_CODE_GRANT = "https://auth.tiktok-shops.com/api/v2/token/get"
DEFAULT_SCOPES = {
    Channel.EBAY: " ".join(
        f"https://api.ebay.com/oauth/api_scope{s}"
        for s in ("", "/sell.fulfillment", "/sell.inventory")
    ),
    Channel.SHOPIFY: "read_orders,read_products,read_inventory,write_inventory,read_locations",
}
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


@dataclass(frozen=True, slots=True)
class Granted:
    """What an exchanged code gives: the credentials to keep, merged over the stored ones."""

    values: dict[str, str] = field(default_factory=dict)


def _need(channel: Channel, credentials: Mapping[str, Any]) -> list[str]:
    keys = CONSENT_KEYS.get(channel)
    if keys is None:
        raise InvalidInput(
            f"{channel.value} stores have no consent step", {"channel": channel.value}
        )
    missing = [k for k in keys if not str(credentials.get(k) or "").strip()]
    if missing:
        raise InvalidInput(
            "to authorise, the store's credentials need " + ", ".join(missing),
            {"missing": missing},
        )
    return [str(credentials[k]).strip() for k in keys]


def _shop(value: str) -> str:
    shop = value.strip().lower().removeprefix("https://").rstrip("/")
    if not _SHOP.match(shop):
        raise InvalidInput(f"{value!r} is not a shop domain (name.myshopify.com)", {"shop": value})
    return shop


def authorize_url(
    channel: Channel, credentials: Mapping[str, Any], region: str, state: str, redirect_uri: str
) -> str:
    """The platform page where the seller consents; it sends them back to `redirect_uri`
    (eBay: to the accept URL of the `ru_name`)."""
    values = _need(channel, credentials)
    scopes = str(credentials.get("scopes") or "").strip() or DEFAULT_SCOPES.get(channel, "")
    if channel is Channel.AMAZON:
        base = str(credentials.get("seller_central_url") or "").strip().rstrip("/")
        base = base or SELLER_CENTRAL.get(region.upper(), SELLER_CENTRAL["US"])
        query = {"application_id": values[0], "state": state, "redirect_uri": redirect_uri}
        if str(credentials.get("app_status") or "").strip() == "draft":
            query["version"] = "beta"  # an app still in draft authorises in beta
        return f"{base}/apps/authorize/consent?{urlencode(query)}"
    if channel is Channel.EBAY:
        client_id, _secret, ru_name = values
        query = {"client_id": client_id, "redirect_uri": ru_name, "response_type": "code",
                 "scope": scopes, "state": state}  # fmt: skip
        return f"{EBAY_AUTHORIZE}?{urlencode(query)}"
    if channel is Channel.SHOPIFY:
        shop, client_id, _secret = values
        query = {"client_id": client_id, "scope": scopes, "redirect_uri": redirect_uri,
                 "state": state}  # fmt: skip
        return f"https://{_shop(shop)}/admin/oauth/authorize?{urlencode(query)}"
    service_id = values[0]  # TikTok Shop: the redirect URL is the one set in the app
    host = str(credentials.get("authorize_host") or "").strip().rstrip("/")
    host = host or TIKTOK_AUTHORIZE.get(region.upper(), TIKTOK_AUTHORIZE[""])
    return f"{host}/open/authorize?{urlencode({'service_id': service_id, 'state': state})}"


def shopify_hmac_ok(query: Mapping[str, str], secret: str) -> bool:
    """Shopify's callback signature: HMAC-SHA256 (hex) of the other parameters, sorted and
    joined as `k=v&…`, keyed with the app's client secret."""
    given = query.get("hmac", "")
    message = "&".join(
        f"{k}={v}" for k, v in sorted(query.items()) if k not in ("hmac", "signature")
    )
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return bool(given) and hmac.compare_digest(digest, given.lower())


def callback_code(
    channel: Channel, credentials: Mapping[str, Any], query: Mapping[str, str]
) -> str:
    """The one-time code in the platform's redirect; InvalidInput with the platform's reason
    when the seller declined, or when Shopify's signature or shop does not match."""
    said = query.get("error_description") or query.get("error")
    if said:
        raise InvalidInput(f"{channel.value} consent was not given: {said}")
    name = {Channel.AMAZON: "spapi_oauth_code"}.get(channel, "code")
    code = (query.get(name) or "").strip()
    if not code:
        raise InvalidInput(f"the {channel.value} redirect has no {name}", {"missing": [name]})
    if channel is Channel.SHOPIFY:
        shop, _client_id, secret = _need(channel, credentials)
        if not shopify_hmac_ok(query, secret):
            raise InvalidInput("the Shopify redirect's hmac does not match the app's secret")
        if _shop(query.get("shop", "")) != _shop(shop):
            raise InvalidInput(f"the redirect is for {query.get('shop')!r}, not {shop!r}")
    return code


def _request(
    channel: Channel, credentials: Mapping[str, Any], code: str, redirect_uri: str
) -> httpx.Request:
    values = _need(channel, credentials)
    if channel is Channel.AMAZON:
        _app, client_id, secret = values
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "client_id": client_id, "client_secret": secret}  # fmt: skip
        return httpx.Request("POST", ENDPOINTS[channel], data=form)
    if channel is Channel.EBAY:
        client_id, secret, ru_name = values
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": ru_name}
        headers = {"Accept": "application/json", "Authorization": f"Basic {basic}"}
        return httpx.Request("POST", ENDPOINTS[channel], data=form, headers=headers)
    if channel is Channel.SHOPIFY:
        shop, client_id, secret = values
        body = {"client_id": client_id, "client_secret": secret, "code": code}
        return httpx.Request("POST", f"https://{_shop(shop)}/admin/oauth/access_token", json=body)
    _service, key, secret = values
    query = {"app_key": key, "app_secret": secret, "auth_code": code,
             "grant_type": "authorized_code"}  # fmt: skip
    return httpx.Request("GET", TIKTOK_CODE_GRANT, params=query)


def exchange(
    channel: Channel,
    credentials: Mapping[str, Any],
    code: str,
    redirect_uri: str,
    client: httpx.Client,
    now: datetime,
) -> Granted:
    """Trade the code for the store's long-lived credential (and a first access token).
    InvalidInput when the platform refuses (a used or expired code), ChannelUnavailable when
    its endpoint fails."""
    what = f"{channel.value} consent"
    body = answer(channel, client, _request(channel, credentials, code, redirect_uri), what)
    if channel is Channel.SHOPIFY:  # an offline token: it does not expire
        values = {"access_token": str(field_of(body, "access_token", what))}
        if body.get("scope"):
            values["scopes"] = str(body["scope"])
        return Granted(values)
    values = {
        "refresh_token": str(field_of(body, "refresh_token", what)),
        "access_token": str(field_of(body, "access_token", what)),
    }
    if channel is Channel.TIKTOK:  # expiries are Unix times
        expires = datetime.fromtimestamp(
            int(field_of(body, "access_token_expire_in", what)), now.tzinfo
        )
    else:
        expires = now + timedelta(seconds=int(field_of(body, "expires_in", what)))
    values[EXPIRES_KEY] = expires.isoformat()
    return Granted(values)
