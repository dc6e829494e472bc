"""Access tokens from refresh credentials, per platform, through httpx.MockTransport."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors import tokens
from linkstar.orders.connectors.clients import ChannelUnavailable
from linkstar.orders.core.canonical import Channel

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
CREDENTIALS: dict[Channel, dict[str, str]] = {
    Channel.AMAZON: {
        "lwa_client_id": "amzn1.application-oa2-client.abc",
        "lwa_client_secret": "lwa-secret",
        "refresh_token": "Atzr|refresh",
    },
    Channel.EBAY: {"client_id": "App-ID", "client_secret": "Cert-ID", "refresh_token": "v^1.1#r"},
    Channel.WALMART: {"client_id": "wm-client", "client_secret": "wm-secret"},
    Channel.TIKTOK: {"app_key": "6abc", "app_secret": "tt-secret", "refresh_token": "ROW_r"},
}
ANSWERS: dict[Channel, dict[str, Any]] = {
    Channel.AMAZON: {
        "access_token": "Atza|fresh",
        "refresh_token": "Atzr|refresh",
        "token_type": "bearer",
        "expires_in": 3600,
    },
    Channel.EBAY: {
        "access_token": "v^1.1#fresh",
        "expires_in": 7200,
        "token_type": "User Access Token",
    },
    Channel.WALMART: {"access_token": "eyJraWQi.fresh", "token_type": "Bearer", "expires_in": 900},
    Channel.TIKTOK: {
        "code": 0,
        "message": "success",
        "data": {
            "access_token": "ROW_fresh",
            "access_token_expire_in": 1797134400,
            "refresh_token": "ROW_r2",
            "refresh_token_expire_in": 1796342400,
        },
        "request_id": "2026120604000001",
    },
}


def _client(answer: httpx.Response, seen: list[httpx.Request]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return httpx.Client(transport=httpx.MockTransport(handler))


def _basic(request: httpx.Request) -> str:
    return base64.b64decode(request.headers["Authorization"].removeprefix("Basic ")).decode()


def test_amazon_lwa_refresh_token_grant() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=ANSWERS[Channel.AMAZON]), seen)
    token = tokens.refresh(Channel.AMAZON, CREDENTIALS[Channel.AMAZON], client, NOW)
    assert token == tokens.AccessToken("Atza|fresh", NOW + timedelta(hours=1), "Atzr|refresh")
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", "https://api.amazon.com/auth/o2/token")
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["Atzr|refresh"],
        "client_id": ["amzn1.application-oa2-client.abc"],
        "client_secret": ["lwa-secret"],
    }


def test_ebay_refresh_token_grant_with_basic_auth_and_optional_scopes() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=ANSWERS[Channel.EBAY]), seen)
    scoped = {**CREDENTIALS[Channel.EBAY], "scopes": "https://api.ebay.com/oauth/api_scope"}
    token = tokens.refresh(Channel.EBAY, scoped, client, NOW)
    assert token == tokens.AccessToken("v^1.1#fresh", NOW + timedelta(hours=2))
    (request,) = seen
    assert str(request.url) == "https://api.ebay.com/identity/v1/oauth2/token"
    assert _basic(request) == "App-ID:Cert-ID"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["v^1.1#r"],
        "scope": ["https://api.ebay.com/oauth/api_scope"],
    }


def test_walmart_client_credentials_grant_with_its_service_headers() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=ANSWERS[Channel.WALMART]), seen)
    token = tokens.refresh(Channel.WALMART, CREDENTIALS[Channel.WALMART], client, NOW)
    assert token == tokens.AccessToken("eyJraWQi.fresh", NOW + timedelta(minutes=15))
    (request,) = seen
    assert str(request.url) == "https://marketplace.walmartapis.com/v3/token"
    assert _basic(request) == "wm-client:wm-secret"
    assert request.headers["WM_SVC.NAME"] == "Walmart Marketplace"
    assert len(request.headers["WM_QOS.CORRELATION_ID"]) == 32
    assert parse_qs(request.content.decode()) == {"grant_type": ["client_credentials"]}


def test_tiktok_refresh_is_a_get_and_its_expiry_a_timestamp() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=ANSWERS[Channel.TIKTOK]), seen)
    token = tokens.refresh(Channel.TIKTOK, CREDENTIALS[Channel.TIKTOK], client, NOW)
    assert token == tokens.AccessToken(
        "ROW_fresh", datetime(2026, 12, 13, 4, 0, tzinfo=UTC), "ROW_r2"
    )
    (request,) = seen
    assert (request.method, request.url.path) == ("GET", "/api/v2/token/refresh")
    assert parse_qs(request.url.query.decode()) == {
        "app_key": ["6abc"],
        "app_secret": ["tt-secret"],
        "refresh_token": ["ROW_r"],
        "grant_type": ["refresh_token"],
    }


@pytest.mark.parametrize(
    ("channel", "answer", "error", "text"),
    [
        (
            Channel.AMAZON,
            httpx.Response(400, json={"error": "invalid_grant", "error_description": "expired"}),
            InvalidInput,
            "amazon token refresh refused: expired",
        ),
        (Channel.EBAY, httpx.Response(401, text="no"), InvalidInput, "refused: 401"),
        (Channel.WALMART, httpx.Response(503, text="down"), ChannelUnavailable, "HTTP 503"),
        (
            Channel.TIKTOK,
            httpx.Response(200, json={"code": 105002, "message": "refresh token expired"}),
            InvalidInput,
            "refused: refresh token expired",
        ),
        (
            Channel.AMAZON,
            httpx.Response(200, json={"token_type": "bearer"}),
            ChannelUnavailable,
            "no access_token",
        ),
    ],
    ids=["lwa-invalid-grant", "ebay-401", "walmart-503", "tiktok-code", "no-token"],
)
def test_a_refused_or_broken_refresh_says_why(channel, answer, error, text) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as info:
        tokens.refresh(channel, CREDENTIALS[channel], _client(answer, []), NOW)
    assert text in str(info.value)


@pytest.mark.parametrize("channel", list(CREDENTIALS))
def test_refresh_needs_every_key_of_its_channel(channel: Channel) -> None:
    full = CREDENTIALS[channel]
    assert tokens.can_refresh(channel, full)
    for key in full:
        assert not tokens.can_refresh(channel, {**full, key: " "})
    assert not tokens.can_refresh(Channel.SHOPIFY, {"access_token": "shpat_x"})
