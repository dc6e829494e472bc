"""Typed reads out of untrusted JSON: each helper names the path it failed at.

Every helper either returns a clean value or raises `PayloadError(reason, path)`; parsers built
on them never see a KeyError, TypeError or a half-built order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import pycountry

from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.core.canonical import ChannelOrder

_MAX_MONEY = Decimal("1e12")


def at(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError("expected an object", path)
    return value


def opt_obj(parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
    value = parent.get(key)
    return None if value is None else obj(value, at(path, key))


def req_obj(parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    if parent.get(key) is None:
        raise PayloadError("is required", at(path, key))
    return obj(parent[key], at(path, key))


def lst(parent: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> Sequence[Any]:
    value = parent.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list):
        raise PayloadError("expected a list", at(path, key))
    return value


def opt_str(parent: Mapping[str, Any], key: str, path: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError("expected a string", at(path, key))
    text = str(value).strip()
    return text or None


def req_str(parent: Mapping[str, Any], key: str, path: str) -> str:
    text = opt_str(parent, key, path)
    if text is None:
        raise PayloadError("is required", at(path, key))
    return text


def money(value: Any, path: str) -> Decimal:
    """A finite amount from a JSON string or number ("12.50", 12.5, 12)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError("expected an amount", path)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(f"{value!r} is not an amount", path) from None
    if not amount.is_finite() or abs(amount) >= _MAX_MONEY:
        raise PayloadError(f"{value!r} is not an amount", path)
    return amount


def opt_money(parent: Mapping[str, Any], key: str, path: str) -> Decimal:
    value = parent.get(key)
    return Decimal("0") if value is None or value == "" else money(value, at(path, key))


def quantity(value: Any, path: str) -> int:
    if isinstance(value, bool):
        raise PayloadError("expected a whole quantity", path)
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str | int | float) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise PayloadError(f"{value!r} is not a whole quantity", path)
    if number < 0 or number > 1_000_000:
        raise PayloadError(f"{value!r} is out of range", path)
    return int(number)


def iso_time(value: Any, path: str) -> datetime:
    """An ISO 8601 timestamp with an offset ("Z" allowed), as aware UTC."""
    if not isinstance(value, str):
        raise PayloadError("expected an ISO 8601 timestamp", path)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(f"{value!r} is not an ISO 8601 timestamp", path) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PayloadError(f"{value!r} has no time zone", path)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise PayloadError(f"{value!r} is out of range", path) from None


def opt_iso(parent: Mapping[str, Any], key: str, path: str) -> datetime | None:
    value = parent.get(key)
    return None if value is None or value == "" else iso_time(value, at(path, key))


def epoch(value: Any, path: str, *, millis: bool = False) -> datetime:
    """Unix seconds (or milliseconds) as aware UTC; numeric strings accepted."""
    if isinstance(value, bool):
        raise PayloadError("expected a Unix timestamp", path)
    try:
        number = int(value) if isinstance(value, int | str) else None
    except ValueError:
        number = None
    if number is None:
        raise PayloadError(f"{value!r} is not a Unix timestamp", path)
    seconds = number / 1000 if millis else number
    if not 0 <= seconds < 253_402_300_800:  # before year 10000
        raise PayloadError(f"{value!r} is out of range", path)
    return datetime.fromtimestamp(seconds, UTC)


def opt_epoch(
    parent: Mapping[str, Any], key: str, path: str, *, millis: bool = False
) -> datetime | None:
    value = parent.get(key)
    if value is None or value == "" or value == 0:
        return None
    return epoch(value, at(path, key), millis=millis)


@lru_cache(maxsize=512)
def _country(code: str) -> str | None:
    code = {"UK": "GB"}.get(code, code)
    if len(code) == 2:
        found = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3:
        found = pycountry.countries.get(alpha_3=code)
    else:
        found = None
    return found.alpha_2 if found is not None else None


def country(value: str | None, path: str) -> str | None:
    """ISO 3166-1 alpha-2 upper case from an alpha-2 or alpha-3 code (Walmart sends "USA")."""
    if value is None:
        return None
    code = _country(value.strip().upper())
    if code is None:
        raise PayloadError(f"{value!r} is not an ISO 3166-1 country code", path)
    return code


def currency(value: str | None, path: str) -> str:
    if value is None:
        raise PayloadError("is required", path)
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise PayloadError(f"{value!r} is not an ISO 4217 currency code", path)
    return code


def guarded(parse: Callable[[Mapping[str, Any]], ChannelOrder]) -> Callable[..., ChannelOrder]:
    """Top-level wrapper: a non-object payload and the canonical types' own checks
    (empty SKU, negative quantity) surface as PayloadError like everything else."""

    def parse_order(payload: Mapping[str, Any]) -> ChannelOrder:
        try:
            return parse(obj(payload, "$"))
        except PayloadError:
            raise
        except ValueError as exc:
            raise PayloadError(str(exc), "$") from None

    parse_order.__doc__ = parse.__doc__
    parse_order.__name__ = "parse_order"
    return parse_order
