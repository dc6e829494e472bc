"""The vectorised pricer: N parcels x S services → an N x S matrix of totals, numpy only.

It follows the scalar pricer (`quote`) rule for rule and gives identical totals and reasons (a
property test checks it). One batch is one origin (a warehouse), one destination country with
all-digit postcodes given as integers (ZIP5, or ZIP3 with `postcode_digits=3`) and one ship date;
there is no Python loop over parcels, only over services and their surcharge rows. Work shared by
services (sorted sides, billable weight per weight rule, zone codes per chart, postcode masks)
is computed once per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.measures import MAX_LENGTH_MM, MAX_WEIGHT_G
from linkstar.rating.core.money import MAX_AMOUNT
from linkstar.rating.core.postcodes import (
    DIGIT_POSTCODE_LENGTHS,
    normalise_country,
    postcode_key,
    us_military_zip3,
)
from linkstar.rating.core.tables import CompiledService
from linkstar.rating.core.vector_service import BatchContext, price_service

Int64s = NDArray[np.int64]
Bools = NDArray[np.bool_]


def _ints(values: object, name: str, low: int, high: int) -> Int64s:
    array = np.ascontiguousarray(values, dtype=np.int64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if len(array) and (array.min() < low or array.max() > high):
        raise ValueError(f"{name} must lie in {low}..{high}")
    return array


def _flags(values: object | None, n: int, name: str) -> Bools | None:
    if values is None:
        return None
    array = np.ascontiguousarray(values, dtype=np.bool_)
    if array.shape != (n,):
        raise ValueError(f"{name} must have one value per parcel")
    return array


@dataclass(frozen=True)
class ParcelBatch:
    """Parcels as columns; optional columns left None mean "false" (or zero) for every parcel."""

    weight_g: Int64s
    length_mm: Int64s
    width_mm: Int64s
    height_mm: Int64s
    dest_postcode: Int64s  # the postcode (or its first `postcode_digits` digits) as an integer
    residential: Bools
    origin_country: str
    origin_postcode: str
    dest_country: str
    ship_date: date
    postcode_digits: int = 5
    signature: Bools | None = None
    ddp: Bools | None = None
    po_box: Bools | None = None
    military: Bools | None = None
    contents: Int64s | None = None  # bit i set = the parcel holds contents_vocab[i]
    contents_vocab: tuple[str, ...] = ()
    declared_value: Int64s | None = None
    declared_currency: str = ""

    def __post_init__(self) -> None:
        country = normalise_country(self.dest_country)
        full = DIGIT_POSTCODE_LENGTHS.get(country)
        # At least a ZIP3: the US military ranges are decided on three digits.
        if full is None or not 3 <= self.postcode_digits <= full:
            raise ValueError(
                f"no all-digit postcodes of {self.postcode_digits} digits for {country}"
            )
        fix = object.__setattr__
        fix(self, "dest_country", country)
        fix(self, "origin_country", normalise_country(self.origin_country))
        fix(self, "weight_g", _ints(self.weight_g, "weight_g", 1, MAX_WEIGHT_G))
        n = len(self.weight_g)
        for name in ("length_mm", "width_mm", "height_mm"):
            fix(self, name, _ints(getattr(self, name), name, 0, MAX_LENGTH_MM))
        top = 10**self.postcode_digits - 1
        fix(self, "dest_postcode", _ints(self.dest_postcode, "dest_postcode", 0, top))
        for name in ("residential", "signature", "ddp", "po_box", "military"):
            fix(self, name, _flags(getattr(self, name), n, name))
        if self.contents is not None:
            top = 2 ** len(self.contents_vocab) - 1
            fix(self, "contents", _ints(self.contents, "contents", 0, top))
            fix(self, "contents_vocab", tuple(c.lower() for c in self.contents_vocab))
        if self.declared_value is not None:
            fix(self, "declared_value", _ints(self.declared_value, "declared_value", 0, MAX_AMOUNT))
        for name in ("length_mm", "width_mm", "height_mm", "dest_postcode", "contents"):
            column = getattr(self, name)
            if column is not None and len(column) != n:
                raise ValueError(f"{name} must have one value per parcel")

    def __len__(self) -> int:
        return len(self.weight_g)


@dataclass(frozen=True)
class PriceMatrix:
    """N x S totals in minor units, INELIGIBLE where refused; optional Reason bits per cell.

    `reasons` is present when asked for: each cell's Reason bits, 0 for a priced cell.
    """

    service_ids: tuple[str, ...]
    currencies: tuple[str, ...]
    totals: Int64s
    reasons: NDArray[np.uint32] | None


def _context(batch: ParcelBatch) -> BatchContext:
    dims = (batch.length_mm, batch.width_mm, batch.height_mm)
    longest = np.maximum(np.maximum(dims[0], dims[1]), dims[2])
    shortest = np.minimum(np.minimum(dims[0], dims[1]), dims[2])
    second = dims[0] + dims[1] + dims[2] - longest - shortest
    military = batch.military
    if batch.dest_country == "US":
        zip3 = batch.dest_postcode // 10 ** (batch.postcode_digits - 3)
        by_zip = np.isin(zip3, np.array(sorted(us_military_zip3())))
        military = by_zip if military is None else military | by_zip
    return BatchContext(
        batch=batch,
        dims=dims,
        # In the order of Surcharge.threshold_names.
        measures={
            "weight": batch.weight_g,
            "longest": longest,
            "second": second,
            "length_plus_girth": longest + 2 * (second + shortest),
        },
        military=military,
        origin_key=postcode_key(batch.origin_country, batch.origin_postcode),
    )


def price_batch(
    batch: ParcelBatch, services: Sequence[CompiledService], *, reasons: bool = False
) -> PriceMatrix:
    """Price every parcel with every service; identical to `quote` cell by cell."""
    n, s = len(batch), len(services)
    # Column-major: each service writes one contiguous column.
    totals = np.empty((n, s), dtype=np.int64, order="F")
    bits = np.zeros((n, s), dtype=np.uint32, order="F") if reasons else None
    context = _context(batch)
    for j, compiled in enumerate(services):
        totals[:, j], column_bits = price_service(context, compiled, want_reasons=reasons)
        if bits is not None and column_bits is not None:
            bits[:, j] = column_bits
    return PriceMatrix(
        tuple(c.service.service_id for c in services),
        tuple(c.service.currency for c in services),
        totals,
        bits,
    )
