"""The inbox linker's look-up of quoted numbers among an organisation's stored shipments.

Every token of a buyer message that could be a tracking number (up to 100 per message) is looked
up among the organisation's shipments, whatever its format. A batch of 500 messages can carry
thousands of candidates; this measures that look-up (`linking._shipments_by_number`) against
N shipments spread over 10 carriers, half of the candidates stored, half not.

Usage: python benchmarks/inbox_linking.py [--database-url URL] [--shipments N]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from _common import own_database, report
from sqlalchemy import insert, text

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.inbox.linking import _shipments_by_number
from linkstar.kit.ids import new_id
from linkstar.tracking.models import Shipment
from linkstar.workspace.models import Organisation


def main() -> None:
    """Seed the shipments, then time the look-up for several candidate counts."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--shipments", type=int, default=200_000)
    args = parser.parse_args()
    drop = None
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/linking.db"
    if url.startswith("postgres"):
        url, drop = own_database(url, "inbox_linking")
    try:
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_session_factory(engine)
        with unit_of_work(sessions) as s:
            org = Organisation(name="Bench", slug="bench-linking")
            s.add(org)
            s.flush()
            org_id = org.id
        n = args.shipments
        with engine.begin() as conn:
            for start in range(0, n, 50_000):
                conn.execute(insert(Shipment), [
                    {"id": new_id(), "organisation_id": org_id, "carrier": f"c{i % 10}",
                     "tracking_number": f"LSUPS{i:08d}", "public_token": new_id()}
                    for i in range(start, min(n, start + 50_000))
                ])  # fmt: skip
            # Production tables carry planner statistics (autovacuum, SQLite's ANALYZE).
            conn.execute(text("ANALYZE"))
        rows = []
        for count in (100, 1_000, 5_000):
            stored = {f"LSUPS{(i * 7) % n:08d}" for i in range(count // 2)}
            numbers = stored | {f"X{i:09d}" for i in range(count - len(stored))}
            wall, cpu = time.perf_counter(), time.process_time()
            with sessions() as s:
                found = _shipments_by_number(s, org_id, numbers)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            rows.append({"db": engine.dialect.name, "shipments": n, "candidates": len(numbers),
                         "found": len(found), "wall_s": wall, "cpu_s": cpu})  # fmt: skip
        engine.dispose()
        report("inbox_linking", rows)
    finally:
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()
