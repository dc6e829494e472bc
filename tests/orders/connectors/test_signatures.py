"""Webhook signatures computed independently here, then checked, tampered with and aged."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from linkstar.orders.connectors.signatures import (
    SignatureError,
    generic_signature,
    tiktok_request_sign,
    verify_generic,
    verify_shopify,
    verify_tiktok,
)

BODY = b'{"id":5745893228712,"name":"#1042","line_items":[{"sku":"MUG-CER-350-WHT","quantity":2}]}'
SECRET = "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"


def _shopify_header(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_shopify_accepts_the_real_hmac_and_rejects_tampering() -> None:
    header = _shopify_header(SECRET, BODY)
    verify_shopify(SECRET, BODY, header)
    with pytest.raises(SignatureError, match="does not match"):
        verify_shopify(SECRET, BODY.replace(b'"quantity":2', b'"quantity":9'), header)
    with pytest.raises(SignatureError, match="does not match"):
        verify_shopify("another-secret", BODY, header)
    with pytest.raises(SignatureError, match="missing"):
        verify_shopify(SECRET, BODY, None)
    with pytest.raises(SignatureError, match="no webhook secret"):
        verify_shopify("", BODY, header)


def test_tiktok_signs_app_key_plus_body_in_the_authorization_header() -> None:
    app_key, secret = "6a1b2c3d4e5f6", "e59af819cc4a1d2b3c"
    header = hmac.new(secret.encode(), app_key.encode() + BODY, hashlib.sha256).hexdigest()
    verify_tiktok(app_key, secret, BODY, header)
    verify_tiktok(app_key, secret, BODY, header.upper())  # hex case does not matter
    with pytest.raises(SignatureError):
        verify_tiktok(app_key, secret, BODY + b" ", header)
    with pytest.raises(SignatureError):
        verify_tiktok("other-app", secret, BODY, header)


def test_generic_scheme_within_tolerance_tampered_and_stale() -> None:
    secret, t = "whsec_linkstar_test", 1_796_400_000
    digest = hmac.new(secret.encode(), f"{t}.".encode() + BODY, hashlib.sha256).hexdigest()
    header = f"t={t},v1={digest}"
    assert generic_signature(secret, BODY, t) == header
    assert verify_generic(secret, BODY, header, now=t + 299) == t
    assert verify_generic(secret, BODY, f"t={t}, v1=deadbeef, v1={digest}", now=t) == t  # rotation
    with pytest.raises(SignatureError, match="no v1 signature matches"):
        verify_generic(secret, BODY + b"x", header, now=t)
    with pytest.raises(SignatureError, match="300 s"):
        verify_generic(secret, BODY, header, now=t + 301)
    with pytest.raises(SignatureError, match="300 s"):
        verify_generic(secret, BODY, header, now=t - 301)  # from the future, too
    with pytest.raises(SignatureError, match="numeric t="):
        verify_generic(secret, BODY, f"t=soon,v1={digest}", now=t)
    with pytest.raises(SignatureError, match="no v1"):
        verify_generic(secret, BODY, f"t={t}", now=t)
    with pytest.raises(SignatureError, match="malformed"):
        verify_generic(secret, BODY, f"t={t},{digest}", now=t)


def test_signature_errors_are_401s() -> None:
    assert SignatureError("x").status == 401


def test_tiktok_request_sign_wraps_path_sorted_params_and_body_in_the_secret() -> None:
    params = {
        "timestamp": "1796400000",
        "app_key": "6a1b2c",
        "shop_cipher": "ROW_abc",
        "access_token": "t",
        "sign": "old",
    }
    body = b'{"update_time_ge":1796396400}'
    message = (
        b"s3cret/order/202309/orders/searchapp_key6a1b2cshop_cipherROW_abctimestamp1796400000"
        + body
        + b"s3cret"
    )
    expected = hmac.new(b"s3cret", message, hashlib.sha256).hexdigest()
    assert tiktok_request_sign("s3cret", "/order/202309/orders/search", params, body) == expected
