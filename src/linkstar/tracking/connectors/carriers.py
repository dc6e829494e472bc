"""Carrier codes: aggregator codes to ours, and the carrier of a number nobody named.

17TRACK names carriers by a numeric key (its public carrier list, `apicarrier.all.json`,
linked from the v2 API documentation); AfterShip by a slug (`GET /couriers/all`). Only the
carriers LinkStar sellers ship with are translated (the 17TRACK keys cross-checked against
public client code built on that list); any other code is kept recognisable
(`17track:<key>`, the AfterShip slug) on the events, and the update's carrier is left None so
the hub detects it from the number.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from linkstar.tracking.core import best_carrier

UNKNOWN_CARRIER = "unknown"
_SEPARATORS = re.compile(r"[\s\-]+")

SEVENTEEN_TRACK_CARRIERS = MappingProxyType(
    {
        21051: "usps",
        100001: "dhl_express",
        100002: "ups",
        100003: "fedex",
        7044: "deutsche_post",
        3011: "china_post",
        3013: "china_ems",
        11031: "royal_mail",
        3041: "canada_post",
        1151: "australia_post",
        190008: "yunexpress",
        190012: "yanwen",
        190094: "4px",
        190271: "cainiao",
    }
)

AFTERSHIP_SLUGS = MappingProxyType(
    {
        "usps": "usps",
        "ups": "ups",
        "fedex": "fedex",
        "dhl": "dhl_express",
        "dhl-germany": "dhl_parcel",
        "dhl-global-mail": "dhl_ecommerce",
        "dhl-global-mail-asia": "dhl_ecommerce",
        "deutsch-post": "deutsche_post",
        "china-post": "china_post",
        "china-ems": "china_ems",
        "royal-mail": "royal_mail",
        "canada-post": "canada_post",
        "australia-post": "australia_post",
        "yunexpress": "yunexpress",
        "yanwen": "yanwen",
        "4px": "4px",
        "cainiao": "cainiao",
    }
)


def seventeen_track_carrier(key: int | str | None) -> str | None:
    """Our carrier code for a 17TRACK numeric carrier key, or None when we do not know it."""
    if key is None or isinstance(key, bool):
        return None
    try:
        return SEVENTEEN_TRACK_CARRIERS.get(int(key))
    except (TypeError, ValueError):
        return None


def aftership_carrier(slug: str | None) -> str | None:
    """Our carrier code for an AfterShip courier slug, or None when we do not know it."""
    return AFTERSHIP_SLUGS.get(slug.strip().lower()) if slug else None


def carrier_code(named: str) -> str:
    """A carrier name as typed, as our code: lower case, spaces and dashes as underscores."""
    return _SEPARATORS.sub("_", named.strip().lower())


def carrier_or_detected(number: str, named: str | None) -> str | None:
    """The carrier the source named (as a code), else a confident detection, else None."""
    if named and named.strip():
        return carrier_code(named)
    candidate = best_carrier(number)
    return candidate.carrier if candidate is not None else None
