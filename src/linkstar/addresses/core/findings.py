"""Collects reasons, suggestions and flags while an address is checked; decides the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from linkstar.addresses.core.model import (
    SEVERITY_RANK,
    Flag,
    Reason,
    Severity,
    Suggestion,
    Verdict,
)
from linkstar.addresses.core.policy import Policy

_INFO, _FIX, _HOLD, _BAD = Severity.INFO, Severity.CORRECTION, Severity.REVIEW, Severity.INVALID

DEFAULT_SEVERITY: dict[str, Severity] = {
    "field_too_long": _BAD,
    "missing_country": _BAD,
    "unknown_country": _BAD,
    "country_inferred": _FIX,
    "missing_field": _BAD,
    "postcode_format": _BAD,
    "zip_zero_padded": _FIX,
    "zip_unknown": _HOLD,
    "state_from_zip": _FIX,
    "city_from_zip": _FIX,
    "state_corrected": _FIX,
    "city_corrected": _FIX,
    "city_unacceptable": _FIX,
    "city_spelling": _INFO,
    "zip_state_mismatch": _HOLD,
    "zip_city_mismatch": _HOLD,
    "subdivision_unknown": _HOLD,
    "phone_invalid": _INFO,
    "phone_missing": _HOLD,
    "email_invalid": _INFO,
    "po_box": _INFO,
    "po_box_held": _HOLD,
    "military": _INFO,
    "military_blocked": _BAD,
    "military_mismatch": _HOLD,
    "forwarder_risk": _HOLD,
    "forwarder_blocked": _BAD,
    "junk": _BAD,
    "zip_po_box_only": _HOLD,
    "check_failed": _HOLD,
}

_VERDICTS = {
    Severity.INFO: Verdict.VALID,
    Severity.CORRECTION: Verdict.CORRECTED,
    Severity.REVIEW: Verdict.NEEDS_REVIEW,
    Severity.INVALID: Verdict.INVALID,
}


@dataclass(slots=True)
class Findings:
    """The mutable working state of one check (never leaves the `check` call)."""

    policy: Policy
    parts: dict[str, str]
    reasons: list[Reason] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    forwarder: tuple[int, tuple[str, ...]] = (0, ())

    def add(
        self, code: str, field_name: str, message: str, severity: Severity | None = None
    ) -> None:
        """Record a reason; the policy may override its severity."""
        chosen = self.policy.severity_overrides.get(code) or severity or DEFAULT_SEVERITY[code]
        self.reasons.append(Reason(code, field_name, message, chosen))

    def fix(self, field_name: str, value: str, code: str, message: str) -> None:
        """A correction: applied when the policy allows it, otherwise suggested and held."""
        apply = self.policy.auto_apply_corrections
        self.suggestions.append(Suggestion(field_name, value, code, apply))
        if apply:
            self.parts[field_name] = value
            self.add(code, field_name, message)
        else:
            self.add(code, field_name, message + " (not applied: needs review)", Severity.REVIEW)

    def suggest(self, field_name: str, value: str, code: str) -> None:
        """A value worth showing to whoever reviews the address (never applied)."""
        self.suggestions.append(Suggestion(field_name, value, code, False))

    def flag(self, flag: Flag) -> None:
        """Record a classification once."""
        if flag not in self.flags:
            self.flags.append(flag)

    def verdict(self) -> Verdict:
        """The worst severity among the reasons decides."""
        worst = max(
            (r.severity for r in self.reasons), key=SEVERITY_RANK.__getitem__, default=_INFO
        )
        return _VERDICTS[worst]
