"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from linkstar.kit.errors import InvalidInput


@dataclass(frozen=True)
class Cursor:
    """Position after the last row of a page: the sort key and the id as tie-breaker."""

    key: str
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.key, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            key, id_ = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(key, str) or not isinstance(id_, str):
                raise ValueError("cursor parts must be strings")
        except (ValueError, TypeError) as exc:
            raise InvalidInput("malformed cursor", {"cursor": token}) from exc
        return cls(key, id_)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next page (None on the last page)."""

    items: list[T]
    next_cursor: str | None
