"""Webhook and API response parsing: payloads per second for each recorded format.

Times each parser (signature check included for the webhooks) on the recorded payloads in
tests/tracking/connectors/payloads/, so the figures are for real shapes: a 17TRACK push with 8
events over two carriers, an AfterShip webhook with 5 checkpoints, a generic batch, USPS v3, UPS
Track, FedEx Track (3 numbers) and DHL Unified responses.
Usage: python benchmarks/tracking_webhook_parse.py [--seconds S]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import report

from linkstar.tracking.connectors import (
    parse_dhl,
    parse_fedex,
    parse_ups,
    parse_usps,
    receive,
)
from linkstar.tracking.connectors.signatures import aftership_signature, generic_signature

PAYLOADS = Path(__file__).parents[1] / "tests" / "tracking" / "connectors" / "payloads"
NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)


def _cases() -> list[tuple[str, Callable[[], Any], int]]:
    push = (PAYLOADS / "17track_tracking_updated.json").read_bytes()
    sign = hashlib.sha256(push + b"/key").hexdigest()
    after = (PAYLOADS / "aftership_tracking_update.json").read_bytes()
    after_sig = aftership_signature(after, "sec")
    generic = (PAYLOADS / "generic_batch.json").read_bytes()
    generic_sig = generic_signature(generic, "sec", int(NOW.timestamp()))
    usps = (PAYLOADS / "usps_tracking_v3.json").read_bytes()
    ups = (PAYLOADS / "ups_track_delivered.json").read_bytes()
    fedex = (PAYLOADS / "fedex_track_batch.json").read_bytes()
    dhl = (PAYLOADS / "dhl_parcel_de.json").read_bytes()
    return [
        ("17track push (verify + parse)",
         lambda: receive("17track", push, {"sign": sign}, "key", now=NOW), 8),
        ("aftership webhook (verify + parse)",
         lambda: receive("aftership", after, {"aftership-hmac-sha256": after_sig}, "sec",
                         now=NOW), 5),
        ("generic batch (verify + parse)",
         lambda: receive("generic", generic, {"X-LinkStar-Signature": generic_sig}, "sec",
                         now=NOW), 3),
        ("usps v3 response", lambda: parse_usps(usps), 7),
        ("ups track response", lambda: parse_ups(ups), 7),
        ("fedex track response (3 numbers)", lambda: parse_fedex(fedex), 9),
        ("dhl unified response", lambda: parse_dhl(dhl), 5),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    rows = []
    for name, call, events in _cases():
        count = 0
        began = time.perf_counter()
        while time.perf_counter() - began < args.seconds:
            for _ in range(100):
                call()
            count += 100
        elapsed = time.perf_counter() - began
        rows.append(
            {
                "payload": name,
                "events": events,
                "payloads_per_s": int(count / elapsed),
                "events_per_s": int(count * events / elapsed),
                "us_per_payload": round(elapsed / count * 1e6, 1),
            }
        )
    report("tracking_webhook_parse", rows)


if __name__ == "__main__":
    main()
