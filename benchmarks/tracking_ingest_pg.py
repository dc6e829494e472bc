"""PostgreSQL bulk tracking ingestion: client CPU, server (backend) CPU and wall, per batch and
per store step.

`tracking_ingest.py`'s three batches (new shipments, later scans only, history re-sent), columns
input, against PostgreSQL only, with `ingest_batch`'s calls of the `event_store` functions
wrapped to read this process's CPU and the backend's CPU (from /proc, a local server) around
each, and the batch's wall on two idle cores estimated from them (`critical_path`): on a
shared machine the wall measures the load, not the overlap of client and server. The benchmark
only names those functions, so it runs unchanged against an older checkout
(`PYTHONPATH=/tmp/before/src python benchmarks/tracking_ingest_pg.py`) for alternated pairs.
Also prints, per batch, how many shipment updates were HOT (`pg_stat_user_tables`).

`--explain` (a superuser's connection) also loads `auto_explain` into the session, its plans
sent back as notices, and prints per step the statements' rows, WAL records / full-page images /
bytes (COPY is no planned statement: its WAL is the step's insert-position move, which other
writers on the server would add to), and the rows the transaction inserted and updated, non-HOT,
per table (`pg_stat_xact_user_tables`): each such row writes an entry into every index of its
table whose predicate it meets. With pg_walinspect (created in the run's database) it also
prints the transaction's own WAL per step, COPY's included: records, bytes and full-page images
(other writers left out). Timing is off in those plans, but the CPU figures of an `--explain`
run still carry the plans' instrumentation: take CPU from runs without it. Every run prints how
many checkpoints began during each batch (`pg_stat_bgwriter`, server-wide): the first change of
a page after one writes the whole page into the WAL.

`--shuffle` sends the later batches' shipments in random order (a carrier's pushes do not come
in the order the shipments were created); `--setup-sql` runs statements on the fresh database
first (what-ifs: an index dropped, a storage parameter).

Usage: python benchmarks/tracking_ingest_pg.py --postgres SERVER_URL [--shipments 20000]
[--label NAME] [--explain] [--setup-sql SQL …] [--shuffle] [--checkpoint] (the run creates its
own database, named with the label, and drops it after)
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from _common import arguments, machine, postgres_database
from sqlalchemy import text
from tracking_ingest import make_batches
from tracking_sweep_db import server_cpu

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking import ingest_batch
from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.ingest import ingest_columns
from linkstar.workspace.access import create_organisation

STEPS = (
    "find_shipments",
    "stored_pairs",
    "insert_shipments",
    "insert_events",
    "write_status",
    "fill_service_and_promise",
)


_XACT = (
    "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
    "WHERE relname IN ('shipments', 'tracking_events')"
)


_OWN = ("pg_current_wal_insert_lsn", "pg_stat_", "pg_backend_pid", "pg_get_wal_records_info")
# The WAL of this database's pages between two positions, with its full-page images
# (pg_walinspect; the blocks a record names carry the database's oid, so other writers on the
# server are left out, and so are records that name no page, such as commits). A full-page
# image is written for the first change of a page after a checkpoint began.
_OWN_WAL = (
    "SELECT count(*), coalesce(sum(record_length), 0), count(*) FILTER (WHERE fpi_length > 0), "
    "coalesce(sum(fpi_length), 0) FROM pg_get_wal_records_info(%s::pg_lsn, %s::pg_lsn) "
    "WHERE block_ref LIKE '%%/' || (SELECT oid FROM pg_database "
    "WHERE datname = current_database()) || '/%%'"
)
_CHECKPOINTS = "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"


def _lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def _own_wal(raw: Any, lsn0: int, lsn1: int) -> tuple[int, ...] | None:
    """This database's WAL records, bytes, full-page images and their bytes in [lsn0, lsn1),
    read once the batch committed (pg_walinspect reads flushed WAL only); None without
    pg_walinspect (no superuser) or when the step wrote nothing."""
    if lsn1 <= lsn0:
        return None
    with raw.cursor() as cursor:
        try:
            cursor.execute(_OWN_WAL, [_lsn(lsn0), _lsn(lsn1)])
        except Exception:  # pg_walinspect missing: the step's other figures without it
            raw.rollback()
            return None
        row = cursor.fetchone()
    raw.rollback()
    return tuple(int(v) for v in row)


class Explained:
    """`--explain`: auto_explain's plans (notices) and the transaction's row counts per step."""

    def __init__(self) -> None:
        self.plans: list[dict[str, Any]] = []
        self.steps: dict[str, list[Any]] = defaultdict(list)

    def attach(self, raw: Any) -> None:
        raw.add_notice_handler(self._notice)
        with raw.cursor() as cursor:
            for sql in (
                "LOAD 'auto_explain'",
                "SET auto_explain.log_min_duration = 0",
                "SET auto_explain.log_analyze = on",
                "SET auto_explain.log_timing = off",
                "SET auto_explain.log_buffers = on",
                "SET auto_explain.log_wal = on",
                "SET auto_explain.log_format = json",
                "SET auto_explain.log_level = notice",
                "SET client_min_messages = notice",
            ):
                cursor.execute(sql)

    def _notice(self, diag: Any) -> None:
        text_ = diag.message_primary or ""
        if "plan:" in text_:
            plan = json.loads(text_.split("plan:", 1)[1])
            if not any(mine in plan["Query Text"] for mine in _OWN):
                self.plans.append(plan)
                if os.environ.get("EXPLAIN_DUMP"):
                    with open(os.environ["EXPLAIN_DUMP"], "a") as out:
                        out.write(json.dumps(plan) + "\n")

    def state(self, raw: Any) -> tuple[int, dict[str, tuple[int, int, int]]]:
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
            (lsn,) = cursor.fetchone()
            cursor.execute(_XACT)
            rows = {name: (ins, upd, hot) for name, ins, upd, hot in cursor.fetchall()}
        return int(lsn), rows

    def record(self, step: str, raw: Any, before: tuple[int, Any]) -> None:
        (lsn0, rows0), (lsn1, rows1) = before, self.state(raw)
        written = {
            name: tuple(b - a for a, b in zip(rows0.get(name, (0, 0, 0)), counts, strict=True))
            for name, counts in rows1.items()
        }
        self.steps[step].append((lsn1 - lsn0, written, self.plans, (lsn0, lsn1)))
        self.plans = []

    def report(self, raw: Any) -> None:
        """Per step call: the WAL moved, the rows written, and each statement (the same text
        folded into one line with its count) with its rows and WAL."""
        for step, calls in self.steps.items():
            for wal, written, plans, (lsn0, lsn1) in calls:
                rows = {
                    k: f"ins {v[0]} upd {v[1]} hot {v[2]}" for k, v in written.items() if any(v)
                }
                print(f"      {step}: WAL moved {wal:,} bytes; rows {rows}")
                if own := _own_wal(raw, lsn0, lsn1):
                    records, size, images, image_bytes = own
                    print(
                        f"        this database's WAL: {records:,} records, {size:,} bytes, "
                        f"of which {images:,} full-page images, {image_bytes:,} bytes"
                    )
                folded: dict[str, list[float]] = {}
                for plan in plans:
                    top = plan["Plan"]
                    query = " ".join(plan["Query Text"].split())[:80]
                    sums = folded.setdefault(query, [0, 0, 0, 0, 0])
                    for k, key in enumerate(("Actual Rows", "WAL Records", "WAL FPI", "WAL Bytes")):
                        sums[k] += top.get(key, 0)
                    sums[4] += 1
                for query, (n_rows, records, fpi, size, count) in folded.items():
                    print(
                        f"        {count:6,}x rows {n_rows:7,.0f} WAL records {records:7,} "
                        f"fpi {fpi:5,} bytes {size:11,}  {query}"
                    )
        self.steps.clear()


def wrap_steps(backend: list[int], spent: dict[str, list[float]], explained: Any = None,
               raw: list[Any] | None = None) -> None:  # fmt: skip
    """Time each step's client and backend CPU into `spent` (name → [client, server]); with
    `explained`, record each call's plans, WAL and rows written there (`raw[0]`: the driver's
    connection)."""
    for name in STEPS:
        inner = getattr(ingest_batch, name)

        def wrapper(*args: Any, _inner: Any = inner, _name: str = name, **kw: Any) -> Any:
            before = explained.state(raw[0]) if explained and raw else None
            cpu, server = time.process_time(), server_cpu(backend[0])
            try:
                return _inner(*args, **kw)
            finally:
                spent[_name][0] += time.process_time() - cpu
                spent[_name][1] += server_cpu(backend[0]) - server
                if before is not None:
                    explained.record(_name, raw[0], before)

        setattr(ingest_batch, name, wrapper)


def critical_path(client: float, server: float, spent: dict[str, list[float]]) -> float:
    """The batch's wall on two idle cores, from CPU seconds (what a loaded machine still
    measures): the client's and the server's CPU outside the timed steps one after the other
    (nothing runs on the other side then), and per step the longer of the two, as both run at
    once there (a `COPY` is sent while its rows are built and encoded). An estimate: it leaves
    out the round trips' latency and counts a step as overlapped throughout."""
    inside_client = sum(c for c, _ in spent.values())
    inside_server = sum(s for _, s in spent.values())
    steps = sum(max(c, s) for c, s in spent.values())
    return max(client - inside_client, 0.0) + max(server - inside_server, 0.0) + steps


