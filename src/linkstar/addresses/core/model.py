"""The address checker's vocabulary: inputs, flags, reasons, suggestions, verdicts, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "company",
    "line1",
    "line2",
    "city",
    "state",
    "postcode",
    "country",
    "phone",
    "email",
)


class Verdict(StrEnum):
    """What to do with the address: ship it, ship the corrected form, hold it, or refuse it."""

    VALID = "valid"
    CORRECTED = "corrected"
    NEEDS_REVIEW = "needs_review"
    INVALID = "invalid"


class Severity(StrEnum):
    """How much a reason weighs; the worst reason decides the verdict."""

    INFO = "info"
    CORRECTION = "correction"
    REVIEW = "review"
    INVALID = "invalid"


SEVERITY_RANK = {Severity.INFO: 0, Severity.CORRECTION: 1, Severity.REVIEW: 2, Severity.INVALID: 3}


class Flag(StrEnum):
    """What kind of destination this is (classifications, not judgements)."""

    PO_BOX = "po_box"
    MILITARY = "military"
    RESIDENTIAL = "residential"
    COMMERCIAL = "commercial"
    FORWARDER = "forwarder"
    JUNK = "junk"
    ZIP_PO_BOX_ONLY = "zip_po_box_only"
    ZIP_UNIQUE = "zip_unique"


@dataclass(frozen=True, slots=True)
class AddressInput:
    """One address exactly as it came in: every field a raw string, empty when absent."""

    id: str = ""
    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the verdict is what it is: a stable code, the field concerned and a sentence."""

    code: str
    field: str
    message: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed value for a field (applied when the verdict is `corrected`)."""

    field: str
    value: str
    reason: str
    applied: bool


@dataclass(frozen=True, slots=True)
class Difference:
    """A field whose normalised value differs from what came in."""

    field: str
    original: str
    normalised: str


@dataclass(frozen=True, slots=True)
class CheckedAddress:
    """The outcome of checking one address: the original, the normalised form and the decision."""

    original: AddressInput
    normalised: AddressInput
    verdict: Verdict
    flags: tuple[Flag, ...] = ()
    reasons: tuple[Reason, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    differences: tuple[Difference, ...] = ()
    residential_confidence: float = 0.5
    residential_evidence: tuple[str, ...] = ()
    forwarder_score: int = 0
    forwarder_evidence: tuple[str, ...] = field(default=())

    @property
    def components(self) -> tuple[tuple[str, str], ...]:
        """The parts of a US street line as parsed by `usaddress` (computed on demand)."""
        from linkstar.addresses.core.us import parse_street

        return parse_street(self.normalised.line1) if self.normalised.country == "US" else ()

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """The reason codes in order."""
        return tuple(r.code for r in self.reasons)
