"""Request and response models of addresses (checks, policy, review queue)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from linkstar.addresses.core import FIELDS, AddressInput, CheckedAddress, Verdict

MAX_BATCH = 1000


class AddressFields(BaseModel):
    """One address as it came in. Every field is text; absent fields are empty. Any text is
    accepted (the checker cuts and reports what no real address holds)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default="", description="The caller's reference, echoed back.")
    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = Field(default="", description="ISO 3166-1 alpha-2, or a country name.")
    phone: str = ""
    email: str = ""

    @field_validator("*", mode="after")
    @classmethod
    def _encodable(cls, value: Any) -> Any:
        # JSON may carry a lone surrogate (`"\\ud800"`); no database or response can hold it.
        if isinstance(value, str):
            return value.encode("utf-8", "replace").decode("utf-8")
        return value

    def to_input(self) -> AddressInput:
        """The core input of this address."""
        return AddressInput(**{name: getattr(self, name) for name in FIELDS})


class CheckRequest(AddressFields):
    """One address to check."""

    postal_service: bool = Field(
        default=False, description="The parcel goes by a postal service (PO boxes allowed)."
    )


class BatchRequest(BaseModel):
    """Up to 1,000 addresses checked with one policy."""

    model_config = ConfigDict(extra="forbid")

    addresses: list[AddressFields] = Field(min_length=1, max_length=MAX_BATCH)
    postal_service: bool = False
    hold: bool = Field(
        default=False,
        description="Open a review (subject type `api`, reference = the address `id`) for "
        "every `needs_review` result; every address then needs a distinct non-empty `id`.",
    )


class ReasonRead(BaseModel):
    code: str
    field: str
    message: str
    severity: str


class SuggestionRead(BaseModel):
    field: str
    value: str
    reason: str
    applied: bool


class DifferenceRead(BaseModel):
    field: str
    original: str
    normalised: str


class RemoteAreaRead(BaseModel):
    """A carrier whose rate card charges this destination as remote or extended remote."""

    carrier: str
    service_id: str | None = Field(description="None: every service of the carrier.")
    kind: str
    amount: int = Field(description="The surcharge's fixed part, in minor units.")
    currency: str


class CheckedRead(BaseModel):
    """The outcome of one check: the address as given, its normalised form and the verdict."""

    id: str = Field(description="The `id` of the address as given.")
    verdict: Verdict
    original: dict[str, str]
    normalised: dict[str, str]
    flags: list[str]
    reasons: list[ReasonRead]
    suggestions: list[SuggestionRead]
    differences: list[DifferenceRead]
    residential_confidence: float
    residential_evidence: list[str]
    forwarder_score: int
    forwarder_evidence: list[str]
    remote_areas: list[RemoteAreaRead] = Field(
        default_factory=list,
        description="Carriers whose rate cards in force today charge this destination as "
        "remote (from their remote and extended_remote lists).",
    )


class BatchItemRead(CheckedRead):
    review_id: str | None = Field(
        default=None, description="The review opened for this address (with `hold`)."
    )


class BatchRead(BaseModel):
    """Per-address results in the order given, and how many got each verdict."""

    results: list[BatchItemRead]
    counts: dict[str, int]


class PolicyWrite(BaseModel):
    """The policy options to store; options left out take their default. Types are checked
    here, values (ZIP formats, country codes, score ranges, severities) by the service, which
    names every problem's JSON path."""

    model_config = ConfigDict(extra="forbid")

    block_military: bool | None = Field(default=None, description="Default false.")
    hold_po_box_unless_postal: bool | None = Field(default=None, description="Default true.")
    forwarder_hold_score: int | None = Field(default=None, ge=0, le=101, description="Default 60.")
    forwarder_block_score: int | None = Field(
        default=None, ge=0, le=101, description="Default 101 (never)."
    )
    require_phone_countries: list[str] | None = Field(default=None, max_length=300)
    auto_apply_corrections: bool | None = Field(default=None, description="Default true.")
    junk_is_invalid: bool | None = Field(default=None, description="Default true.")
    review_invalid_phone: bool | None = Field(default=None, description="Default false.")
    review_invalid_email: bool | None = Field(default=None, description="Default false.")
    forwarder_hub_zips: list[str] | None = Field(default=None, max_length=10_000)
    forwarder_keywords: list[str] | None = Field(default=None, max_length=1_000)
    severity_overrides: dict[str, str] | None = Field(
        default=None, description="Reason code → info | correction | review | invalid."
    )

    def options(self) -> dict[str, Any]:
        """The options given (null means: the default)."""
        return self.model_dump(exclude_none=True)


class PolicyRead(BaseModel):
    """The policy in force; version 0 is the built-in default (never stored)."""

    version: int
    set_by: str | None
    set_at: datetime | None
    policy: dict[str, Any]


class ReviewRead(BaseModel):
    """One held address and what was decided."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    subject_type: str
    subject_ref: str
    state: str = Field(description="`pending`, `approved`, `edited` or `rejected`.")
    verdict: str
    original: dict[str, Any]
    normalised: dict[str, Any]
    flags: list[Any]
    reasons: list[Any]
    suggestions: list[Any]
    differences: list[Any]
    decided_by: str | None
    decided_at: datetime | None
    comment: str
    final_address: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class DecisionRequest(BaseModel):
    """An approval or a rejection, with an optional comment."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000)


class EditRequest(BaseModel):
    """The corrected address, re-checked before it is accepted."""

    model_config = ConfigDict(extra="forbid")

    address: AddressFields
    comment: str = Field(default="", max_length=2000)


def address_dict(address: AddressInput) -> dict[str, str]:
    """An address as JSON."""
    return _flat(address)


_NAMES: dict[type, tuple[str, ...]] = {}


def _flat(value: object) -> dict[str, Any]:
    # `dataclasses.asdict` without its recursion and deep copies, for the checker's dataclasses
    # of plain values (str, bool): a review queue of 20,000 imported orders spent seconds there.
    kind = type(value)
    names = _NAMES.get(kind)
    if names is None:
        names = _NAMES[kind] = tuple(f.name for f in fields(value))  # type: ignore[arg-type]
    return {name: getattr(value, name) for name in names}


def checked_dict(result: CheckedAddress) -> dict[str, Any]:
    """A check result as JSON-ready data (the shape of `CheckedRead`)."""
    return {
        "id": result.original.id,
        "verdict": result.verdict.value,
        "original": _flat(result.original),
        "normalised": _flat(result.normalised),
        "flags": [f.value for f in result.flags],
        "reasons": [
            {"code": r.code, "field": r.field, "message": r.message, "severity": r.severity.value}
            for r in result.reasons
        ],
        "suggestions": [_flat(s) for s in result.suggestions],
        "differences": [_flat(d) for d in result.differences],
        "residential_confidence": result.residential_confidence,
        "residential_evidence": list(result.residential_evidence),
        "forwarder_score": result.forwarder_score,
        "forwarder_evidence": list(result.forwarder_evidence),
    }
