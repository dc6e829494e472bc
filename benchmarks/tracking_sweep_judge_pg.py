"""The sweep's judgement alone on PostgreSQL (`tracking.sweep.judge`: open and resolve).

Measured on a database kept by `tracking_sweep_db.py --postgres-keep NAME --steady-only` (the
state after a first sweep), `judge` --repeat times in one transaction rolled back at the end,
with the sweep's planner settings and no parallel workers. The count and exposure read and
the disruption counts, the same before and after sweep12's change, are left out, so that
alternated runs of two trees (`PYTHONPATH=…/src` for the earlier one) compare the part that
changed. Reported per run: process CPU s, CPU s of the backend (from /proc: a local server
only), wall s, the load average, and what it opened and resolved.

Usage: python benchmarks/tracking_sweep_judge_pg.py --postgres postgresql://HOST/NAME [--repeat N]
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import arguments
from sqlalchemy import text

from linkstar.db.engine import make_engine, make_session_factory, normalise_url
from linkstar.tracking.driver_reads import planned
from linkstar.tracking.rules import load_rules
from linkstar.tracking.sweep import PLANNER, judge

NOW = datetime(2026, 12, 10, 12, tzinfo=UTC)  # as tracking_sweep_db.py


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = arguments(__doc__)
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

        for _ in range(args.repeat):
            cpu, server, start = time.process_time(), server_cpu(pid), time.perf_counter()
            report = judge(s, org, rules, NOW)
            print(
                f"{time.strftime('%H:%M:%S', time.gmtime())} judge: client "
                f"{time.process_time() - cpu:.2f} + server {server_cpu(pid) - server:.2f} s "
                f"CPU, wall {time.perf_counter() - start:.2f} s, load "
                f"{os.getloadavg()[0]:.1f}: {sum(report.opened.values())} opened, "
                f"{report.resolved} resolved"
            )
        s.rollback()
    eng.dispose()


if __name__ == "__main__":
    main()
