"""ISO 3166-1 countries and ISO 4217 currencies (from pycountry's copy of the ISO tables)."""

from __future__ import annotations

from functools import lru_cache

import pycountry

from linkstar.kit.errors import InvalidInput

# Codes in everyday use that ISO keeps elsewhere: the UK's postal "UK" is GB.
_ALIASES = {"UK": "GB"}


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def country_code(value: str) -> str:
    """Upper-cased ISO 3166-1 alpha-2 code, or InvalidInput."""
    code = value.strip().upper()
    code = _ALIASES.get(code, code)
    if code not in _countries():
        raise InvalidInput(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def currency_code(value: str) -> str:
    """Upper-cased ISO 4217 currency code, or InvalidInput."""
    code = value.strip().upper()
    if code not in _currencies():
        raise InvalidInput(f"{value!r} is not an ISO 4217 currency code")
    return code
