"""The database's own cost per new tracking event: the real insert statements with rows
prepared beforehand (no Python preparation timed), on the real schema and on scratch variants.

One real ingestion of `tracking_ingest.make_batches` "new shipments" (20,000 parcels, about
77,000 stored events) records the rows `event_store.insert_shipments` and `insert_events` get.
Each variant then starts from a copy of the migrated, empty database (SQLite: a file copy;
PostgreSQL: `CREATE DATABASE … TEMPLATE`), changes the schema as it says, and times
shipments insert + events insert + commit, the way the store sends them (SQLite one
`executemany` each; PostgreSQL binary `COPY`). Reported: wall, this process's CPU, the
PostgreSQL backend's CPU, and microseconds per stored event of the slower of CPU or wall.

Usage: python benchmarks/tracking_event_rows_db.py [--shipments 20000] [--repeat 3]
[--postgres SERVER_URL] [--only NAME,NAME]
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import arguments, postgres_database, report
from sqlalchemy import text
from tracking_ingest import make_batches
from tracking_sweep_db import server_cpu

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking import event_store, ingest_batch
from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.ingest import ingest_columns
from linkstar.workspace.access import create_organisation

Rows = list[tuple[Any, ...]]


def capture(url: str, n: int) -> tuple[Rows, Rows, tuple[str, ...], tuple[str, ...]]:
    """The shipment and event rows one real ingestion of n new parcels hands the store."""
    eng = make_engine(url)
    upgrade(eng)
    factory = make_session_factory(eng)
    with unit_of_work(factory) as session:
        org, _ = create_organisation(session, "Rows", "rows@bench.example", "Bench-Pass-2026")
    seen: dict[str, Rows] = {"ships": [], "events": []}
    real_ships, real_events = ingest_batch.insert_shipments, ingest_batch.insert_events

    def ships(session: Any, rows: Rows) -> None:
        seen["ships"] += rows
        real_ships(session, rows)

    def events(session: Any, rows: Rows, *, fresh: bool = False) -> int:
        seen["events"] += rows
        return real_events(session, rows, fresh=fresh)

    ingest_batch.insert_shipments, ingest_batch.insert_events = ships, events  # type: ignore[assignment]
    try:
        with unit_of_work(factory) as session:
            ingest_columns(session, org.id, from_updates(make_batches(n)[0][1]))
    finally:
        ingest_batch.insert_shipments, ingest_batch.insert_events = real_ships, real_events
    # The empty template: the organisation stays, the ingested rows go.
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM tracking_events"))
        conn.execute(text("DELETE FROM shipments"))
    eng.dispose()
    return seen["ships"], seen["events"], event_store.SHIPMENT_COLUMNS, event_store.EVENT_COLUMNS


# --- variants: (name, what changes) -------------------------------------------------------


def _int_times_sqlite(rows: Rows, cols: tuple[str, ...]) -> Rows:
    at = [cols.index("event_time"), cols.index("received_at")]
    out = []
    for row in rows:
        r = list(row)
        for i in at:
            r[i] = int(np.datetime64(r[i], "us").astype(np.int64))
        out.append(tuple(r))
    return out


def _drop_col(rows: Rows, cols: tuple[str, ...], name: str) -> tuple[Rows, tuple[str, ...]]:
    i = cols.index(name)
    return [r[:i] + r[i + 1 :] for r in rows], cols[:i] + cols[i + 1 :]


SQLITE_VARIANTS: dict[str, str] = {
    "real schema": "",
    "events: with the FK to shipments (before 0032)": "events_sql:withfk",
    "events: WITHOUT ROWID, PK (shipment_id, fingerprint), no id": "events_sql:clustered",
    "events: times as integers": "rows:int_times",
    "events: no organisation_id": "rows:no_org",
    "shipments: no public_token unique index": "ships:no_token_index",
    "shipments insert only": "only:ships",
    "events insert only": "only:events",
    "pragma page_size=8192": "pragma:page_size=8192",
    "pragma page_size=16384": "pragma:page_size=16384",
    "pragma wal_autocheckpoint=100000": "pragma:wal_autocheckpoint=100000",
    "pragma temp_store=MEMORY, cache_size=-262144": "pragma:temp_store=MEMORY;cache_size=-262144",
    "pragma journal_mode=DELETE (no WAL)": "pragma:journal_mode=DELETE",
}


def _sqlite_schema(path: str, change: str) -> list[str]:
    """Apply the variant's schema change to the copied database; returns extra pragmas."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        kind, _, what = change.partition(":")
        pragmas: list[str] = []
        if kind == "pragma":
            pragmas = what.split(";")
            for p in pragmas:
                if p.startswith("page_size"):
                    db.execute("PRAGMA journal_mode=DELETE")
                    db.execute(f"PRAGMA {p}")
                    db.execute("VACUUM")
                    db.execute("PRAGMA journal_mode=WAL")
            return [p for p in pragmas if not p.startswith("page_size")]
        if kind == "ships" and what == "no_token_index":
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name='shipments'").fetchone()[0]
            sql = re.sub(
                r",\s*CONSTRAINT uq_shipments_public_token UNIQUE \(public_token\)", "", sql
            )
            _rebuild(db, "shipments", sql)
        if kind == "events_sql" or (kind == "rows" and what == "no_org"):
            sql = db.execute(
                "SELECT sql FROM sqlite_master WHERE name='tracking_events'"
            ).fetchone()[0]
            for part in what.split(","):
                sql = _edit_events_sql(sql, part)
            _rebuild(db, "tracking_events", sql)
        return pragmas
    finally:
        db.close()


