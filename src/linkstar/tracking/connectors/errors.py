"""Errors of the tracking connectors: a bad payload, and a carrier API that said no."""

from __future__ import annotations


class TrackingPayloadError(ValueError):
    """A webhook body or API response that cannot be read; `path` points at the culprit.

    The webhook routes answer it with a 4xx carrying `reason` and `path` and keep the body
    in the dead-letter table, so nothing is lost.
    """

    def __init__(self, reason: str, path: str = "$") -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason
        self.path = path


class SignatureError(ValueError):
    """A webhook whose signature is missing, malformed, stale or wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CarrierAPIError(RuntimeError):
    """A carrier API call failed as a whole (authentication, server error, bad response)."""

    def __init__(self, carrier: str, reason: str, status_code: int | None = None) -> None:
        super().__init__(f"{carrier}: {reason}")
        self.carrier = carrier
        self.reason = reason
        self.status_code = status_code


class RateLimited(CarrierAPIError):
    """The carrier answered 429 and asked us to wait longer than we are willing to block."""

    def __init__(self, carrier: str, retry_after: float) -> None:
        super().__init__(carrier, f"rate limited; retry after {retry_after:g} s", 429)
        self.retry_after = retry_after
