"""Exception sweep and lane statistics through the whole service path, at the issue's scale.

Measured: `tracking.sweep.sweep` and `tracking.statistics.refresh` exactly as the job and the
CLI call them (inside one unit of work, commit included) against a database that holds
--active in-flight shipments (default 1,000,000) and --delivered delivered ones (default
1,000,000), each with its derived columns (status, status since, last scan, first scan,
delivered at, promise) as ingestion writes them, on 2,000 lanes (carrier x service x origin x
country x postcode prefix). The sweep counts the shipments in scope and the moving parcels per
lane in one scan of the covering index (migration 0025); on SQLite it opens and resolves the
exceptions of every rule but `stalled` in SQL (INSERT … SELECT … NOT EXISTS, UPDATE … NOT
EXISTS) and reads the stall candidates alone (the lane gap joined) to judge them in numpy; on
PostgreSQL one walk of the scope returns the shipments whose rules and open exceptions differ
and the stall candidates (`tracking.sweep_scope`), and only those pairs are written; it judges
disruptions
(exception counts from the lane recorded on each exception, migration 0028); the refresh
reads one integer per delivered shipment (lane id, on-time flag and transit seconds packed,
migration 0029), computes percentiles with shrinkage and replaces the lane table. Events are
not read by either: the sweep judges the summary columns that ingestion keeps current, so the
~10 events behind each shipment (10,000,000 for 1,000,000 shipments) are not loaded here.

Reported per step: wall seconds, process CPU seconds (the database is in-process on SQLite),
on PostgreSQL also the CPU of the server process that ran the queries (read from /proc, so only
for a server on this machine), and the load average.

Usage: python benchmarks/tracking_sweep_db.py [--active N] [--delivered N] [--postgres URL]
       [--postgres-keep NAME] [--steady-only] [--repeat N] [--explain FILE]
       [--keep FILE.db] [--statistics-only]

--postgres names a server: the run creates its own database there and drops it after, unless
--postgres-keep names a database to keep: loaded when absent, otherwise reused as it is. A
reused database starts each run from the state just after loading (the organisation's
exceptions, suspensions and queued jobs deleted, then VACUUM ANALYZE), or with --steady-only
from the state after a first sweep (taken once, untimed, when the organisation has no
exception; then VACUUM ANALYZE as autovacuum would): only the steady-state sweep is timed,
--repeat times. --explain FILE runs one more
steady-state sweep with auto_explain (ANALYZE, BUFFERS, VERBOSE, every statement, nested ones
included) and writes the plans to FILE; its timings carry the instrumentation's overhead.
--pg-settings "jit=off,max_parallel_workers_per_gather=0" sets server settings for every
connection of the timed steps (an experiment; the engine's own options override PGOPTIONS).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from _common import arguments, postgres_database, report
from sqlalchemy import create_engine, text

from linkstar.db.engine import make_engine, make_session_factory, normalise_url
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking import lane_ids, statistics
from linkstar.tracking.core.columns import micros_of
from linkstar.tracking.core.epochs import seconds
from linkstar.tracking.sweep import sweep
from linkstar.workspace.access import create_organisation

NOW = datetime(2026, 12, 10, 12, tzinfo=UTC)
PG_SETTINGS: list[str] = []  # name=value, from --pg-settings


def engine(url: str) -> Any:
    """The engine of the timed steps: the project's, plus any --pg-settings on PostgreSQL."""
    if not PG_SETTINGS or not url.startswith("postgres"):
        return make_engine(url)
    options = " ".join(["-c timezone=UTC", *(f"-c {s}" for s in PG_SETTINGS)])
    return make_engine(url, connect_args={"options": options})


ACTIVE = ("in_transit", "out_for_delivery", "failed_attempt", "info_received",
          "available_for_pickup", "returning_to_sender", "exception")  # fmt: skip
