"""`core.fold` over a whole batch at once: events as columns, shipments as groups of rows.

Times are int64 microseconds (numpy's NaT, the int64 minimum, for none). `timeline_order`
sorts the batch's events by shipment and then exactly as `fold` orders one shipment's rows (time,
lifecycle rank, then every other field; the other fields are read only for the events that
share shipment, time and rank with another). `fold_groups` derives every shipment's columns
with array operations when its last mapped event decides, which is the case unless a terminal
status (delivered, returned) comes before another mapped event or was the stored decider; those
few shipments go through `fold` / `fold_onto` row by row. Same answer as `fold` (a property test
holds them together).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from linkstar.tracking.core.fold import Folded, Row, fold, fold_onto
from linkstar.tracking.core.vocabulary import STATUS_RANK, SUPERSEDES_TERMINAL, Status

NAT = np.iinfo(np.int64).min
RANK = {status.value: rank for status, rank in STATUS_RANK.items()}
_TERMINAL_RANKS = np.array([STATUS_RANK[s] for s in SUPERSEDES_TERMINAL], dtype=np.int8)
_TERMINAL = frozenset(s.value for s in SUPERSEDES_TERMINAL)
# Ranks of the statuses that are not a carrier's scan (see `fold._NOT_A_SCAN`).
_NOT_A_SCAN = np.array(
    [STATUS_RANK[s] for s in (Status.PENDING, Status.INFO_RECEIVED, Status.UNMAPPED,
                              Status.EXPIRED)], dtype=np.int8)  # fmt: skip
_UNMAPPED = Status.UNMAPPED.value


@dataclass(slots=True)
class FoldedColumns:
    """`Folded` of every shipment of a batch, by column (times in int64 microseconds)."""

    status: np.ndarray  # object
    sub_status: np.ndarray  # object
    status_since: np.ndarray
    last_event_at: np.ndarray
    first_scan_at: np.ndarray
    delivered_at: np.ndarray
    event_count: np.ndarray
    unmapped_count: np.ndarray

    def put(self, index: int, f: Folded) -> None:
        """Set one shipment's columns from a `Folded` with integer (or None) times."""
        self.status[index], self.sub_status[index] = f.status, f.sub_status
        for name in ("status_since", "last_event_at", "first_scan_at", "delivered_at"):
            value = getattr(f, name)
            getattr(self, name)[index] = NAT if value is None else value
        self.event_count[index], self.unmapped_count[index] = f.event_count, f.unmapped_count

    def get(self, index: int) -> Folded:
        """One shipment's columns as a `Folded` with integer (or None) times."""
        since, last, scan, delivered = (
            None if t == NAT else t
            for t in (
                int(self.status_since[index]),
                int(self.last_event_at[index]),
                int(self.first_scan_at[index]),
                int(self.delivered_at[index]),
            )
        )
        return Folded(
            self.status[index],
            self.sub_status[index],
            since,
            last,
            scan,
            delivered,
            int(self.event_count[index]),
            int(self.unmapped_count[index]),
        )


def pending(n: int) -> FoldedColumns:
    """`n` shipments with no events: status pending, no times, no counts."""
    status = np.empty(n, dtype=object)
    status[:] = Status.PENDING.value
    times = [np.full(n, NAT, dtype=np.int64) for _ in range(4)]
    zeros = [np.zeros(n, dtype=np.int64) for _ in range(2)]
    return FoldedColumns(status, np.full(n, None, dtype=object), *times, *zeros)


