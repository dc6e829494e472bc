"""Events file import end to end: `tracking.file_import.import_events_file` (what the CLI, the
API and the console call) against the bare parse + ingest pair it wraps, on the same file.

The file is `tracking_file_parse.rows` (seeded USPS, UPS, FedEx and DHL journeys, 1 % bad
rows) written as CSV. Each sample parses and stores the whole file into a fresh organisation
of one SQLite database and commits; the two ways alternate so that the machine's load falls on
both alike. Wall and this process's CPU seconds are given, with the load average.

Usage: python benchmarks/tracking_file_import.py [--rows 100000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import report
from sqlalchemy.orm import Session, sessionmaker
from tracking_file_parse import rows

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking.connectors.files import parse_events_file, write_csv
from linkstar.tracking.file_import import import_events_file
from linkstar.tracking.ingest import ingest_columns
from linkstar.workspace.access import create_organisation
from linkstar.workspace.core import system_principal


def _organisation(factory: sessionmaker[Session]) -> str:
    with unit_of_work(factory) as session:
        stamp = time.time_ns()
        org, _ = create_organisation(
            session, f"Bench {stamp}", f"b{stamp}@bench.example", "Bench-Pass-2026"
        )
        return org.id


def _bare(session: Session, org_id: str, data: bytes) -> int:
    parsed = parse_events_file(data, "csv")
    return ingest_columns(session, org_id, parsed.columns).events_inserted


def _service(session: Session, org_id: str, data: bytes) -> int:
    report = import_events_file(session, system_principal(org_id), data, "events.csv")
    return report.ingested.events_inserted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    data = write_csv(rows(args.rows)).encode()
    ways: list[tuple[str, Callable[[Session, str, bytes], int]]] = [
        ("parse_events_file + ingest_columns", _bare),
        ("import_events_file", _service),
    ]
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as folder:
        eng = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(eng)
        factory = make_session_factory(eng)
        for sample in range(args.repeat):
            for name, way in ways:
                org_id = _organisation(factory)
                load = os.getloadavg()[0]
                cpu, wall = time.process_time(), time.perf_counter()
                with unit_of_work(factory) as session:
                    stored = way(session, org_id, data)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                results.append(
                    {
                        "way": name,
                        "sample": sample + 1,
                        "rows": args.rows,
                        "mb": round(len(data) / 1e6, 1),
                        "stored": stored,
                        "wall_s": round(wall, 2),
                        "cpu_s": round(cpu, 2),
                        "rows_per_s": int(args.rows / wall),
                        "load_1m": round(load, 2),
                    }
                )
        eng.dispose()
    report("tracking_file_import", results)


if __name__ == "__main__":
    main()
