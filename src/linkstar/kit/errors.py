"""Errors that carry a stable code, a human message and details for the API envelope."""

from __future__ import annotations

from typing import Any


class LinkStarError(Exception):
    """Base of every expected failure; the API maps `status` to the HTTP status code."""

    code = "error"
    status = 400
    # When True, the unit of work commits what was written before the error was raised:
    # the failure itself is a fact to keep (e.g. a failed sign-in counted for throttling).
    keep_changes = False

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(LinkStarError):
    code = "not_found"
    status = 404


class Conflict(LinkStarError):
    code = "conflict"
    status = 409


class InvalidInput(LinkStarError):
    code = "invalid_input"
    status = 422


class Unauthenticated(LinkStarError):
    code = "unauthenticated"
    status = 401


class PermissionDenied(LinkStarError):
    code = "permission_denied"
    status = 403


class Throttled(LinkStarError):
    code = "throttled"
    status = 429

    def __init__(self, message: str, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after


class UpstreamFailed(LinkStarError):
    """An outside platform failed to answer a request made for the user; trying later may work."""

    code = "upstream_failed"
    status = 502
