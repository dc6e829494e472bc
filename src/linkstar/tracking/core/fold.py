"""`summary.summarise` over plain rows, for bulk paths that must not build event objects.

A row is `(event_time, status, sub_status, carrier, vocabulary, raw_code, raw_description,
location, city, state, postcode, country, rule_id, code_source)` with text values ("" for
missing ones), already de-duplicated (the database's unique key does that). `event_time` may be
any value that sorts chronologically: an aware datetime, or SQLite's fixed-width UTC text, so a
caller can fold millions of rows without parsing a timestamp per row. Same rules, same answer as
`derive.current_status` (a property test holds them together).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.vocabulary import STATUS_RANK, SUPERSEDES_TERMINAL, Status

_RANK = {status.value: rank for status, rank in STATUS_RANK.items()}
_TERMINAL = {s.value: frozenset(v.value for v in after) for s, after in SUPERSEDES_TERMINAL.items()}
_NOT_A_SCAN = frozenset({"pending", "info_received", "unmapped", "expired"})
_UNMAPPED = Status.UNMAPPED.value

Row = Sequence[Any]


@dataclass(frozen=True, slots=True)
class Folded:
    """The derived columns of a shipment, with times in the callers' own representation."""

    status: str
    sub_status: str | None
    status_since: Any
    last_event_at: Any
    first_scan_at: Any
    delivered_at: Any
    event_count: int
    unmapped_count: int


def event_row(e: TrackingEvent, when: Any = None) -> tuple[Any, ...]:
    """The fold row of a core event; `when` replaces its time (e.g. by the database's text)."""
    return (
        e.event_time if when is None else when,
        str(e.status),  # the value: str() of a StrEnum is C-level, `.value` a Python property
        str(e.sub_status) if e.sub_status else "",
        e.carrier,
        e.code_source or e.carrier,
        e.raw_code,
        e.raw_description,
        e.location or "",
        e.city or "",
        e.state or "",
        e.postcode or "",
        e.country or "",
        e.rule_id or "",
        e.code_source or "",
    )


def _key(row: Row) -> tuple[Any, ...]:
    return (row[0], _RANK[row[1]], *row[2:])


def fold(rows: Iterable[Row]) -> Folded:
    """Status, timestamps and counts of one shipment from its de-duplicated rows."""
    ordered = sorted(rows, key=_key)
    if not ordered:
        return Folded("pending", None, None, None, None, None, 0, 0)
    deciding: Row | None = None
    unmapped_after = 0
    first_scan = None
    for row in ordered:
        status = row[1]
        if first_scan is None and status not in _NOT_A_SCAN:
            first_scan = row[0]
        if status == _UNMAPPED:
            unmapped_after += 1
            continue
        if deciding is not None:
            allowed = _TERMINAL.get(deciding[1])
            if allowed is not None and status not in allowed:
                continue
        deciding, unmapped_after = row, 0
    last = ordered[-1][0]  # sorted by time first
    if deciding is None:
        return Folded(
            _UNMAPPED, None, ordered[-1][0], last, first_scan, None, len(ordered), unmapped_after
        )
    return Folded(
        deciding[1],
        deciding[2] or None,
        deciding[0],
        last,
        first_scan,
        deciding[0] if deciding[1] == "delivered" else None,
        len(ordered),
        unmapped_after,
    )


def fold_onto(stored: Folded, rows: Iterable[Row]) -> Folded:
    """Continue a fold with rows that are all later than every stored event.

    Same answer as `fold(stored_rows + rows)` without the stored rows: later events cannot be
    repeats of stored ones (a repeat has the same time), and the order is stored-then-new
    whatever the lifecycle ranks. The caller checks the precondition.
    """
    ordered = sorted(rows, key=_key)
    if not ordered:
        return stored
    # No decider yet: no events at all, or only unmapped ones (a "pending" event does decide).
    has_decider = stored.event_count > 0 and stored.status != _UNMAPPED
    decider: tuple[str, str | None, Any] | None = (
        (stored.status, stored.sub_status, stored.status_since) if has_decider else None
    )
    unmapped_after = stored.unmapped_count
    first_scan = stored.first_scan_at
    for row in ordered:
        status = row[1]
        if first_scan is None and status not in _NOT_A_SCAN:
            first_scan = row[0]
        if status == _UNMAPPED:
            unmapped_after += 1
            continue
        if decider is not None:
            allowed = _TERMINAL.get(decider[0])
            if allowed is not None and status not in allowed:
                continue
        decider, unmapped_after = (status, row[2] or None, row[0]), 0
    last = ordered[-1][0]
    count = stored.event_count + len(ordered)
    if decider is None:
        return Folded(_UNMAPPED, None, last, last, first_scan, None, count, unmapped_after)
    return Folded(
        decider[0],
        decider[1],
        decider[2],
        last,
        first_scan,
        decider[2] if decider[0] == "delivered" else None,
        count,
        unmapped_after,
    )
