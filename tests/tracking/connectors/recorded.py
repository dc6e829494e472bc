"""Recorded API responses and webhook bodies (payloads/), read as raw bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"


def body(name: str) -> bytes:
    """The recorded file's bytes, exactly as a carrier or aggregator would send them."""
    return (PAYLOADS / name).read_bytes()


def data(name: str) -> Any:
    """The recorded file decoded."""
    return json.loads(body(name))
