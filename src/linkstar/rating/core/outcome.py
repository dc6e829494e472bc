"""What pricing returns: a Quote with its breakdown, or Ineligible with every reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Total of a (parcel, service) pair the service refuses, where a total is expected (the fast
# scalar path and the vectorised matrix): the largest int64, so a cheapest-first choice skips it.
INELIGIBLE = 2**63 - 1


class Reason(StrEnum):
    """Why a service cannot take a parcel; the member order gives each its bit in a bitmask."""

    not_effective = "not_effective"
    origin_not_served = "origin_not_served"
    destination_not_served = "destination_not_served"
    invalid_postcode = "invalid_postcode"
    no_zone = "no_zone"
    over_max_weight = "over_max_weight"
    over_max_length = "over_max_length"
    over_max_length_plus_girth = "over_max_length_plus_girth"
    restricted_contents = "restricted_contents"
    ddp_not_offered = "ddp_not_offered"
    signature_not_available = "signature_not_available"
    po_box_not_allowed = "po_box_not_allowed"
    military_not_allowed = "military_not_allowed"
    no_price = "no_price"
    currency_mismatch = "currency_mismatch"

    @property
    def bit(self) -> int:
        """This reason's bit in a reasons bitmask."""
        return 1 << _REASON_INDEX[self]


_REASON_INDEX = {reason: i for i, reason in enumerate(Reason)}


def reasons_from_bits(bits: int) -> tuple[Reason, ...]:
    """The reasons set in a bitmask, in Reason order."""
    return tuple(reason for reason in Reason if bits & reason.bit)


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One line of a price breakdown: base, minimum_charge, a surcharge kind, or fuel."""

    code: str
    amount: int


@dataclass(frozen=True, slots=True)
class Quote:
    """A priced service: the weights used, the zone, every line and the total (minor units)."""

    service_id: str
    carrier: str
    currency: str
    zone: str
    actual_weight_g: int
    dimensional_weight_g: int
    billable_weight_g: int
    lines: tuple[QuoteLine, ...]
    total: int


@dataclass(frozen=True, slots=True)
class Ineligible:
    """A service that cannot take the parcel, with every reason and a readable detail each."""

    service_id: str
    carrier: str
    reasons: tuple[Reason, ...]
    details: tuple[str, ...]

    @property
    def bits(self) -> int:
        """The reasons as a bitmask (as the vectorised pricer reports them)."""
        return sum(reason.bit for reason in self.reasons)
