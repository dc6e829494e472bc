"""The read of a carrier poll run alone (`tracking.poll_store.open_shipments`): the open
shipments of the USPS, UPS and DHL carriers with their poll state, as one run reads them.

Kept databases, loaded once by the generator of `tracking_sweep_db.py` (`--sqlite PATH`, a
file reused when it exists; `--postgres URL --keep NAME`, a database reused when it exists), so
that an older checkout can read the same rows in turn (`PYTHONPATH=<checkout>/src`): the
machine is shared, so before and after are compared in alternated runs. Prints the best and
the median of `--repeat` reads, wall and process CPU, and the number of rows read.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from _common import arguments, report
from sqlalchemy import text
from tracking_sweep_db import NOW, kept_postgres, prepare

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.tracking.connectors.polling import PollPolicy
from linkstar.tracking.poll_store import open_shipments

CARRIERS = ["dhl", "dhl_ecommerce", "dhl_express", "dhl_parcel", "ups", "usps"]


def kept_sqlite(path: Path, active: int) -> tuple[str, str]:
    url = f"sqlite:///{path}"
    if not path.exists():
        return url, prepare(url, "SQLite", active, 0)
    eng = make_engine(url)
    with eng.connect() as connection:
        org_id = connection.execute(
            text("SELECT id FROM organisations WHERE name LIKE 'Sweep %'")
        ).scalar_one()
    eng.dispose()
    return url, str(org_id)


def timed_reads(url: str, org_id: str, label: str, repeat: int) -> dict[str, Any]:
    eng = make_engine(url)
    factory = make_session_factory(eng)
    walls, cpus, read = [], [], 0
    load = os.getloadavg()[0]
    for _ in range(repeat):
        with factory() as s:
            cpu, start = time.process_time(), time.perf_counter()
            read = len(open_shipments(s, org_id, CARRIERS, NOW, PollPolicy()))
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
    eng.dispose()
    row = {"database": label, "read": read, "best_s": min(walls),
           "median_s": statistics.median(walls), "best_cpu_s": min(cpus),
           "load": f"{load:.1f}"}  # fmt: skip
    print(json.dumps(row))
    return row


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--active", type=int, default=200_000)
    parser.add_argument("--sqlite", default="", help="a SQLite file, loaded when absent")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL")
    parser.add_argument("--keep", default="linkstar_bench_poll_read", help="its database")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = []
    if args.sqlite:
        url, org_id = kept_sqlite(Path(args.sqlite), args.active)
        rows.append(timed_reads(url, org_id, "SQLite", args.repeat))
    if args.postgres:
        url, org_id = kept_postgres(args.postgres, args.keep, args.active, 0)
        rows.append(timed_reads(url, org_id, "PostgreSQL", args.repeat))
    report("tracking_poll_read", rows)


if __name__ == "__main__":
    main()
