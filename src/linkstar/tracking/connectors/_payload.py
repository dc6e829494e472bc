"""Reading untrusted JSON: typed accessors that raise `TrackingPayloadError` with a path.

Every parser walks its payload through these, so any JSON value, however wrong, ends in
either a result or one `TrackingPayloadError` -- never a KeyError or TypeError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import pycountry

from linkstar.tracking.connectors.errors import TrackingPayloadError

MAX_BODY = 5_000_000  # bytes; aggregators send one parcel per webhook, well under this


def load_json(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    """Decode a webhook body or API response into a JSON object."""
    if isinstance(body, Mapping):
        return body
    if len(body) > MAX_BODY:
        raise TrackingPayloadError(f"body larger than {MAX_BODY} bytes")
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise TrackingPayloadError(f"body is not UTF-8 (byte {error.start})") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise TrackingPayloadError(f"body is not JSON ({error})") from None
    return obj(data, "$")


def obj(value: Any, path: str) -> Mapping[str, Any]:
    """The value as a JSON object."""
    if not isinstance(value, Mapping):
        raise TrackingPayloadError(f"expected an object, got {_kind(value)}", path)
    return value


def opt_obj(parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    """parent[key] as an object; a missing or null key gives an empty one."""
    value = parent.get(key)
    return {} if value is None else obj(value, f"{path}.{key}")


def lst(parent: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> list[Any]:
    """parent[key] as a list; missing or null gives [] unless required."""
    value = parent.get(key)
    if value is None:
        if required:
            raise TrackingPayloadError("is required", f"{path}.{key}")
        return []
    if not isinstance(value, list):
        raise TrackingPayloadError(f"expected a list, got {_kind(value)}", f"{path}.{key}")
    return value


def opt_str(parent: Mapping[str, Any], key: str, path: str) -> str | None:
    """parent[key] as a stripped string or None (numbers are accepted and written out)."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TrackingPayloadError(f"expected a string, got {_kind(value)}", f"{path}.{key}")
    text = str(value).strip()
    return text or None


def req_str(parent: Mapping[str, Any], key: str, path: str) -> str:
    """parent[key] as a non-empty string."""
    text = opt_str(parent, key, path)
    if text is None:
        raise TrackingPayloadError("is required", f"{path}.{key}")
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def parse_time(text: str, path: str) -> datetime:
    """An ISO 8601 date-time with a UTC offset or Z; anything else is refused, not guessed."""
    value = text.strip()
    if not _OFFSET.search(value):
        raise TrackingPayloadError(f"time {text!r} has no UTC offset", path)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise TrackingPayloadError(f"time {text!r} is not ISO 8601", path) from None
    if moment.tzinfo is None:  # pragma: no cover - the offset check above rules it out
        raise TrackingPayloadError(f"time {text!r} has no UTC offset", path)
    return moment.astimezone(UTC)


def parse_offset(text: str, path: str) -> timezone:
    """A UTC offset such as '-05:00', '+0800' or 'Z'."""
    value = text.strip()
    if value.upper() == "Z":
        return UTC
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", value)
    if not match or int(match[2]) > 23 or int(match[3]) > 59:
        raise TrackingPayloadError(f"offset {text!r} is not ±HH:MM", path)
    minutes = int(match[2]) * 60 + int(match[3])
    return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))


@lru_cache(maxsize=512)
def _alpha2(code: str) -> str | None:
    country = pycountry.countries.get(alpha_3=code)
    return country.alpha_2 if country is not None else None


def country_iso2(value: str | None) -> str | None:
    """ISO alpha-2 from an alpha-2 or alpha-3 code; anything else is returned as sent.

    `event_from_raw` moves a value that is not alpha-2 into the free-text location, so a
    country name or an unknown code is kept readable instead of guessed.
    """
    if value is None:
        return None
    code = value.strip().upper()
    if len(code) == 3 and code.isalpha():
        return _alpha2(code) or value
    return value
