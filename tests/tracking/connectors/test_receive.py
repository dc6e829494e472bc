"""The single webhook entry point: signature first, then key and parse; refusals explained."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from linkstar.tracking.connectors.errors import SignatureError, TrackingPayloadError
from linkstar.tracking.connectors.signatures import aftership_signature, generic_signature
from linkstar.tracking.connectors.webhooks import receive, rejection
from tests.tracking.connectors.recorded import body

NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)


def test_each_source_is_verified_keyed_and_parsed():
    raw = body("17track_tracking_updated.json")
    sign = hashlib.sha256(raw + b"/key").hexdigest()
    receipt = receive("17track", raw, {"Sign": sign}, "key", now=NOW)  # header case ignored
    assert receipt.source == "17track"
    assert receipt.idempotency_key == "17track:" + hashlib.sha256(raw).hexdigest()
    assert [u.tracking_number for u in receipt.updates] == ["YT2229521272164446"]

    raw = body("aftership_tracking_update.json")
    headers = {"aftership-hmac-sha256": aftership_signature(raw, "sec")}
    assert len(receive("aftership", raw, headers, "sec", now=NOW).updates[0].events) == 5

    raw = body("generic_batch.json")
    headers = {"X-LinkStar-Signature": generic_signature(raw, "whsec", int(NOW.timestamp()))}
    assert len(receive("generic", raw, headers, "whsec", now=NOW).updates) == 2


def test_a_forged_body_is_refused_before_it_is_parsed():
    with pytest.raises(SignatureError) as error:
        receive("17track", b"not even json", {"sign": "00"}, "key", now=NOW)
    assert rejection(error.value) == (
        401,
        {"code": "invalid_signature", "reason": "17TRACK signature does not match the body"},
    )


def test_unsigned_delivery_is_refused():
    with pytest.raises(SignatureError) as error:
        receive("aftership", body("aftership_tracking_update.json"), {}, "sec", now=NOW)
    assert rejection(error.value)[1]["reason"] == "missing aftership-hmac-sha256 header"


def test_signed_but_malformed_body_is_a_422_with_the_path():
    raw = b'{"event": "TRACKING_UPDATED", "data": {"carrier": 3011}}'
    sign = hashlib.sha256(raw + b"/key").hexdigest()
    with pytest.raises(TrackingPayloadError) as error:
        receive("17track", raw, {"sign": sign}, "key", now=NOW)
    assert rejection(error.value) == (
        422,
        {"code": "invalid_payload", "reason": "is required", "path": "$.data.number"},
    )


def test_unknown_source():
    with pytest.raises(TrackingPayloadError, match="unknown webhook source 'shippo'"):
        receive("shippo", b"{}", {}, "key", now=NOW)
