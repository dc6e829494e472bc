"""The result type of carrier detection and the confidence scale every format uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

# The confidence scale (documented in docs/formats/tracking.md). A check digit that passes is
# strong evidence; a distinctive prefix without one is good evidence; a bare run of digits
# that happens to pass a weak check is only a hint.
CONFIDENT = 0.97  # distinctive structure and a valid check digit
STRONG = 0.9  # distinctive structure, valid check, but a legacy or less specific form
LIKELY = 0.85  # distinctive prefix or suffix; the format has no check digit
PLAUSIBLE = 0.65  # digits only, valid check digit; other carriers use the same shape
WEAK = 0.45  # shared shape, little evidence beyond the length
MISTYPED = 0.15  # distinctive structure but the check digit fails: probably a typo


class CheckDigit(StrEnum):
    """What the check digit said about a candidate."""

    VALID = "valid"
    INVALID = "invalid"
    ABSENT = "absent"  # the format defines no check digit


@dataclass(frozen=True, slots=True)
class Candidate:
    """One carrier a tracking number may belong to, with how sure we are and why."""

    carrier: str
    format_id: str
    confidence: float
    reason: str
    check_digit: CheckDigit
    service: str | None = None
    origin_country: str | None = None
    destination_postcode: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside [0, 1]")


@dataclass(frozen=True, slots=True)
class TrackingFormat:
    """A documented tracking-number format: what it looks like, how it is checked, where from."""

    id: str
    carrier: str
    pattern: str
    check: str
    source: str
    example: str
    match: Callable[[str], Candidate | None]
