"""Checking the delivery estimates over many delivered shipments (`tracking.estimate_check`).

Loads N delivered shipments (the generator of `tracking_sweep_db.py`: 2,000 lanes, deliveries
spread over 170 days) into a fresh SQLite file and, with `--postgres URL`, a database of its own,
then times `check_estimates` with the split 60 days before the data's "now": the read of every
finished shipment, the lane fit on the history before the split and the scoring of the rest.
No budget is set by the issue; the figure says what the console form and the API cost.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import own_database, report
from tracking_sweep_db import NOW, prepare

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.uow import unit_of_work
from linkstar.tracking.estimate_check import check_estimates
from linkstar.workspace.core import system_principal


def run(url: str, label: str, delivered: int) -> dict[str, Any]:
    org_id = prepare(url, label, 0, delivered)
    eng = make_engine(url)
    factory = make_session_factory(eng)
    load = os.getloadavg()[0]
    cpu, start = time.process_time(), time.perf_counter()
    with unit_of_work(factory) as s:
        got = check_estimates(s, system_principal(org_id), NOW - timedelta(days=60))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    eng.dispose()
    return {
        "database": label,
        "shipments": delivered,
        "fitted_on": got.fitted_on,
        "scored": got.overall.delivered,
        "p90_hit": f"{got.overall.p90_hit:.3f}",
        "seconds": seconds,
        "cpu_s": cpu,
        "load": f"{load:.1f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delivered", type=int, default=300_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(run(f"sqlite:///{Path(folder) / 'check.db'}", "SQLite", args.delivered))
    if args.postgres:
        url, drop = own_database(args.postgres, "estimate_check")
        try:
            rows.append(run(url, "PostgreSQL", args.delivered))
        finally:
            drop()
    report("estimate_check", rows)


if __name__ == "__main__":
    main()
