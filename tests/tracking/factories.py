"""Builders of real-format tracking numbers with check digits computed here, not copied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkstar.tracking.core.events import TrackingEvent, event_from_raw
from linkstar.tracking.core.numbers import (
    fedex_mod11_check_digit,
    gs1_mod10_check_digit,
    s10_check_digit,
    ups_check_digit,
)

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def ups(shipper: str, service: str, package: str) -> str:
    """A 1Z number: 6-character shipper, 2-character service, 7-character package."""
    body = f"{shipper}{service}{package}"
    return f"1Z{body}{ups_check_digit(body)}"


def s10(service: str, serial: str, country: str) -> str:
    """A UPU S10 identifier with its mod-11 check digit."""
    return f"{service}{serial}{s10_check_digit(serial)}{country}"


def impb(body_without_check: str) -> str:
    """A USPS IMpb number (starting 9x) with its GS1 mod-10 check digit."""
    return f"{body_without_check}{gs1_mod10_check_digit(body_without_check)}"


def fedex_12(first_11: str) -> str:
    """A 12-digit FedEx Express number with its mod-11 check digit."""
    return f"{first_11}{fedex_mod11_check_digit(first_11)}"


def fedex_96(scnc_service: str, serial: str) -> str:
    """A 22-digit FedEx Ground 96 number: 96 + 5 digits + 14-digit serial + check."""
    return f"96{scnc_service}{serial}{gs1_mod10_check_digit(serial)}"


def dhl_express(first_9: str) -> str:
    """A 10-digit DHL Express waybill with its mod-7 check digit."""
    return f"{first_9}{int(first_9) % 7}"


def wrong_check(number: str, position: int = -1) -> str:
    """The same number with the check digit at `position` replaced by a different digit."""
    index = position % len(number)
    digit = number[index]
    replacement = str((int(digit) + 1) % 10)
    return number[:index] + replacement + number[index + 1 :]


def event(
    carrier: str,
    code: str,
    text: str,
    minutes: int = 0,
    *,
    code_source: str | None = None,
    city: str | None = None,
) -> TrackingEvent:
    """A normalised event `minutes` after a fixed start time."""
    return event_from_raw(
        carrier=carrier,
        event_time=T0 + timedelta(minutes=minutes),
        raw_code=code,
        raw_description=text,
        code_source=code_source,
        city=city,
    )
