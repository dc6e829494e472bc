"""The carrier-alias look-up of ingestion: what it adds to a batch of new keys.

`ingest_batch.store` asks `aliases.find_aliased` (one statement) about the keys no shipment has.
This times that real statement for a batch of 20,000 new (carrier, number) keys against a
workspace with no aliases and with 1,000 (one key in twenty an alias), process CPU per key, on
SQLite (and PostgreSQL with `--postgres`, the server's CPU beside it), best and median of
`--repeat` runs. The whole ingestion of new shipments is timed by `tracking_ingest.py`.

Usage: python benchmarks/tracking_aliases.py [--keys 20000] [--repeat 7] [--postgres URL]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import arguments, postgres_database, report
from tracking_sweep_db import server_cpu

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking.aliases import find_aliased
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment, ShipmentCarrierAlias
from linkstar.workspace.access import create_organisation


def run(url: str, n: int, repeat: int, label: str) -> list[dict[str, object]]:
    """Time the look-up of `n` new keys with no aliases stored, then with n/20."""
    eng = make_engine(url)
    upgrade(eng)
    factory = make_session_factory(eng)
    with unit_of_work(factory) as session:
        org, _ = create_organisation(
            session, "Bench aliases", "b@aliases.example", "Bench-Pass-2026"
        )
        org_id = org.id
    backend = None
    if eng.dialect.name == "postgresql":
        with eng.connect() as connection:
            backend = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    keys = [("usps", f"9400{i:018d}") for i in range(n)]
    rows: list[dict[str, object]] = []
    for stored in (0, n // 20):
        if stored:
            with unit_of_work(factory) as session:  # corrected shipments under UPS
                ingest(session, org_id, [TrackingUpdate(k[1], "ups", (), "bench")
                                         for k in keys[::20]])  # fmt: skip
                ids = dict(session.query(Shipment.tracking_number, Shipment.id))
                session.add_all(
                    ShipmentCarrierAlias(organisation_id=org_id, carrier="usps",
                                         tracking_number=k[1], shipment_id=ids[k[1]])
                    for k in keys[::20]
                )  # fmt: skip
        cpu_us, server_us, hits = [], [], 0
        for _ in range(repeat):
            with factory() as session:
                session.connection()
                before, server = time.process_time(), server_cpu(backend)
                hits = len(find_aliased(session, org_id, keys))
                cpu_us.append((time.process_time() - before) * 1e6 / n)
                if backend:
                    server_us.append((server_cpu(backend) - server) * 1e6 / n)
        rows.append(
            {
                "database": label,
                "keys": n,
                "aliases_stored": stored,
                "hits": hits,
                "cpu_us_per_key_best": f"{min(cpu_us):.2f}",
                "cpu_us_per_key_median": f"{statistics.median(cpu_us):.2f}",
                "server_us_per_key_median": f"{statistics.median(server_us):.2f}"
                if server_us
                else "",
                "load": f"{os.getloadavg()[0]:.1f}",
            }
        )
    eng.dispose()
    return rows


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--keys", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (own database)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows += run(f"sqlite:///{Path(folder) / 'bench.db'}", args.keys, args.repeat, "SQLite")
    if args.postgres:
        with postgres_database(args.postgres, "tracking_aliases_weak12") as url:
            rows += run(url, args.keys, args.repeat, "PostgreSQL")
    report("tracking_aliases", rows)


if __name__ == "__main__":
    main()
