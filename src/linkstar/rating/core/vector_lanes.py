"""Reliability columns for the vectorised chooser: per service and parcel, the on-time
probability, success rate and transit p50/p90 of the most specific statistics lane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.choose import Chooser
from linkstar.rating.core.reliability import MAX_PROMISE_DAYS, Reliability
from linkstar.rating.core.vectorised import ParcelBatch

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


class Lanes:
    """Reliability columns per service (on-time probability, success rate, p90), built lazily.

    Each service's lanes become one small integer per parcel (0 = the priors, k = the k-th
    statistics lane) and a little table per lane, so a column is one gather. A column is worked
    out only when a policy reads it, then cached; `rows` gives a view of a subset of the chunk.
    """

    def __init__(self, chooser: Chooser, batch: ParcelBatch, origin: str, promised: Ints) -> None:
        self.chooser, self.batch, self.origin = chooser, batch, origin
        has_promise = promised > 0
        # The on-time table's column per parcel: the promised days, or the last column (the
        # service's own rate) without a promise.
        self.day = np.where(has_promise, np.minimum(promised, MAX_PROMISE_DAYS), _WIDTH - 1)
        self._plans: dict[int, tuple[list[Reliability], Ints | None]] = {}
        self._columns: dict[tuple[str, int], Floats] = {}

    def _plan(self, j: int) -> tuple[list[Reliability], Ints | None]:
        """The priors, then each statistics lane, and which one each parcel reads (None: 0)."""
        found = self._plans.get(j)
        if found is not None:
            return found
        book, batch = self.chooser.reliability, self.batch
        country, digits = batch.dest_country, batch.postcode_digits
        service = self.chooser.services[j].service
        lanes = [book.at(service, "", country, "")]
        entry: Ints | None = None
        for key_origin, prefix in book.prefixes(service.service_id, self.origin, country):
            if prefix and not prefix.isdigit():
                continue  # never starts an all-digit postcode
            if len(prefix) > digits:
                raise ValueError(f"lane prefix {prefix!r} is longer than the batch's postcodes")
            if prefix:
                hit = batch.dest_postcode // 10 ** (digits - len(prefix)) == int(prefix)
            else:
                hit = np.ones(len(batch), dtype=np.bool_)
            if entry is None:
                entry = np.zeros(len(batch), dtype=np.int64)
            else:  # a more specific lane came first
                hit &= entry == 0
            lanes.append(book.at(service, key_origin, country, prefix))
            entry += (len(lanes) - 1) * hit
        self._plans[j] = (lanes, entry)
        return lanes, entry

    def column(self, name: str, j: int) -> Floats:
        """One service's column for every parcel of the chunk."""
        key = (name, j)
        found = self._columns.get(key)
        if found is None:
            lanes, entry = self._plan(j)
            if name == "on_time":
                table = np.array([_on_time_row(rel) for rel in lanes])
                index = self.day if entry is None else entry * _WIDTH + self.day
                found = table.ravel()[index]
            else:
                values = np.array([_scalar(name, rel) for rel in lanes])
                found = np.full(len(self.batch), values[0]) if entry is None else values[entry]
            self._columns[key] = found
        return found


_WIDTH = MAX_PROMISE_DAYS + 2  # on_time[0..MAX_PROMISE_DAYS], then the rate without a promise


def _on_time_row(rel: Reliability) -> list[float]:
    if not rel.on_time:
        return [rel.on_time_rate] * _WIDTH
    return [*rel.on_time[: MAX_PROMISE_DAYS + 1], rel.on_time_rate]


def _scalar(name: str, rel: Reliability) -> float:
    if name == "success":
        return rel.success_rate
    if name == "p50":
        return np.nan if rel.transit_p50_days is None else rel.transit_p50_days
    return np.nan if rel.transit_p90_days is None else rel.transit_p90_days


@dataclass(frozen=True)
class LaneView:
    """The lanes of some rows of a chunk (all of them when `rows` is None)."""

    lanes: Lanes
    rows: Ints | None

    def get(self, name: str, j: int) -> Floats:
        """Service j's column for these rows."""
        column = self.lanes.column(name, j)
        return column if self.rows is None else column[self.rows]


def lane_column(
    chooser: Chooser, batch: ParcelBatch, origin: str, j: int, name: str, promised: Ints
) -> Floats:
    """Service j's p50, p90 (NaN = none), success or on_time for every parcel of a batch."""
    return Lanes(chooser, batch, origin, promised).column(name, j)
