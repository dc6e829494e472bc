"""The per-workspace address policy: plain data, validated, stored as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from linkstar.addresses.core.model import Severity
from linkstar.kit.errors import InvalidInput

# Reshipping warehouses cluster where there is no sales tax (Oregon, Delaware, New Hampshire,
# Montana) and around Miami's air-cargo district (Doral), which serves Latin America.
DEFAULT_HUB_ZIPS: tuple[str, ...] = (
    "97203", "97217", "97218", "97220", "97230", "97080", "97015",  # Portland OR area
    "19720", "19702", "19711", "19801", "19809", "19803",  # New Castle / Wilmington / Newark DE
    "03079", "03801", "03053",  # Salem / Portsmouth / Londonderry NH
    "33122", "33126", "33166", "33172", "33178",  # Miami Doral FL
)  # fmt: skip
# Generic words, then names of well-known package-forwarding services (matched as substrings).
DEFAULT_KEYWORDS: tuple[str, ...] = (
    "forwarder", "forwarding", "reship", "package forward", "parcel forward", "mail forward",
    "shipito", "myus", "stackry", "planet express", "comgateway", "borderlinx", "viabox",
    "usgobuy", "fishisfast", "global shopaholics",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Policy:
    """How findings become verdicts; every option has a safe default."""

    block_military: bool = False
    hold_po_box_unless_postal: bool = True
    forwarder_hold_score: int = 60
    forwarder_block_score: int = 101
    require_phone_countries: tuple[str, ...] = ("BR", "CN", "IN", "KR", "MX", "TW", "ID", "TH")
    auto_apply_corrections: bool = True
    junk_is_invalid: bool = True
    review_invalid_phone: bool = False
    review_invalid_email: bool = False
    forwarder_hub_zips: tuple[str, ...] = DEFAULT_HUB_ZIPS
    forwarder_keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    severity_overrides: dict[str, Severity] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for score in (self.forwarder_hold_score, self.forwarder_block_score):
            if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 101:
                raise InvalidInput("forwarder scores are whole numbers from 0 to 101")
        for code in self.require_phone_countries:
            if not (isinstance(code, str) and len(code) == 2 and code.isalpha() and code.isupper()):
                raise InvalidInput(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
        for zip_code in self.forwarder_hub_zips:
            if not (isinstance(zip_code, str) and len(zip_code) == 5 and zip_code.isdigit()):
                raise InvalidInput(f"{zip_code!r} is not a five-digit ZIP")
        for key, value in self.severity_overrides.items():
            if not isinstance(key, str) or value not in set(Severity):
                raise InvalidInput(
                    f"severity of {key!r} must be one of {[s.value for s in Severity]}"
                )

    @classmethod
    def from_dict(cls, data: Any) -> Policy:
        """A policy from parsed JSON; unknown keys and wrong types are InvalidInput."""
        if not isinstance(data, dict):
            raise InvalidInput("a policy is a JSON object")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InvalidInput(f"unknown policy options: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            default = getattr(cls(), name)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise InvalidInput(f"{name} must be true or false")
            elif isinstance(default, tuple):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise InvalidInput(f"{name} must be a list of strings")
                value = tuple(v.upper() if name == "require_phone_countries" else v for v in value)
            elif isinstance(default, dict):
                levels = {s.value for s in Severity}
                if not isinstance(value, dict) or not all(
                    isinstance(v, str) and v in levels for v in value.values()
                ):
                    raise InvalidInput(
                        f"{name} maps reason codes to info|correction|review|invalid"
                    )
                value = {str(k): Severity(v) for k, v in value.items()}
            values[name] = value
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> Policy:
        """A policy from JSON text."""
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"the policy is not valid JSON: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The policy as JSON-ready data."""
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, tuple):
                data[name] = list(value)
        data["severity_overrides"] = {k: str(v) for k, v in self.severity_overrides.items()}
        return data