ACTIVE_P = (0.72, 0.08, 0.04, 0.08, 0.04, 0.02, 0.02)
CARRIERS = ("usps", "ups", "fedex", "dhl", "yunexpress")
COUNTRIES = ("US", "US", "US", "GB", "CA", "DE", "AU")
COLUMNS = ("id", "organisation_id", "tracking_number", "carrier", "carrier_service",
           "warehouse_id", "dest_country", "dest_postcode", "promised_by", "status",
           "sub_status", "status_since", "last_event_at", "first_scan_at", "delivered_at",
           "event_count", "unmapped_count", "source", "public_token", "created_at",
           "updated_at", "promised_s", "status_since_s", "last_event_s", "first_scan_s",
           "delivered_s", "created_s")  # fmt: skip


def _lanes(rng: np.random.Generator, n: int) -> tuple[np.ndarray[Any, Any], ...]:
    lane = rng.integers(0, 2_000, n)
    carrier = np.array(CARRIERS, dtype=object)[lane % len(CARRIERS)]
    country = np.array(COUNTRIES, dtype=object)[(lane // 5) % len(COUNTRIES)]
    prefix = np.char.zfill(((lane // 35) % 60 * 13 + 100).astype(str), 3).astype(object)
    warehouse = np.where(lane % 2 == 0, "wh-ca", "wh-nj").astype(object)
    return carrier, country, prefix, warehouse


def rows(org_id: str, n: int, delivered: bool, seed: int, as_text: bool) -> list[tuple[Any, ...]]:
    """Shipments with derived columns; times as SQLite text or aware datetimes."""
    rng = np.random.default_rng(seed)
    carrier, country, prefix, warehouse = _lanes(rng, n)
    now_s = NOW.timestamp()
    if delivered:
        done = now_s - rng.uniform(0, 170, n) * 86_400
        first = done - np.exp(rng.normal(1.3, 0.4, n)) * 86_400
        last, since = done, done
        status = np.full(n, "delivered", dtype=object)
    else:
        last = now_s - rng.exponential(30.0, n) * 3600
        first = last - rng.uniform(0, 4, n) * 86_400
        since = last
        status = np.array(ACTIVE, dtype=object)[rng.choice(len(ACTIVE), n, p=ACTIVE_P)]
    sub = np.where(rng.random(n) < 0.02, "customs_hold", None).astype(object)
    promise = first + rng.integers(3, 9, n) * 86_400

    def t(values: np.ndarray[Any, Any]) -> tuple[list[Any], list[int | None]]:
        stamps = [datetime.fromtimestamp(float(v), UTC) for v in values]
        epochs = seconds(micros_of(stamps))  # the epoch columns (tracking.core.epochs)
        if as_text:
            return [s.isoformat(" ", "microseconds")[:26] for s in stamps], epochs
        return stamps, epochs

    (first_t, first_s), (last_t, last_s) = t(first), t(last)
    (since_t, since_s), (promise_t, promise_s) = t(since), t(promise)
    done_t, done_s = (last_t, last_s) if delivered else ([None] * n, [None] * n)
    tag = "D" if delivered else "A"
    ids = [os.urandom(16).hex() for _ in range(n)]
    return [
        (ids[i], org_id, f"B{tag}{i:010d}", carrier[i], "Ground", warehouse[i], country[i],
         f"{prefix[i]}01", promise_t[i], status[i], sub[i], since_t[i], last_t[i], first_t[i],
         done_t[i], 8, 0, "bench", ids[i] + ids[i][::-1], first_t[i], last_t[i], promise_s[i],
         since_s[i], last_s[i], first_s[i], done_s[i], first_s[i])
        for i in range(n)
    ]  # fmt: skip


def load(eng: Any, org_id: str, active: int, delivered: int) -> None:
    """Bulk insert through the driver (setup, not measured)."""
    as_text = eng.dialect.name == "sqlite"
    mark = "?" if as_text else "%s"
    sql = (
        f"INSERT INTO shipments ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"
    )
    for n, done, seed in ((delivered, True, 2), (active, False, 1)):
        for start in range(0, n, 200_000):
            part = rows(org_id, min(200_000, n - start), done, seed + start, as_text)
            part = [(f"{r[0][:24]}{start:08x}", *r[1:]) for r in part]
            part = [(r[0], r[1], f"{r[2]}{start}", *r[3:]) for r in part]
            raw = eng.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.executemany(sql, part)
                raw.commit()
            finally:
                raw.close()


def server_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of a local PostgreSQL backend so far; 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(label: str, size: int, fn: Any, backend: int | None = None) -> dict[str, Any]:
    cpu, start, server = time.process_time(), time.perf_counter(), server_cpu(backend)
    result = fn()
    return {
        "work": label,
        "shipments": size,
        "seconds": time.perf_counter() - start,
        "cpu_s": time.process_time() - cpu,
        "server_cpu_s": server_cpu(backend) - server if backend else None,
        "load": f"{os.getloadavg()[0]:.1f}",
        "result": result,
    }


def prepare(url: str, label: str, active: int, delivered: int) -> str:
    """A new organisation holding the generated shipments; its id."""
    eng = make_engine(url)
    upgrade(eng)
    with unit_of_work(make_session_factory(eng)) as s:
        stamp = time.time_ns()
        org, _ = create_organisation(
            s, f"Sweep {stamp}", f"b{stamp}@bench.example", "Bench-Pass-26"
        )
        org_id = org.id
    start = time.perf_counter()
    load(eng, org_id, active, delivered)
    took = time.perf_counter() - start
    print(f"{label}: loaded {active + delivered:,} shipments in {took:.0f} s")
    with unit_of_work(make_session_factory(eng)) as s:  # what the backfill of 0029 does
        lane_ids.assign(s, org_id)
    if eng.dialect.name == "postgresql":  # what autovacuum does on a live database: without a
        # visibility map the covering index cannot answer alone
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE shipments")
    eng.dispose()
    return org_id


def kept_postgres(server: str, name: str, active: int, delivered: int) -> tuple[str, str]:
    """(URL, organisation id) of the kept database `name`: loaded when absent, otherwise
    reused as it is."""
    admin = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = normalise_url(server).rsplit("/", 1)[0] + f"/{name}"
    if not exists:
        return url, prepare(url, "PostgreSQL", active, delivered)
    eng = make_engine(url)
    with eng.connect() as connection:
        org_id = connection.execute(
            text("SELECT id FROM organisations WHERE name LIKE 'Sweep %'")
        ).scalar_one()
    eng.dispose()
    print(f"PostgreSQL: reusing database {name} (organisation {org_id})")
    return url, str(org_id)


def reset(url: str, org_id: str, *, delete: bool = True) -> None:
    """Back to the state just after loading: the organisation's exceptions, suspensions and
    queued jobs deleted (unless not `delete`), the tables vacuumed and analysed as autovacuum
    would (the test server runs without autovacuum)."""
    eng = make_engine(url)
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("tracking_exceptions", "tracking_suspensions", "outbox_jobs"):
            if delete:
                connection.execute(
                    text(f"DELETE FROM {table} WHERE organisation_id = :org"), {"org": org_id}
                )
        connection.exec_driver_sql("VACUUM ANALYZE tracking_exceptions, shipments")
    eng.dispose()


def has_exceptions(url: str, org_id: str) -> bool:
    """Whether the organisation holds any exception (a first sweep ran)."""
    eng = make_engine(url)
    with eng.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM tracking_exceptions WHERE organisation_id = :org LIMIT 1"),
            {"org": org_id},
        ).first()
    eng.dispose()
    return found is not None


def explain(url: str, org_id: str, path: str) -> None:
    """One steady-state sweep under auto_explain; every statement's plan written to `path`."""
    eng = engine(url)
    plans: list[str] = []
    with unit_of_work(make_session_factory(eng)) as s:
        raw: Any = s.connection().connection.driver_connection
        raw.add_notice_handler(lambda diag: plans.append(diag.message_primary or ""))
        s.connection().exec_driver_sql("LOAD 'auto_explain'")
        for setting in (
            "auto_explain.log_min_duration = 0",
            "auto_explain.log_analyze = on",
            "auto_explain.log_buffers = on",
            "auto_explain.log_verbose = on",
            "auto_explain.log_nested_statements = on",
            "auto_explain.log_settings = on",
            "auto_explain.log_level = notice",
        ):
            s.connection().exec_driver_sql(f"SET LOCAL {setting}")  # fmt: skip
        sweep(s, org_id, now=NOW)
    eng.dispose()
    Path(path).write_text("\n\n".join(plans) + "\n")
    print(f"{len(plans)} plans written to {path}")


def run(
    url: str,
    label: str,
    org_id: str,
    active: int,
    delivered: int,
    statistics_only: bool,
    *,
    steady_only: bool = False,
    repeat: int = 1,
) -> list[dict[str, Any]]:
    eng = engine(url)
    upgrade(eng)  # a kept database from an earlier schema gets this version's indexes
    factory = make_session_factory(eng)
    backend = None
    if eng.dialect.name == "postgresql":  # one pooled connection serves every step below
        with eng.connect() as connection:
            backend = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    out = []

    def refresh() -> str:
        with unit_of_work(factory) as s:
            got = statistics.refresh(s, org_id, now=NOW)
        return f"{got.shipments:,} delivered read, {got.lanes:,} lanes"

    def swept() -> str:
        with unit_of_work(factory) as s:
            got = sweep(s, org_id, now=NOW)
        return f"{sum(got.opened.values()):,} opened, {len(got.suspended)} suspended"

    again = [("exception sweep, again (nothing new)", active, swept)] * repeat
    steps = [("lane statistics refresh", delivered, refresh),
             ("exception sweep, first run", active, swept), *again]  # fmt: skip
    if steady_only:
        steps = again
    for work, size, fn in steps[:1] if statistics_only else steps:
        out.append({"database": label, **timed(work, size, fn, backend)})
    eng.dispose()
    return out


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--active", type=int, default=1_000_000)
    parser.add_argument("--delivered", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--keep",
        default="",
        help="SQLite file holding the generated shipments: built when missing, otherwise "
        "reused (each run works on a copy); the set-up of 2,000,000 shipments takes minutes",
    )
    parser.add_argument("--statistics-only", action="store_true", help="skip both sweeps")
    parser.add_argument(
        "--postgres-keep", default="", help="a database on --postgres to load once and reuse"
    )
    parser.add_argument(
        "--steady-only",
        action="store_true",
        help="with --postgres-keep: time the steady-state sweep only (after one untimed first "
        "sweep when the database has none)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="steady-state sweeps timed")
    parser.add_argument("--explain", default="", help="write the steady state's plans here")
    parser.add_argument("--pg-settings", default="", help="name=value,… for every connection")
    args = parser.parse_args()
    PG_SETTINGS.extend(filter(None, args.pg_settings.split(",")))
    out: list[dict[str, Any]] = []
    size = (args.active, args.delivered)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            kept = Path(args.keep or Path(folder) / "generated.db")
            marker = kept.with_suffix(kept.suffix + ".org")
            if not marker.exists():
                marker.write_text(prepare(f"sqlite:///{kept}", "SQLite", *size))
            work = Path(folder) / "sweep.db"
            shutil.copyfile(kept, work)
            print(f"load average before: {os.getloadavg()} on {os.cpu_count()} cores")
            org_id = marker.read_text()
            out += run(f"sqlite:///{work}", "SQLite", org_id, *size, args.statistics_only,
                       repeat=args.repeat)  # fmt: skip
    if args.postgres and args.postgres_keep:
        url, org_id = kept_postgres(args.postgres, args.postgres_keep, *size)
        steady = args.steady_only
        if steady and not has_exceptions(url, org_id):
            with unit_of_work(make_session_factory(make_engine(url))) as s:
                sweep(s, org_id, now=NOW)  # the first sweep, once and untimed
        reset(url, org_id, delete=not steady)
        print(f"load average before: {os.getloadavg()} on {os.cpu_count()} cores")
        out += run(url, "PostgreSQL", org_id, *size, args.statistics_only,
                   steady_only=steady, repeat=args.repeat)  # fmt: skip
        if args.explain:
            explain(url, org_id, args.explain)
    elif args.postgres:
        with postgres_database(args.postgres, "tracking_sweep") as url:
            org_id = prepare(url, "PostgreSQL", *size)
            print(f"load average before: {os.getloadavg()} on {os.cpu_count()} cores")
            out += run(url, "PostgreSQL", org_id, *size, args.statistics_only,
                       repeat=args.repeat)  # fmt: skip
    print(f"load average after: {os.getloadavg()}")
    report("tracking_sweep_db", out)


if __name__ == "__main__":
    main()