def _edit_events_sql(sql: str, part: str) -> str:
    lines = [line for line in sql.split("\n")]
    if part == "withfk":
        at = next(i for i, line in enumerate(lines) if "UNIQUE (shipment_id" in line)
        lines.insert(at, "\tFOREIGN KEY(shipment_id) REFERENCES shipments (id) ON DELETE CASCADE,")
    elif part == "clustered":
        lines = [line for line in lines if "PRIMARY KEY" not in line and "\tid " not in line]
        lines = [
            line.replace("CONSTRAINT uq_tracking_events_shipment_id UNIQUE", "PRIMARY KEY")
            for line in lines
        ]
        lines = [
            line.replace(
                "UNIQUE (shipment_id, fingerprint)", "PRIMARY KEY (shipment_id, fingerprint)"
            )
            for line in lines
        ]
    elif part == "no_org":
        lines = [line for line in lines if "\torganisation_id" not in line]
    out = "\n".join(lines).rstrip()
    out = out.replace(",\n)", "\n)")
    if part == "clustered":
        out += " WITHOUT ROWID"
    return out


def _rebuild(db: sqlite3.Connection, table: str, sql: str) -> None:
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("PRAGMA legacy_alter_table=ON")
    indexes = [
        s
        for (s,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL",
            [table],
        )
    ]
    db.execute(f"ALTER TABLE {table} RENAME TO old_{table}")
    db.execute(sql)
    db.execute(f"DROP TABLE old_{table}")
    for s in indexes:
        db.execute(s)


def sqlite_run(
    template: str, folder: Path, name: str, change: str, ships: Rows, events: Rows,
    scols: tuple[str, ...], ecols: tuple[str, ...],
) -> dict[str, Any]:  # fmt: skip
    path = str(folder / "variant.db")
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    shutil.copy(template, path)
    pragmas = _sqlite_schema(path, change)
    kind, _, what = change.partition(":")
    if kind == "rows" and what == "int_times":
        events = _int_times_sqlite(events, ecols)
    if kind == "rows" and what == "no_org":
        events, ecols = _drop_col(events, ecols, "organisation_id")
    if kind == "only":
        ships, events = (ships, []) if what == "ships" else (ships, events)
    db = sqlite3.connect(path, isolation_level=None)
    for p in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "cache_size=-65536",
              *pragmas):  # fmt: skip
        db.execute(f"PRAGMA {p}")
    s_sql = f"INSERT INTO shipments ({', '.join(scols)}) VALUES ({', '.join('?' * len(scols))})"
    e_sql = (
        f"INSERT OR IGNORE INTO tracking_events ({', '.join(ecols)}) "
        f"VALUES ({', '.join('?' * len(ecols))})"
    )
    if kind == "only" and what == "events":
        db.execute("BEGIN IMMEDIATE")
        db.executemany(s_sql, ships)
        db.execute("COMMIT")
        ships = []

    def work() -> None:
        db.execute("BEGIN IMMEDIATE")
        if ships:
            db.executemany(s_sql, ships)
        if events:
            db.executemany(e_sql, events)
        db.execute("COMMIT")

    row = _time(name, "SQLite", work, len(events) or len(ships), None)
    db.close()
    return row


def _time(
    name: str, label: str, fn: Callable[[], None], n: int, backend: int | None
) -> dict[str, Any]:
    load = os.getloadavg()[0]
    cpu, start, server = time.process_time(), time.perf_counter(), server_cpu(backend)
    fn()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    server = server_cpu(backend) - server if backend else 0.0
    return {
        "database": label,
        "variant": name,
        "rows": n,
        "wall_s": f"{wall:.3f}",
        "client_cpu_s": f"{cpu:.3f}",
        "server_cpu_s": f"{server:.2f}" if backend else "",
        "us_per_event_cpu": f"{(cpu + server) / n * 1e6:.1f}",
        "us_per_event_wall": f"{wall / n * 1e6:.1f}",
        "load": f"{load:.1f}",
    }


# --- PostgreSQL ---------------------------------------------------------------------------

