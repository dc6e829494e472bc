"""Where bulk ingestion's CPU goes, per stage: `tracking_ingest.py`'s three batches with the
store's statements timed one by one.

Runs `tracking_ingest.run` (columns input) with `ingest_batch`'s calls of `insert_shipments`,
`insert_events`, `write_status` and `fill_service_and_promise` wrapped in a CPU timer (this
process's CPU: SQLite runs in it; on PostgreSQL the server's CPU is not in it). The benchmark
only names these four functions, so it runs unchanged against an older checkout
(`PYTHONPATH=/tmp/before/src python benchmarks/tracking_ingest_stages.py`) for before/after
pairs on a loaded machine, where whole-batch rates swing more than a stage's.

Usage: python benchmarks/tracking_ingest_stages.py [--shipments 20000] [--postgres SERVER_URL]
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import tracking_ingest
from _common import arguments, postgres_database, report

from linkstar.tracking import ingest_batch

STAGES = ("insert_shipments", "insert_events", "write_status", "fill_service_and_promise")


def timed_stages() -> list[dict[str, float]]:
    """Wrap the stages in `ingest_batch`; returns their CPU seconds, a dict per stored batch."""
    spent: list[dict[str, float]] = []
    store = ingest_batch.store

    def each_batch(*args: Any, **kw: Any) -> Any:
        spent.append(defaultdict(float))
        return store(*args, **kw)

    ingest_batch.store = each_batch  # type: ignore[assignment]
    for name in STAGES:
        inner = getattr(ingest_batch, name)

        def wrapper(*args: Any, _inner: Any = inner, _name: str = name, **kw: Any) -> Any:
            start = time.process_time()
            try:
                return _inner(*args, **kw)
            finally:
                spent[-1][_name] += time.process_time() - start

        setattr(ingest_batch, name, wrapper)
    return spent


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--shipments", type=int, default=20_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (own database)")
    args = parser.parse_args()
    spent = timed_stages()
    rows: list[dict[str, Any]] = []

    def one(url: str, label: str) -> None:
        spent.clear()
        batches = tracking_ingest.run(url, args.shipments, label, True)
        for batch, stages in zip(batches, spent, strict=True):
            row = {k: batch[k] for k in ("database", "batch", "events", "events_per_cpu_s")}
            row["insert_shipments_us"] = stages["insert_shipments"] / args.shipments * 1e6
            row["insert_events_us_per_event"] = stages["insert_events"] / int(batch["events"]) * 1e6
            row["write_status_us"] = stages["write_status"] / args.shipments * 1e6
            row["fill_us"] = stages["fill_service_and_promise"] / args.shipments * 1e6
            row["server_cpu_s"] = batch["server_cpu_s"]  # PostgreSQL's backend, whole batch
            row["load"] = batch["load_before"]
            rows.append(row)

    with tempfile.TemporaryDirectory() as folder:
        one(f"sqlite:///{Path(folder) / 'bench.db'}", "SQLite")
    if args.postgres:
        with postgres_database(args.postgres, "tracking_ingest_stages") as url:
            one(url, "PostgreSQL")
    report("tracking_ingest_stages", rows)


if __name__ == "__main__":
    main()
