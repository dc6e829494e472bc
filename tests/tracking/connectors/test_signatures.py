"""Webhook signatures: 17TRACK sha256(body/key), AfterShip base64 HMAC, generic t=,v1=."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from linkstar.tracking.connectors.errors import SignatureError
from linkstar.tracking.connectors.signatures import (
    aftership_signature,
    generic_signature,
    idempotency_key,
    verify_17track,
    verify_aftership,
    verify_generic,
)
from tests.tracking.connectors.recorded import body

NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())


def test_17track_sign_is_sha256_of_body_slash_key():
    raw = body("17track_tracking_updated.json")
    sign = hashlib.sha256(raw + b"/" + b"k3y").hexdigest()
    verify_17track(raw, sign, "k3y")
    verify_17track(raw, sign.upper(), "k3y")  # hex case does not matter


@pytest.mark.parametrize(
    ("sign", "key", "reason"),
    [
        (None, "k3y", "missing sign header"),
        ("  ", "k3y", "missing sign header"),
        ("00" * 32, "k3y", "17TRACK signature does not match the body"),
        ("abc", "", "no webhook secret is configured; unsigned webhooks are refused"),
    ],
)
def test_17track_bad_signatures_are_refused_with_a_reason(sign, key, reason):
    with pytest.raises(SignatureError) as error:
        verify_17track(body("17track_tracking_updated.json"), sign, key)
    assert error.value.reason == reason


def test_17track_signature_of_a_tampered_body_fails():
    raw = body("17track_tracking_updated.json")
    sign = hashlib.sha256(raw + b"/k3y").hexdigest()
    with pytest.raises(SignatureError):
        verify_17track(raw.replace(b"Delivered_Other", b"Exception_Other"), sign, "k3y")


def test_aftership_header_is_base64_hmac_sha256():
    raw = body("aftership_tracking_update.json")
    expected = base64.b64encode(hmac.new(b"s3cret", raw, hashlib.sha256).digest()).decode()
    assert aftership_signature(raw, "s3cret") == expected
    verify_aftership(raw, expected, "s3cret")


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing aftership-hmac-sha256 header"),
        ("not base64!", "aftership-hmac-sha256 is not base64"),
        (base64.b64encode(b"x" * 32).decode(), "AfterShip signature does not match the body"),
    ],
)
def test_aftership_bad_signatures(header, reason):
    with pytest.raises(SignatureError) as error:
        verify_aftership(body("aftership_tracking_update.json"), header, "s3cret")
    assert error.value.reason == reason


def test_aftership_signature_with_another_secret_fails():
    raw = body("aftership_tracking_update.json")
    with pytest.raises(SignatureError):
        verify_aftership(raw, aftership_signature(raw, "other"), "s3cret")


def test_generic_signature_round_trip_and_format():
    raw = body("generic_batch.json")
    header = generic_signature(raw, "whsec", T)
    mac = hmac.new(b"whsec", f"{T}.".encode() + raw, hashlib.sha256).hexdigest()
    assert header == f"t={T},v1={mac}"
    assert verify_generic(raw, header, "whsec", now=NOW) == T


def test_generic_accepts_any_of_several_v1_during_secret_rotation():
    raw = body("generic_batch.json")
    good = generic_signature(raw, "new", T).split(",")[1]
    old = generic_signature(raw, "old", T).split(",")[1]
    assert verify_generic(raw, f"t={T},{old},{good}", "new", now=NOW) == T


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing X-LinkStar-Signature header"),
        ("v1=abc", "X-LinkStar-Signature has no t= timestamp"),
        (f"t={T}", "X-LinkStar-Signature has no v1= signature"),
        ("t=yesterday,v1=ab", "X-LinkStar-Signature timestamp 'yesterday' is not unix seconds"),
        ("garbage", "X-LinkStar-Signature part 'garbage' is not key=value"),
        (f"t={T - 301},v1=ab", "X-LinkStar-Signature timestamp is 301 s old (tolerance 300 s)"),
        (
            f"t={T + 400},v1=ab",
            "X-LinkStar-Signature timestamp is 400 s in the future (tolerance 300 s)",
        ),
        (f"t={T},v1={'0' * 64}", "X-LinkStar-Signature does not match the body"),
    ],
)
def test_generic_bad_signatures(header, reason):
    with pytest.raises(SignatureError) as error:
        verify_generic(body("generic_batch.json"), header, "whsec", now=NOW)
    assert error.value.reason == reason


def test_generic_signature_within_tolerance_is_accepted():
    raw = body("generic_batch.json")
    assert verify_generic(raw, generic_signature(raw, "whsec", T - 299), "whsec", now=NOW)


def test_idempotency_key_is_stable_per_body():
    raw = body("17track_tracking_updated.json")
    assert idempotency_key("17track", raw) == idempotency_key("17track", raw)
    assert idempotency_key("17track", raw) == "17track:" + hashlib.sha256(raw).hexdigest()
    assert idempotency_key("17track", raw) != idempotency_key("17track", raw + b" ")
