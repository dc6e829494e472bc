"""The parcel to price, and the facts about it that every service shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from linkstar.rating.core.measures import MAX_LENGTH_MM, MAX_WEIGHT_G
from linkstar.rating.core.money import MAX_AMOUNT
from linkstar.rating.core.outcome import Reason
from linkstar.rating.core.postcodes import is_military_postcode, normalise_country, postcode_key


@dataclass(frozen=True, slots=True)
class Parcel:
    """One parcel to price, normalised at the boundary (grams, millimetres, minor units)."""

    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    origin_country: str
    origin_postcode: str
    dest_country: str
    dest_postcode: str
    ship_date: date
    residential: bool = False
    signature: bool = False
    ddp: bool = False
    po_box: bool = False
    military: bool = False  # also true by itself for US military ZIPs
    contents: frozenset[str] = frozenset()
    declared_value: int = 0
    declared_currency: str = ""

    def __post_init__(self) -> None:
        if not 0 < self.weight_g <= MAX_WEIGHT_G:
            raise ValueError(f"weight_g must be in 1..{MAX_WEIGHT_G}")
        for side in (self.length_mm, self.width_mm, self.height_mm):
            if not 0 <= side <= MAX_LENGTH_MM:
                raise ValueError(f"each side must be in 0..{MAX_LENGTH_MM} mm")
        if not 0 <= self.declared_value < MAX_AMOUNT:
            raise ValueError("declared_value out of range")
        object.__setattr__(self, "origin_country", normalise_country(self.origin_country))
        object.__setattr__(self, "dest_country", normalise_country(self.dest_country))
        object.__setattr__(self, "contents", frozenset(c.lower() for c in self.contents))


# Bits of ParcelFacts.wants: what a surcharge kind may require of the parcel.
WANTS_RESIDENTIAL, WANTS_SIGNATURE, WANTS_DDP = 1, 2, 4


@dataclass(frozen=True, slots=True)
class ParcelFacts:
    """What every service needs from one parcel, computed once per parcel."""

    parcel: Parcel
    dims: tuple[int, int, int]
    longest: int
    second: int
    length_plus_girth: int
    origin_key: str | None
    dest_key: str | None
    military: bool
    needs: int  # Reason bits a service refuses when it lacks the feature (ddp, signature, …)
    wants: int  # WANTS_* bits
    # Answers shared by the services priced for this parcel (zone per chart, billable weight per
    # weight rule, postcode membership per matcher, surcharge rule applicability).
    memo: dict[object, object] = field(default_factory=dict)


def parcel_facts(parcel: Parcel) -> ParcelFacts:
    """Sorted sides, girth, postcode keys and flags of a parcel (shared by every service)."""
    dims = (parcel.length_mm, parcel.width_mm, parcel.height_mm)
    shortest, second, longest = sorted(dims)
    dest_key = postcode_key(parcel.dest_country, parcel.dest_postcode)
    military = parcel.military or (
        dest_key is not None and is_military_postcode(parcel.dest_country, dest_key)
    )
    needs = (
        (Reason.ddp_not_offered.bit if parcel.ddp else 0)
        | (Reason.signature_not_available.bit if parcel.signature else 0)
        | (Reason.po_box_not_allowed.bit if parcel.po_box else 0)
        | (Reason.military_not_allowed.bit if military else 0)
    )
    wants = (
        (WANTS_RESIDENTIAL if parcel.residential else 0)
        | (WANTS_SIGNATURE if parcel.signature else 0)
        | (WANTS_DDP if parcel.ddp else 0)
    )
    return ParcelFacts(
        parcel,
        dims,
        longest,
        second,
        longest + 2 * (second + shortest),
        postcode_key(parcel.origin_country, parcel.origin_postcode),
        dest_key,
        military,
        needs,
        wants,
    )
