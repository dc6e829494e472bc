"""The first consent per platform: consent URLs, redirects, code exchange (httpx.MockTransport)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors import consent
from linkstar.orders.connectors.clients import ChannelUnavailable
from linkstar.orders.core.canonical import Channel

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
BACK = "https://linkstar.example/settings/authorise/callback"
APPS: dict[Channel, dict[str, str]] = {
    Channel.AMAZON: {
        "application_id": "amzn1.sp.solution.0f1e",
        "lwa_client_id": "amzn1.application-oa2-client.abc",
        "lwa_client_secret": "lwa-secret",
    },
    Channel.EBAY: {"client_id": "App-ID", "client_secret": "Cert-ID", "ru_name": "Acme-App-PRD-ru"},
    Channel.SHOPIFY: {
        "shop_domain": "acme.myshopify.com",
        "client_id": "shp-client",
        "client_secret": "shp-secret",
    },
    Channel.TIKTOK: {"service_id": "7210", "app_key": "6abc", "app_secret": "tt-secret"},
}
ANSWERS: dict[Channel, dict[str, Any]] = {
    Channel.AMAZON: {
        "access_token": "Atza|first",
        "refresh_token": "Atzr|granted",
        "token_type": "bearer",
        "expires_in": 3600,
    },
    Channel.EBAY: {
        "access_token": "v^1.1#first",
        "expires_in": 7200,
        "refresh_token": "v^1.1#granted",
        "refresh_token_expires_in": 47304000,
        "token_type": "User Access Token",
    },
    Channel.SHOPIFY: {"access_token": "shpua_offline", "scope": "read_orders,write_inventory"},
    Channel.TIKTOK: {
        "code": 0,
        "message": "success",
        "data": {
            "access_token": "ROW_first",
            "access_token_expire_in": 1765612800,
            "refresh_token": "ROW_granted",
            "refresh_token_expire_in": 1796342400,
            "open_id": "7010",
            "seller_name": "Acme",
        },
    },
}


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _signed(query: dict[str, str], secret: str = "shp-secret") -> dict[str, str]:
    message = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    return {
        **query,
        "hmac": hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest(),
    }


def _client(answer: httpx.Response, seen: list[httpx.Request]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("channel", "region", "origin", "path", "query"),
    [
        (
            Channel.AMAZON, "DE", "https://sellercentral.amazon.de", "/apps/authorize/consent",
            {"application_id": "amzn1.sp.solution.0f1e", "state": "S", "redirect_uri": BACK},
        ),
        (
            Channel.EBAY, "US", "https://auth.ebay.com", "/oauth2/authorize",
            {"client_id": "App-ID", "redirect_uri": "Acme-App-PRD-ru", "response_type": "code",
             "scope": "https://api.ebay.com/oauth/api_scope https://api.ebay.com/oauth/api_scope/"
                      "sell.fulfillment https://api.ebay.com/oauth/api_scope/sell.inventory",
             "state": "S"},
        ),
        (
            Channel.SHOPIFY, "US", "https://acme.myshopify.com", "/admin/oauth/authorize",
            {"client_id": "shp-client", "redirect_uri": BACK, "state": "S",
             "scope": "read_orders,read_products,read_inventory,write_inventory,read_locations"},
        ),
        (
            Channel.TIKTOK, "US", "https://services.us.tiktokshop.com", "/open/authorize",
            {"service_id": "7210", "state": "S"},
        ),
        (
            Channel.TIKTOK, "gb", "https://services.tiktokshop.com", "/open/authorize",
            {"service_id": "7210", "state": "S"},
        ),
    ],
    ids=["amazon-de", "ebay", "shopify", "tiktok-us", "tiktok-elsewhere"],
)  # fmt: skip
def test_the_consent_url_of_each_platform(channel, region, origin, path, query) -> None:  # type: ignore[no-untyped-def]
    url = consent.authorize_url(channel, APPS[channel], region, "S", BACK)
    parts = urlsplit(url)
    assert (f"{parts.scheme}://{parts.netloc}", parts.path) == (origin, path)
    assert _query(url) == query


def test_a_tiktok_store_may_name_the_consent_host_its_partner_center_shows() -> None:
    credentials = {**APPS[Channel.TIKTOK], "authorize_host": "https://services.tiktokshops.us/"}
    url = consent.authorize_url(Channel.TIKTOK, credentials, "GB", "S", BACK)
    assert url == "https://services.tiktokshops.us/open/authorize?service_id=7210&state=S"


def test_amazon_draft_apps_consent_in_beta_and_a_region_without_its_own_central_uses_na() -> None:
    url = consent.authorize_url(Channel.AMAZON, {**APPS[Channel.AMAZON], "app_status": "draft"},
                                "ZZ", "S", BACK)  # fmt: skip
    assert url.startswith("https://sellercentral.amazon.com/apps/authorize/consent?")
    assert _query(url)["version"] == "beta"


@pytest.mark.parametrize("channel", list(APPS))
def test_a_missing_app_key_is_named(channel: Channel) -> None:
    first = consent.CONSENT_KEYS[channel][0]
    with pytest.raises(InvalidInput, match=f"need {first}$"):
        consent.authorize_url(channel, {**APPS[channel], first: " "}, "US", "S", BACK)


def test_walmart_has_no_consent_step() -> None:
    with pytest.raises(InvalidInput, match="walmart stores have no consent step"):
        consent.authorize_url(Channel.WALMART, {}, "US", "S", BACK)


@pytest.mark.parametrize(
    ("channel", "query", "code"),
    [
        (
            Channel.AMAZON,
            {"spapi_oauth_code": "ANxyz", "state": "S", "selling_partner_id": "A3SELLER"},
            "ANxyz",
        ),
        (Channel.EBAY, {"code": "v^1.1#code", "expires_in": "299", "state": "S"}, "v^1.1#code"),
        (Channel.TIKTOK, {"code": "ROW_code", "state": "S"}, "ROW_code"),
        (
            Channel.SHOPIFY,
            _signed(
                {
                    "code": "c0de",
                    "shop": "acme.myshopify.com",
                    "state": "S",
                    "timestamp": "1765008000",
                    "host": "YWNtZQ",
                }
            ),
            "c0de",
        ),
    ],
    ids=["amazon", "ebay", "tiktok", "shopify"],
)
def test_the_code_is_read_from_each_redirect(channel, query, code) -> None:  # type: ignore[no-untyped-def]
    assert consent.callback_code(channel, APPS[channel], query) == code


@pytest.mark.parametrize(
    ("channel", "query", "reason"),
    [
        (
            Channel.EBAY,
            {"error": "access_denied", "state": "S"},
            "consent was not given: access_denied",
        ),
        (Channel.AMAZON, {"state": "S"}, "the amazon redirect has no spapi_oauth_code"),
        (
            Channel.SHOPIFY,
            {
                **_signed({"code": "c", "shop": "acme.myshopify.com", "state": "S"}),
                "code": "swapped",
            },
            "hmac does not match",
        ),
        (
            Channel.SHOPIFY,
            _signed({"code": "c", "shop": "acme.myshopify.com"}, "other-secret"),
            "hmac does not match",
        ),
        (Channel.SHOPIFY, _signed({"code": "c", "shop": "evil.myshopify.com"}), "not 'acme"),
        (
            Channel.SHOPIFY,
            _signed({"code": "c", "shop": "acme.example.com"}),
            "is not a shop domain",
        ),
    ],
    ids=["declined", "no-code", "altered", "wrong-secret", "other-shop", "not-a-shop"],
)
def test_a_declined_or_forged_redirect_is_refused(channel, query, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=reason):
        consent.callback_code(channel, APPS[channel], query)


@given(st.dictionaries(st.sampled_from(["code", "shop", "state", "timestamp", "host"]),
                       st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~", max_size=20)),
       st.sampled_from(["code", "shop", "state", "timestamp", "host"]))  # fmt: skip
def test_shopify_hmac_verifies_what_was_signed_and_nothing_changed(query, key) -> None:  # type: ignore[no-untyped-def]
    signed = _signed(query)
    assert consent.shopify_hmac_ok(signed, "shp-secret")
    changed = {**signed, key: signed.get(key, "") + "x"}
    assert not consent.shopify_hmac_ok(changed, "shp-secret")


def test_amazon_code_is_traded_at_lwa_for_the_refresh_token() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=ANSWERS[Channel.AMAZON]), seen)
    granted = consent.exchange(Channel.AMAZON, APPS[Channel.AMAZON], "ANxyz", BACK, client, NOW)
    assert granted.values == {
        "refresh_token": "Atzr|granted",
        "access_token": "Atza|first",
        "access_token_expires_at": (NOW + timedelta(hours=1)).isoformat(),
    }
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", "https://api.amazon.com/auth/o2/token")
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["authorization_code"], "code": ["ANxyz"], "redirect_uri": [BACK],
        "client_id": ["amzn1.application-oa2-client.abc"], "client_secret": ["lwa-secret"],
    }  # fmt: skip


def test_ebay_code_is_traded_with_basic_auth_and_the_ru_name() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=ANSWERS[Channel.EBAY]), seen)
    granted = consent.exchange(Channel.EBAY, APPS[Channel.EBAY], "v^1.1#code", BACK, client, NOW)
    assert granted.values["refresh_token"] == "v^1.1#granted"
    assert granted.values["access_token_expires_at"] == (NOW + timedelta(hours=2)).isoformat()
    (request,) = seen
    assert str(request.url) == "https://api.ebay.com/identity/v1/oauth2/token"
    auth = request.headers["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(auth).decode() == "App-ID:Cert-ID"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["authorization_code"], "code": ["v^1.1#code"],
        "redirect_uri": ["Acme-App-PRD-ru"],
    }  # fmt: skip


def test_shopify_code_gives_an_offline_token_and_its_scopes() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=ANSWERS[Channel.SHOPIFY]), seen)
    granted = consent.exchange(Channel.SHOPIFY, APPS[Channel.SHOPIFY], "c0de", BACK, client, NOW)
    assert granted.values == {
        "access_token": "shpua_offline",
        "scopes": "read_orders,write_inventory",
    }
    (request,) = seen
    assert str(request.url) == "https://acme.myshopify.com/admin/oauth/access_token"
    assert json.loads(request.content) == {
        "client_id": "shp-client", "client_secret": "shp-secret", "code": "c0de",
    }  # fmt: skip


def test_tiktok_code_is_traded_with_a_get_and_its_expiry_is_a_timestamp() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=ANSWERS[Channel.TIKTOK]), seen)
    granted = consent.exchange(Channel.TIKTOK, APPS[Channel.TIKTOK], "ROW_code", BACK, client, NOW)
    assert granted.values == {
        "refresh_token": "ROW_granted",
        "access_token": "ROW_first",
        "access_token_expires_at": datetime(2025, 12, 13, 8, 0, tzinfo=UTC).isoformat(),
    }
    (request,) = seen
    assert (request.method, request.url.path) == ("GET", "/api/v2/token/get")
    assert _query(str(request.url)) == {
        "app_key": "6abc", "app_secret": "tt-secret", "auth_code": "ROW_code",
        "grant_type": "authorized_code",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("channel", "answer", "error", "text"),
    [
        (
            Channel.AMAZON,
            httpx.Response(
                400,
                json={
                    "error": "invalid_grant",
                    "error_description": "The authorization code has expired",
                },
            ),
            InvalidInput,
            "amazon consent refused: The authorization code has expired",
        ),
        (
            Channel.TIKTOK,
            httpx.Response(200, json={"code": 36004004, "message": "auth code used"}),
            InvalidInput,
            "tiktok consent refused: auth code used",
        ),
        (Channel.EBAY, httpx.Response(503, text="down"), ChannelUnavailable, "HTTP 503"),
        (
            Channel.AMAZON,
            httpx.Response(200, json={"access_token": "x", "expires_in": 3600}),
            ChannelUnavailable,
            "no refresh_token",
        ),
    ],
    ids=["expired-code", "tiktok-used", "ebay-503", "no-refresh-token"],
)
def test_a_refused_or_broken_exchange_says_why(channel, answer, error, text) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=text):
        consent.exchange(channel, APPS[channel], "code", BACK, _client(answer, []), NOW)