def run(url: str, n: int, explain: bool = False, setup: Sequence[str] = (),
        shuffle: bool = False, checkpoint: bool = False) -> None:  # fmt: skip
    eng = make_engine(url, pool_size=1, max_overflow=0)
    upgrade(eng)
    with eng.begin() as conn:  # what-ifs on this run's own database (`--setup-sql`)
        for sql in setup:
            conn.exec_driver_sql(sql)
    if explain:  # this database's full-page images (`_own_wal`); needs a superuser
        with eng.begin() as conn, contextlib.suppress(Exception):
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
    factory = make_session_factory(eng)
    with unit_of_work(factory) as session:
        stamp = time.time_ns()
        org, _ = create_organisation(
            session, f"Bench {stamp}", f"b{stamp}@bench.example", "Bench-Pass-2026"
        )
        org_id = org.id
        backend = [int(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar())]
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    explained = Explained() if explain else None
    raw: list[Any] = []
    wrap_steps(backend, spent, explained, raw)
    batches = make_batches(n)
    if shuffle:  # later batches name their shipments in no particular order
        for _, batch in batches[1:]:
            random.Random(3).shuffle(batch)
    gc.collect()
    gc.freeze()
    stats = "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'shipments'"
    for name, batch in batches:
        events = sum(len(u.events) for u in batch)
        given = from_updates(batch)
        spent.clear()
        load = os.getloadavg()[0]
        with eng.connect() as conn:
            if checkpoint:  # the what-if of a checkpoint just before the batch
                conn.exec_driver_sql("CHECKPOINT")
            checkpoints = conn.exec_driver_sql(_CHECKPOINTS).scalar()
        cpu, start, server = time.process_time(), time.perf_counter(), server_cpu(backend[0])
        with unit_of_work(factory) as session:
            pid = int(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar())
            assert pid == backend[0], "one pooled connection serves every batch"
            if explained is not None and not raw:
                raw.append(session.connection().connection.driver_connection)
                explained.attach(raw[0])
            server = server_cpu(backend[0])
            cpu, start = time.process_time(), time.perf_counter()
            result = ingest_columns(session, org_id, given)
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        server = server_cpu(backend[0]) - server
        time.sleep(0.6)  # the statistics collector reports on its own schedule
        with eng.connect() as conn:
            upd, hot = conn.execute(text(stats)).one()
            checkpoints = conn.exec_driver_sql(_CHECKPOINTS).scalar() - checkpoints
        print(
            f"{name:38s} events {events:7d} inserted {result.events_inserted:7d} "
            f"client {cpu:5.2f}s server {server:5.2f}s wall {wall:5.2f}s "
            f"events/client-cpu-s {events / cpu:9,.0f} events/s {events / wall:9,.0f} "
            f"load {load:.2f}->{os.getloadavg()[0]:.2f} shipments upd {upd} hot {hot} "
            f"checkpoints begun {checkpoints}"
        )
        path = critical_path(cpu, server, spent)
        print(
            f"    on two idle cores: {path:5.2f}s, {events / path:9,.0f} events/s "
            f"(client and server CPU outside the steps, and each step's longer side)"
        )
        for step in STEPS:
            if step in spent:
                c, s = spent[step]
                print(f"    {step:28s} client {c:5.2f}s server {s:5.2f}s")
        if explained is not None:
            explained.report(raw[0])
    gc.unfreeze()
    eng.dispose()


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--shipments", type=int, default=20_000)
    parser.add_argument("--postgres", required=True, help="a PostgreSQL server URL")
    parser.add_argument("--label", default="ingest_pg", help="part of the database's name")
    parser.add_argument("--explain", action="store_true", help="plans, WAL and rows per step")
    parser.add_argument(
        "--setup-sql", action="append", default=[],
        help="a statement run on the fresh database before the batches (a what-if), repeatable",
    )  # fmt: skip
    parser.add_argument(
        "--shuffle", action="store_true",
        help="the later batches' shipments in random order (not in the order they were created)",
    )  # fmt: skip
    parser.add_argument(
        "--checkpoint", action="store_true",
        help="a CHECKPOINT (superuser) before each batch: its pages' first changes as full images",
    )  # fmt: skip
    args = parser.parse_args()
    print(machine())
    with postgres_database(args.postgres, args.label) as url:
        run(url, args.shipments, args.explain, args.setup_sql, args.shuffle, args.checkpoint)


if __name__ == "__main__":
    main()
