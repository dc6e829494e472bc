"""Helpers shared by the pull parsers: event times given as local time plus a UTC offset."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from linkstar.tracking.connectors._payload import opt_str, parse_offset, parse_time
from linkstar.tracking.connectors.errors import TrackingPayloadError


def local_time(date: str, time: str, offset: str, path: str) -> datetime:
    """`YYYYMMDD` + `HHMMSS` local time at a `±HH:MM` offset, as UTC."""
    try:
        naive = datetime.strptime(f"{date}{time.ljust(6, '0')}", "%Y%m%d%H%M%S")
    except ValueError:
        reason = f"date {date!r} time {time!r} is not YYYYMMDD HHMMSS"
        raise TrackingPayloadError(reason, path) from None
    return naive.replace(tzinfo=parse_offset(offset, path)).astimezone(UTC)


def utc_naive(text: str, path: str) -> datetime:
    """A time the API documents as GMT/UTC; an explicit offset is honoured if present."""
    try:
        return parse_time(text, path)
    except TrackingPayloadError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TrackingPayloadError(f"time {text!r} is not ISO 8601", path) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def optional_time(parent: Mapping[str, Any], key: str, path: str) -> datetime | None:
    """parent[key] as a time with an offset; None when absent or not placeable in time."""
    text = opt_str(parent, key, path)
    if text is None:
        return None
    try:
        return parse_time(text, f"{path}.{key}")
    except TrackingPayloadError:
        return None  # an estimate without an offset is not worth refusing the events for


def at_offset(text: str, offset: str, path: str) -> datetime:
    """A local ISO time placed at a `±HH:MM` offset (an offset in the text itself wins)."""
    try:
        return parse_time(text, path)
    except TrackingPayloadError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TrackingPayloadError(f"time {text!r} is not ISO 8601", path) from None
    return moment.replace(tzinfo=parse_offset(offset, path)).astimezone(UTC)
