"""A service's price tables as flat numpy arrays, for the vectorised pricer.

The weight axis is cut at every bracket end and step start of every zone of the service. Within
one interval (cuts[j-1], cuts[j]] each zone follows one rule: a bracket price, or one step row
(base at from_weight_g + started steps x price per step). So a parcel's price is its interval,
one gather for its (zone, interval) cell and, only for cells with a per-step price, a little
arithmetic. The interval comes from a look-up table indexed by the weight before rounding to the
service's weight step (which folds the rounding in), or from `searchsorted` when the cuts reach
too high for a table. Row 0 of the cell table is "no zone": zone code + 1 indexes it directly.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.prices import PriceTable
from linkstar.rating.core.tables import CompiledService

NO_PRICE = -1
_MAX_LUT = 1_000_000  # grams; above this the interval comes from searchsorted


@dataclass(frozen=True)
class PriceArrays:
    """Flat (zone row x weight interval) tables of one service."""

    cuts: NDArray[np.int64]
    step_g: int
    base: NDArray[np.int64]  # NO_PRICE where there is none
    step_from: NDArray[np.int64]
    step_size: NDArray[np.int64]
    step_price: NDArray[np.int64]  # 0 for bracket cells
    first_step_interval: int  # no cell before this interval has a per-step price
    lut: NDArray[np.int32] | None  # interval by weight before rounding, capped at len - 1

    @property
    def width(self) -> int:
        """Cells per zone row (one more than the number of cuts)."""
        return len(self.cuts) + 1

    def rounded(self, heavier: NDArray[np.int64]) -> NDArray[np.int64]:
        """Billable weight: the heavier of actual and dimensional, up to the weight step."""
        return heavier if self.step_g == 1 else -(-heavier // self.step_g) * self.step_g

    def price(self, zone_rows: NDArray[np.int64], heavier: NDArray[np.int64]) -> NDArray[np.int64]:
        """Base price per parcel (NO_PRICE where the table has none); zone_rows = code + 1."""
        interval: NDArray[np.integer]
        if self.lut is not None:
            interval = self.lut[np.minimum(heavier, len(self.lut) - 1)]
        else:
            interval = np.searchsorted(self.cuts, self.rounded(heavier), side="left")
        cell = zone_rows * self.width + interval
        base = self.base[cell]
        if self.first_step_interval < self.width:
            candidates = np.flatnonzero(interval >= self.first_step_interval)
            at = cell[candidates]
            stepped = self.step_price[at] != 0
            candidates, at = candidates[stepped], at[stepped]
            billable = self.rounded(heavier[candidates])
            started = -((self.step_from[at] - billable) // self.step_size[at])
            base[candidates] += started * self.step_price[at]
        return base


def _cell(table: PriceTable | None, weight: int) -> tuple[int, int, int, int]:
    """(base, step_from, step_size, step_price) of the rule that prices `weight`."""
    if table is None:
        return (NO_PRICE, 0, 1, 0)
    if table.maxes and weight <= table.maxes[-1]:
        return (table.prices[bisect.bisect_left(table.maxes, weight)], 0, 1, 0)
    i = bisect.bisect_left(table.step_from, weight) - 1
    if i < 0:
        return (NO_PRICE, 0, 1, 0)
    if table.step_price[i] == 0:  # a flat price beyond: no arithmetic needed
        return (table.step_base[i], 0, 1, 0)
    return (table.step_base[i], table.step_from[i], table.step_size[i], table.step_price[i])


@functools.lru_cache(maxsize=128)
def price_arrays(compiled: CompiledService) -> PriceArrays:
    """Build (once per compiled service) the flat tables of one service."""
    cuts = sorted({w for t in compiled.prices if t is not None for w in t.boundaries()})
    # The rule of interval j is the rule at its upper end; the last interval is open-ended.
    probes = [*cuts, (cuts[-1] + 1) if cuts else 1]
    cells = [_cell(None, 0)] * len(probes)
    for table in compiled.prices:
        cells.extend(_cell(table, weight) for weight in probes)
    columns = np.array(cells, dtype=np.int64).reshape(-1, 4)
    stepped = np.flatnonzero(columns[:, 3]) % len(probes)
    cut_array = np.array(cuts, dtype=np.int64)
    step_g = compiled.service.weight_rounding_g
    lut = None
    if not cuts or cuts[-1] <= _MAX_LUT:
        # Heavier weights 0..last cut + 1; anything above lands in the open-ended last interval.
        weights = np.arange((cuts[-1] if cuts else 0) + 2, dtype=np.int64)
        billable = -(-weights // step_g) * step_g
        lut = np.searchsorted(cut_array, billable, side="left").astype(np.int32)
    return PriceArrays(
        cuts=cut_array,
        step_g=step_g,
        base=np.ascontiguousarray(columns[:, 0]),
        step_from=np.ascontiguousarray(columns[:, 1]),
        step_size=np.ascontiguousarray(columns[:, 2]),
        step_price=np.ascontiguousarray(columns[:, 3]),
        first_step_interval=int(stepped.min()) if len(stepped) else len(probes),
        lut=lut,
    )