_DROP_FK = (
    "ALTER TABLE tracking_events DROP CONSTRAINT IF EXISTS fk_tracking_events_shipment_id_shipments"
)
PG_VARIANTS: dict[str, list[str]] = {
    "real schema": [],
    "events: with the FK to shipments (before 0032)": [
        "ALTER TABLE tracking_events ADD CONSTRAINT fk_tracking_events_shipment_id_shipments "
        "FOREIGN KEY (shipment_id) REFERENCES shipments (id) ON DELETE CASCADE"
    ],
    "events: no FK to shipments": [_DROP_FK],
    "events: no id column (PK shipment_id, fingerprint)": [
        "ALTER TABLE tracking_events DROP COLUMN id",
        "ALTER TABLE tracking_events DROP CONSTRAINT uq_tracking_events_shipment_id_fingerprint",
        "ALTER TABLE tracking_events ADD PRIMARY KEY (shipment_id, fingerprint)",
    ],
    "events: no id + no FK": [
        _DROP_FK,
        "ALTER TABLE tracking_events DROP COLUMN id",
        "ALTER TABLE tracking_events DROP CONSTRAINT uq_tracking_events_shipment_id_fingerprint",
        "ALTER TABLE tracking_events ADD PRIMARY KEY (shipment_id, fingerprint)",
    ],
    "events: id kept, PK (shipment_id, fingerprint), no index on id": [
        "ALTER TABLE tracking_events DROP CONSTRAINT uq_tracking_events_shipment_id_fingerprint",
        "ALTER TABLE tracking_events DROP CONSTRAINT pk_tracking_events",
        "ALTER TABLE tracking_events ADD PRIMARY KEY (shipment_id, fingerprint)",
    ],
    "events: that + no FK": [
        _DROP_FK,
        "ALTER TABLE tracking_events DROP CONSTRAINT uq_tracking_events_shipment_id_fingerprint",
        "ALTER TABLE tracking_events DROP CONSTRAINT pk_tracking_events",
        "ALTER TABLE tracking_events ADD PRIMARY KEY (shipment_id, fingerprint)",
    ],
    "events: no FK + id sequence CACHE 1000": [
        _DROP_FK,
        "ALTER SEQUENCE tracking_events_id_seq CACHE 1000",
    ],
    "events: no organisation_id": ["rows:no_org"],
    "shipments: no public_token unique index": [
        "ALTER TABLE shipments DROP CONSTRAINT uq_shipments_public_token"
    ],
    "shipments insert only": ["only:ships"],
    "events insert only": ["only:events"],
}


def pg_run(
    server: str, template: str, name: str, changes: list[str], ships: Rows, events: Rows,
    scols: tuple[str, ...], ecols: tuple[str, ...],
) -> dict[str, Any]:  # fmt: skip
    import psycopg

    base = server.rsplit("/", 1)[0].replace("+psycopg", "")
    variant = f"{template}_v"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{variant}"')
        admin.execute(f'CREATE DATABASE "{variant}" TEMPLATE "{template}"')
    try:
        conn = psycopg.connect(f"{base}/{variant}", options="-c timezone=UTC")
        etypes = list(event_store._EVENT_TYPES)
        only = ""
        for change in changes:
            if change == "rows:no_org":
                i = ecols.index("organisation_id")
                conn.execute("ALTER TABLE tracking_events DROP COLUMN organisation_id")
                events, ecols = _drop_col(events, ecols, "organisation_id")
                etypes.pop(i)
            elif change.startswith("only:"):
                only = change[5:]
            else:
                conn.execute(change)  # type: ignore[arg-type]
        conn.commit()
        if only == "events":
            _copy(conn, "shipments", scols, event_store._SHIPMENT_TYPES, ships)
            conn.commit()
            ships = []
        if only == "ships":
            events = []
        conn.execute("CHECKPOINT")
        conn.commit()
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        conn.commit()

        def work() -> None:
            if ships:
                _copy(conn, "shipments", scols, event_store._SHIPMENT_TYPES, ships)
            if events:
                _copy(conn, "tracking_events", ecols, etypes, events)
            conn.commit()

        row = _time(name, "PostgreSQL", work, len(events) or len(ships), backend)
        conn.close()
        return row
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{variant}" WITH (FORCE)')


def _copy(conn: Any, table: str, cols: tuple[str, ...], types: Any, rows: Rows) -> None:
    sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT BINARY)"
    with conn.cursor() as cur, cur.copy(sql) as copy:
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--shipments", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--only", default="", help="variant names, separated by |")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    only = {v for v in args.only.split("|") if v}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.no_sqlite:
            template = str(folder / "template.db")
            ships, events, scols, ecols = capture(f"sqlite:///{template}", args.shipments)
            for _ in range(args.repeat):
                for name, change in SQLITE_VARIANTS.items():
                    if not only or name in only:
                        rows.append(
                            sqlite_run(template, folder, name, change, ships, events, scols, ecols)
                        )
        if args.postgres:
            with postgres_database(args.postgres, "event_rows") as url:
                ships, events, scols, ecols = capture(url, args.shipments)
                make_engine(url).dispose()
                template = url.rsplit("/", 1)[1]
                server = args.postgres.replace("+psycopg", "")
                for _ in range(args.repeat):
                    for name, changes in PG_VARIANTS.items():
                        if not only or name in only:
                            rows.append(
                                pg_run(server, template, name, changes, ships, events, scols,
                                       ecols)
                            )  # fmt: skip
    report("tracking_event_rows_db", rows)


if __name__ == "__main__":
    main()
