"""The pure address checker: no database, no network; tables built once per process."""

from linkstar.addresses.core.check import DEFAULT_POLICY, check, check_many
from linkstar.addresses.core.model import (
    FIELDS,
    AddressInput,
    CheckedAddress,
    Difference,
    Flag,
    Reason,
    Severity,
    Suggestion,
    Verdict,
)
from linkstar.addresses.core.normalise import normalise
from linkstar.addresses.core.policy import Policy

__all__ = [
    "DEFAULT_POLICY",
    "FIELDS",
    "AddressInput",
    "CheckedAddress",
    "Difference",
    "Flag",
    "Policy",
    "Reason",
    "Severity",
    "Suggestion",
    "Verdict",
    "check",
    "check_many",
    "normalise",
]
