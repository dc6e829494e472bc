"""Events-file ingestion end to end: `tracking.file_ingest.ingest_events_file` (what `linkstar
track ingest FILE` runs), one process against the forked worker that parses and prepares chunk
k+1 while the importing process stores chunk k.

Writes an events file of N rows (default 500,000): USPS, UPS, FedEx and DHL parcels with valid
check digits and the recorded carriers' codes and texts (those of `tracking_file_parse.py`),
each parcel walking its carrier's journey once (the transit scans one to three times, at other
places), a tenth of them stopping in transit; 1 % of the times without offset (bad rows); and
repeats: 3 % of the rows appear a second time further down the file (most in a later chunk).
`--order time` sorts the rows by event time (a daily scan export: every parcel spans the whole
file) instead of keeping each parcel's rows together.

Each round stores the file into a fresh database (SQLite: a temporary file; `--postgres URL`:
a database of the run's own on that server, created and dropped), then stores it again (a
re-import: every row a repeat). Timed: the call and the commit. Reported: wall events/s, the
importing process's CPU, the worker's (children's CPU, read once the worker has been joined),
the PostgreSQL backend's (from /proc, local server), the load average. Modes alternate within
a round so "one process" and "worker" share the machine's minutes.

Usage: python benchmarks/tracking_file_ingest.py [--rows 500000] [--rounds 1]
[--format csv|jsonl] [--order parcel|time] [--postgres SERVER_URL] [--mode both|one|worker]
"""

from __future__ import annotations

import json
import os
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import arguments, postgres_database, report
from sqlalchemy import text
from tracking_file_parse import EVENTS, PLACES, _number
from tracking_sweep_db import server_cpu

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking.connectors.files import COLUMNS, write_csv
from linkstar.workspace.access import create_organisation

try:
    from linkstar.tracking.file_ingest import ingest_events_file
except ImportError:  # the code before the worker (run from a worktree of it): one process

    def ingest_events_file(session, organisation_id, data, file_format, *, worker=None):  # type: ignore[no-untyped-def]
        """What `linkstar track ingest` ran before: one parse, one `ingest_columns`."""
        from linkstar.tracking.connectors.files import parse_events_file
        from linkstar.tracking.ingest import ingest_columns

        parsed = parse_events_file(data, file_format)
        return ingest_columns(session, organisation_id, parsed.columns), parsed


REPEATED = 0.03  # share of rows sent a second time, further down the file


def journeys(count: int, rng: random.Random) -> list[dict[str, str]]:
    """`count` event rows, each parcel's rows together and in time order."""
    out: list[dict[str, str]] = []
    start = datetime(2026, 10, 1, tzinfo=UTC)
    while len(out) < count:
        carrier = rng.choice(list(EVENTS))
        number = _number(carrier, rng)
        steps = EVENTS[carrier]
        path = [steps[0], *(s for s in steps[1:-1] for _ in range(rng.randint(1, 3)))]
        if rng.random() > 0.1:
            path.append(steps[-1])
        moment = start + timedelta(minutes=rng.randrange(0, 40_000))
        for code, description in path:
            moment += timedelta(minutes=rng.randrange(60, 1_800))
            city, state, postcode, country = rng.choice(PLACES)
            offset = "-05:00" if country == "US" else "+01:00"
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%S") + (offset if rng.random() > 0.01 else "")
            out.append(
                {
                    "tracking_number": number,
                    "carrier": carrier,
                    "event_time": stamp,
                    "raw_code": code,
                    "raw_description": description,
                    "city": city,
                    "state": state,
                    "postcode": postcode,
                    "country": country,
                }
            )
    return out[:count]


def events_file(count: int, file_format: str, order: str, seed: int = 9) -> bytes:
    """`count` rows (repeats included) in the import format."""
    rng = random.Random(seed)
    base = journeys(count - int(count * REPEATED), rng)
    rows = list(base)
    for row in rng.sample(base, count - len(base)):
        rows.insert(rng.randrange(len(rows) // 2, len(rows) + 1), row)
    if order == "time":
        rows.sort(key=lambda r: r["event_time"][:19])
    if file_format == "csv":
        return write_csv(rows).encode()
    return "\n".join(json.dumps({k: r[k] for k in COLUMNS if r.get(k)}) for r in rows).encode()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    url: str, label: str, data: bytes, file_format: str, worker: bool, code: str = ""
) -> list[dict[str, Any]]:
    """Store the file twice (new, then again) into the fresh database at `url`."""
    eng = make_engine(url)
    upgrade(eng)
    factory = make_session_factory(eng)
    with unit_of_work(factory) as session:
        org, _ = create_organisation(
            session, f"Bench {time.time_ns()}", f"b{time.time_ns()}@bench.example", "Bench-26-x"
        )
    backend = None
    if eng.dialect.name == "postgresql":  # one pooled connection serves both imports
        with eng.connect() as connection:
            backend = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    out = []
    for phase in ("new", "again"):
        load = os.getloadavg()[0]
        cpu, children, server = time.process_time(), _children_cpu(), server_cpu(backend)
        start = time.perf_counter()
        with unit_of_work(factory) as session:
            result, outcome = ingest_events_file(
                session,
                org.id,
                data,
                file_format,
                worker=worker,  # type: ignore[arg-type]
            )
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        children = _children_cpu() - children
        server = server_cpu(backend) - server if backend else 0.0
        out.append(
            {
                "database": label,
                "mode": code + ("worker" if worker else "one process"),
                "import": phase,
                "rows": outcome.rows,
                "bad_rows": len(outcome.errors),
                "inserted": result.events_inserted,
                "duplicates": result.duplicates,
                "shipments": result.shipments_touched,
                "wall_s": round(wall, 2),
                "events_per_s": int(outcome.events / wall),
                "cpu_s": round(cpu, 2),
                "worker_cpu_s": round(children, 2),
                "server_cpu_s": round(server, 2),
                "load": f"{load:.1f}-{os.getloadavg()[0]:.1f}",
            }
        )
    with eng.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM tracking_events WHERE organisation_id = :org"),
            {"org": org.id},
        ).scalar()
    assert stored == out[0]["inserted"] and out[1]["inserted"] == 0, (stored, out)
    eng.dispose()
    return out


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    parser.add_argument("--order", choices=["parcel", "time"], default="parcel")
    parser.add_argument("--mode", choices=["both", "one", "worker"], default="both")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (own database)")
    parser.add_argument("--code", default="", help="a label for the code measured (e.g. before: )")
    args = parser.parse_args()
    data = events_file(args.rows, args.format, args.order)
    modes = {"both": [False, True], "one": [False], "worker": [True]}[args.mode]
    rows: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        for worker in modes:
            if not args.postgres:
                with tempfile.TemporaryDirectory() as folder:
                    url = f"sqlite:///{Path(folder) / 'bench.db'}"
                    rows += run(url, "SQLite", data, args.format, worker, args.code)
                continue
            with postgres_database(args.postgres, "tracking_file_ingest") as url:
                rows += run(url, "PostgreSQL", data, args.format, worker, args.code)
    report("tracking_file_ingest", rows)


if __name__ == "__main__":
    main()