def timeline_order(
    ship: np.ndarray,
    micros: np.ndarray,
    rank: np.ndarray,
    rest: Callable[[np.ndarray], Iterable[Any]],
) -> np.ndarray:
    """The permutation that groups events by shipment in `fold`'s order; `rest(at)` gives the
    other fields of the events `at` as tuples in `fold`'s order (asked only for the events
    that share shipment, time and rank with another: the others are ordered without them)."""
    order = np.lexsort((rank, micros, ship))
    s, t, r = ship[order], micros[order], rank[order]
    tied = (s[1:] == s[:-1]) & (t[1:] == t[:-1]) & (r[1:] == r[:-1])
    if not tied.any():
        return order
    in_run = np.zeros(len(order), dtype=bool)
    in_run[1:] |= tied
    in_run[:-1] |= tied
    at = order[in_run]
    tuples = list(rest(at))
    ordinal = {value: i for i, value in enumerate(sorted(set(tuples)))}
    ties = np.zeros(len(order), dtype=np.int64)
    ties[at] = np.fromiter(map(ordinal.__getitem__, tuples), dtype=np.int64, count=len(tuples))
    return np.lexsort((ties, rank, micros, ship))


def fold_groups(
    ship: np.ndarray,
    micros: np.ndarray,
    rank: np.ndarray,
    status: np.ndarray,
    sub_status: np.ndarray,
    start: FoldedColumns,
    stored: np.ndarray,
    rows: Callable[[int, int], Sequence[Row]],
) -> FoldedColumns:
    """Fold each shipment's events onto `start` (pending, or the stored state where `stored`).

    The events are in `timeline_order` (`ship` sorted); `rows(i, j)` gives events i..j-1 as
    `fold` rows, for the shipments that need the row-by-row fold. Shipments without events
    keep their `start` columns. `start` is updated in place and returned.
    """
    n = len(start.status)
    if len(ship) == 0:
        return start
    groups = np.arange(n)
    begin = np.searchsorted(ship, groups, "left")
    end = np.searchsorted(ship, groups, "right")
    has = np.flatnonzero(end > begin)
    b, e = begin[has], end[has]
    index = np.arange(len(ship))
    m = len(ship)
    mapped = rank >= 0
    last_mapped = np.maximum.reduceat(np.where(mapped, index, -1), b)
    terminal = np.minimum.reduceat(np.where(mapped & np.isin(rank, _TERMINAL_RANKS), index, m), b)
    first_scan = np.minimum.reduceat(np.where(np.isin(rank, _NOT_A_SCAN), m, index), b)
    s_decides = (start.event_count[has] > 0) & (start.status[has] != _UNMAPPED)
    s_terminal = stored[has] & s_decides & np.isin(start.status[has], list(_TERMINAL))
    simple = (terminal >= last_mapped) & ~s_terminal
    decides = last_mapped >= 0
    at = np.where(decides, last_mapped, 0)
    last = micros[e - 1]
    new_status = np.where(decides, status[at], np.where(s_decides, start.status[has], _UNMAPPED))
    none = np.full(len(has), None, dtype=object)
    new_sub = np.where(decides, sub_status[at], np.where(s_decides, start.sub_status[has], none))
    since = np.where(decides, micros[at], np.where(s_decides, start.status_since[has], last))
    scan = np.where(first_scan < m, micros[np.minimum(first_scan, m - 1)], NAT)
    prior_scan = start.first_scan_at[has]
    size = e - b
    unmapped = np.where(decides, e - 1 - last_mapped, start.unmapped_count[has] + size)
    keep = has[simple]
    start.status[keep] = new_status[simple]
    start.sub_status[keep] = new_sub[simple]
    start.status_since[keep] = since[simple]
    start.last_event_at[keep] = last[simple]
    start.first_scan_at[keep] = np.where(prior_scan != NAT, prior_scan, scan)[simple]
    start.delivered_at[keep] = np.where(new_status == Status.DELIVERED.value, since, NAT)[simple]
    start.event_count[keep] += size[simple]
    start.unmapped_count[keep] = unmapped[simple]
    for k in np.flatnonzero(~simple).tolist():
        i = int(has[k])
        part = rows(int(b[k]), int(e[k]))
        start.put(i, fold_onto(start.get(i), part) if stored[i] else fold(part))
    return start
