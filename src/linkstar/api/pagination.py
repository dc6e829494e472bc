"""Cursor pagination at the edge: `?limit=&cursor=` in, `{"items", "next_cursor"}` out.

Cursors handed to clients are the repository's keyset cursors signed with the server secret,
so a forged or edited cursor is refused as malformed before it reaches a query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query

from linkstar.api.deps import get_settings
from linkstar.config import Settings
from linkstar.kit.errors import InvalidInput
from linkstar.kit.pagination import Page

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_LENGTH = 512
_MAC_CHARS = 22  # 132 bits of HMAC-SHA256

RowT = TypeVar("RowT")


def _mac(secret: str, inner: str) -> str:
    digest = hmac.new(secret.encode(), b"cursor:" + inner.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]


def sign_cursor(secret: str, inner: str) -> str:
    """The client-facing form of a repository cursor."""
    return f"{inner}.{_mac(secret, inner)}"


def open_cursor(secret: str, token: str) -> str:
    """The repository cursor inside a client cursor; InvalidInput when forged or malformed."""
    inner, _, mac = token.rpartition(".")
    if not inner or not hmac.compare_digest(mac.encode(), _mac(secret, inner).encode()):
        raise InvalidInput("malformed cursor", {"field": "cursor"})
    return inner


@dataclass(frozen=True)
class PageParams:
    """The validated `limit` and the repository cursor of the requested page."""

    limit: int
    cursor: str | None
    secret: str

    def out(self, page: Page[RowT], render: Callable[[RowT], Any]) -> dict[str, Any]:
        """The response body of a page: rendered items and the signed next cursor."""
        cursor = sign_cursor(self.secret, page.next_cursor) if page.next_cursor else None
        return {"items": [render(row) for row in page.items], "next_cursor": cursor}


def page_params(
    settings: Annotated[Settings, Depends(get_settings)],
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1-{MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="`next_cursor` of the previous page; omit for the first page.",
        ),
    ] = None,
) -> PageParams:
    """Parse `?limit=&cursor=`; a cursor this server did not issue is a 422."""
    secret = settings.secret()
    inner = open_cursor(secret, cursor) if cursor else None
    return PageParams(limit, inner, secret)


Paging = Annotated[PageParams, Depends(page_params)]
