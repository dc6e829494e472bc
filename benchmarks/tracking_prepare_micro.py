"""The pure half of bulk ingestion, function by function: CPU microseconds per event (per
update for `_group`) on `tracking_ingest.py`'s batches, best of several runs.

Times `core.keys.time_texts`, `core.keys.fingerprints`, `ingest_prepare._group`,
`ingest_events.Events.rows` (every kept event, and every second one) and the whole
`ingest_prepare.prepare`. It names only functions an older checkout has too, so before/after
pairs run it unchanged (`PYTHONPATH=/tmp/before/src python benchmarks/tracking_prepare_micro.py`).

Usage: python benchmarks/tracking_prepare_micro.py [--shipments 20000] [--repeat 5]
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import tracking_ingest
from _common import arguments, report

from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.core.keys import fingerprints, time_texts
from linkstar.tracking.ingest_prepare import _group, prepare


def best_us(fn: Callable[[], Any], count: int, repeat: int) -> float:
    """Best CPU microseconds per item of `repeat` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best / count * 1e6


def measure(name: str, batch: list[Any], r: int) -> dict[str, Any]:
    """One batch's row of the table."""
    cols = from_updates(batch)
    n = cols.events
    whens = time_texts(cols.micros)
    places = (cols.location, cols.city, cols.state, cols.postcode, cols.country)
    text = (cols.carrier, cols.code_source, cols.raw_code, cols.raw_description)
    ready = prepare(cols, False)
    ev = ready.events
    assert ev is not None
    ids = [f"{i:032x}" for i in range(len(ready.shipments.keys))]
    source = ready.shipments.source
    half = np.arange(len(ev.ship)) % 2 == 0
    return {
        "batch": name,
        "events": n,
        "time_texts_us": best_us(lambda: time_texts(cols.micros), n, r),
        "fingerprints_us": best_us(lambda: fingerprints(whens, *text, places), n, r),
        "group_us_per_update": best_us(lambda: _group(cols, []), cols.updates, r),
        "rows_kept_us": best_us(lambda: list(ev.rows("o", ev.keep, ids, source, 0)), n, r),
        "rows_half_us": best_us(lambda: list(ev.rows("o", half, ids, source, 0)), n // 2, r),
        "prepare_sqlite_us": best_us(lambda: prepare(cols, True), n, r),
        "prepare_pg_us": best_us(lambda: prepare(cols, False), n, r),
        "load": f"{os.getloadavg()[0]:.1f}",
    }


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--shipments", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = [
        measure(name, batch, args.repeat)
        for name, batch in tracking_ingest.make_batches(args.shipments)
    ]
    report("tracking_prepare_micro", rows)


if __name__ == "__main__":
    main()
