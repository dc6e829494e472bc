"""SQLite's status write-back naming every status column against only the changed ones, through
the real `event_store.write_status`, alternated in one process.

One real ingestion of `tracking_ingest.make_batches` (new shipments, then later scans) records
what the store hands `insert_events` and `write_status` for the later scans: the rows, and the
bits of the derived columns that changed. Each round starts from a copy of the database as the
new shipments left it, inserts the later events and commits (untimed), then times
`write_status` + commit (this process's CPU; SQLite runs in it), for:

- all columns: `write_status(rows)`, every status column named (what it did before);
- changed only: `write_status(rows, changed)`, as `ingest_batch.store` calls it now;
- and both again with each row's status and sub-status replaced by the stored ones ("same
  status": the common in_transit -> in_transit scan; the benchmark's later scans all change
  status), their bits cleared.

Reported per variant: µs of CPU per shipment, each round's value in the order run, and the
median. Rounds rotate the variants' order. Under `valgrind --tool=callgrind --collect-atstart=no
--toggle-collect=_pysqlite_query_execute` the statements' instructions can be counted too.

Usage: python benchmarks/tracking_writeback_changed.py [--shipments 20000] [--rounds 4]
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import arguments, report
from tracking_ingest import make_batches

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking import event_store, ingest_batch
from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.ingest import ingest_columns
from linkstar.workspace.access import create_organisation

Rows = list[tuple[Any, ...]]
_STATUS_BITS = 0b11  # status, sub_status: the first two DERIVED_COLUMNS


def capture(folder: Path, n: int) -> tuple[Path, Rows, Rows, list[int], Rows]:
    """The database after the new shipments, the later events, their write-back rows and
    changed bits, and the stored (id, status, sub_status) before the later scans."""
    template = folder / "template.db"
    eng = make_engine(f"sqlite:///{template}")
    upgrade(eng)
    factory = make_session_factory(eng)
    with unit_of_work(factory) as session:
        org, _ = create_organisation(session, "Rows", "rows@bench.example", "Bench-Pass-2026")
    (_, new), (_, later), _ = make_batches(n)
    with unit_of_work(factory) as session:
        ingest_columns(session, org.id, from_updates(new))
    with eng.connect() as conn:
        stored = conn.exec_driver_sql("SELECT id, status, sub_status FROM shipments").fetchall()
    eng.dispose()
    work = folder / "capture.db"
    shutil.copy(template, work)
    eng = make_engine(f"sqlite:///{work}")
    factory = make_session_factory(eng)
    seen: dict[str, Any] = {"events": []}
    real_status, real_events = ingest_batch.write_status, ingest_batch.insert_events

    def status(session: Any, values: Rows, changed: list[int] | None = None) -> None:
        seen["status"], seen["changed"] = values, changed
        real_status(session, values, changed)

    def events(session: Any, rows: Rows, *, fresh: bool = False) -> int:
        seen["events"] += rows
        return real_events(session, rows, fresh=fresh)

    ingest_batch.write_status, ingest_batch.insert_events = status, events  # type: ignore[assignment]
    try:
        with unit_of_work(factory) as session:
            ingest_columns(session, org.id, from_updates(later))
    finally:
        ingest_batch.write_status, ingest_batch.insert_events = real_status, real_events
    eng.dispose()
    return template, seen["events"], seen["status"], seen["changed"], stored


def one_round(
    template: Path, work: Path, events: Rows, rows: Rows, changed: list[int] | None
) -> float:
    """CPU seconds of `write_status` + commit, after the later events are in."""
    shutil.copy(template, work)
    eng = make_engine(f"sqlite:///{work}")
    factory = make_session_factory(eng)
    with unit_of_work(factory) as session:
        event_store.insert_events(session, events)
    with unit_of_work(factory) as session:
        session.connection().exec_driver_sql("SELECT count(*) FROM shipments").all()
        start = time.process_time()
        event_store.write_status(session, rows, changed)
    spent = time.process_time() - start
    eng.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    return spent


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--shipments", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        template, events, rows, changed, stored = capture(folder, args.shipments)
        old = {shipment_id: (status, sub) for shipment_id, status, sub in stored}
        same = [(*old[row[-1]], *row[2:]) for row in rows]
        kept = [bits & ~_STATUS_BITS for bits in changed]
        variants: dict[str, tuple[Rows, list[int] | None]] = {
            "all columns": (rows, None),
            "changed only": (rows, changed),
            "same status, all columns": (same, None),
            "same status, changed only": (same, kept),
        }
        spent: dict[str, list[float]] = {k: [] for k in variants}
        names = list(variants)
        for r in range(args.rounds):
            for key in names[r % len(names) :] + names[: r % len(names)]:
                values, bits = variants[key]
                spent[key].append(one_round(template, folder / "work.db", events, values, bits))
    out = []
    for key, runs in spent.items():
        values = [run / len(rows) * 1e6 for run in runs]
        out.append({
            "variant": key, "shipments": len(rows),
            "median_us": statistics.median(values),
            "rounds_us": " ".join(f"{v:.1f}" for v in values),
        })  # fmt: skip
    report("tracking_writeback_changed", out)


if __name__ == "__main__":
    main()
