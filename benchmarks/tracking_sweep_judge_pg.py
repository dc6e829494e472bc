"""The sweep's judgement on PostgreSQL, the one walk against the statements it replaced.

Measured on a database kept by `tracking_sweep_db.py --postgres-keep NAME --steady-only` (the
state after a first sweep): inside one transaction, rolled back at the end, alternately
(a) the statements SQLite still runs (`sweep_sql.open_by_rule`, `sweep_reads.stall_candidates`
and `stalled_shipments`, `sweep_sql.resolve_by_rule`) and (b) the PostgreSQL judgement
(`sweep._judge_postgres`: `sweep_scope.read_differences`, the numpy judgement of the stall
candidates, the writes of the differences), each with the sweep's planner settings. The count
and exposure read and the disruption counts are the same in both and not timed. Reported per
run: process CPU s, CPU s of the backend that ran the statements (from /proc: a local server
only), wall s, the load average, and what each found (equal in the steady state: nothing).

Usage: python benchmarks/tracking_sweep_judge_pg.py --postgres postgresql://HOST/NAME [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from linkstar.db.engine import make_engine, make_session_factory, normalise_url
from linkstar.tracking.driver_reads import planned
from linkstar.tracking.rules import load_rules
from linkstar.tracking.sweep import PLANNER, _judge_postgres
from linkstar.tracking.sweep_reads import stall_candidates, stalled_shipments
from linkstar.tracking.sweep_sql import open_by_rule, resolve_by_rule

NOW = datetime(2026, 12, 10, 12, tzinfo=UTC)  # as tracking_sweep_db.py


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="URL of the kept database")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    options = "-c timezone=UTC -c max_parallel_workers_per_gather=0"
    eng = make_engine(normalise_url(args.postgres), connect_args={"options": options})
    with make_session_factory(eng)() as s, planned(s, **PLANNER):
        org = str(
            s.execute(text("SELECT id FROM organisations WHERE name LIKE 'Sweep %'")).scalar_one()
        )
        pid = int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())
        rules = load_rules(s, org)

        def statements() -> Any:
            opened = open_by_rule(s, org, rules, NOW)
            ids, _ = stall_candidates(s, org, rules, NOW)
            stalled_shipments(s, org)
            resolved = resolve_by_rule(s, org, rules, NOW)
            return f"{sum(opened.values())} opened, {resolved} resolved, {len(ids)} candidates"

        def one_walk() -> Any:
            report = _judge_postgres(s, org, rules, NOW)
            return f"{sum(report.opened.values())} opened, {report.resolved} resolved"

        for _ in range(args.repeat):
            for label, fn in (("statements (before)", statements), ("one walk (after)", one_walk)):
                cpu, server, start = time.process_time(), server_cpu(pid), time.perf_counter()
                found = fn()
                print(
                    f"{time.strftime('%H:%M:%S', time.gmtime())} {label}: client "
                    f"{time.process_time() - cpu:.2f} + server {server_cpu(pid) - server:.2f} s "
                    f"CPU, wall {time.perf_counter() - start:.2f} s, load "
                    f"{os.getloadavg()[0]:.1f}: {found}"
                )
        s.rollback()
    eng.dispose()


if __name__ == "__main__":
    main()
