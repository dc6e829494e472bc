"""The shipments' epoch columns: six of their times as whole UTC seconds, written by the writers.

The sweep and the lane statistics compare and subtract these integers millions of times
(`ix_shipments_sweep` holds them). Migration 0025 had the databases generate them; migration
0036 made them plain columns, because SQLite's handling of generated columns on UPDATE cost
more than the status write-back's row itself (docs/tracking.md §1.7). So this is the one
definition of an epoch column's value, and every writer of a source time goes through it: the
ORM (a mapper listener in `models`), the bulk statements (`event_store`, `ingest_batch`), the
demo's order facts. `tests/tracking/test_epoch_columns.py` fails when one forgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from linkstar.kit.clock import as_utc
from linkstar.tracking.core.columns import micros_of

# Each source time column and its epoch column.
EPOCHS = {
    "last_event_at": "last_event_s", "status_since": "status_since_s",
    "first_scan_at": "first_scan_s", "delivered_at": "delivered_s",
    "promised_by": "promised_s", "created_at": "created_s",
}  # fmt: skip
_NAT = np.iinfo(np.int64).min  # core.fold_columns.NAT: no time
_SECOND = 1_000_000


def seconds(micros: np.ndarray) -> list[int | None]:
    """int64 UTC microseconds (NAT for none) as whole epoch seconds, rounded down; None for
    none."""
    whole = (micros // _SECOND).tolist()
    if (missing := np.flatnonzero(micros == _NAT)).size:
        for index in missing.tolist():
            whole[index] = None
    return whole


def second_of(value: datetime | None) -> int | None:
    """One time (naive counts as UTC) as `seconds` gives it."""
    if value is None:
        return None
    return seconds(micros_of([as_utc(value)]))[0]


def with_epochs(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of column values with the epoch column of every source time it sets."""
    out = dict(row)
    for source, epoch in EPOCHS.items():
        if source in row:
            out[epoch] = second_of(row[source])
    return out
