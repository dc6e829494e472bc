"""Exception sweep and transit statistics at scale.

1. The vectorised sweep (`core.exceptions.detect`, business hours with holidays included) over
   1,000,000 active shipments generated as columns, as `tracking.sweep` loads them from the
   shipments table. The sweep judges shipments by their cached columns (last event, status,
   status since), which ingestion keeps up to date, so the 10,000,000 events behind them are
   never re-read; their count does not enter the sweep's cost.
2. The same sweep end to end on SQLite (load in one query, judge, open exceptions with one
   multi-row insert) over --db-shipments shipments.
3. Lane statistics (`core.stats.lane_stats`) over 1,000,000 delivered shipments on 2,000
   lanes, and the refresh end to end on SQLite over --db-shipments delivered shipments.

Usage: python benchmarks/tracking_sweep.py [--shipments 1000000] [--db-shipments 100000]
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from _common import arguments, report
from sqlalchemy import insert

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.kit.ids import new_id
from linkstar.tracking import statistics
from linkstar.tracking.core.epochs import with_epochs
from linkstar.tracking.core.exceptions import NONE, SweepColumns, Thresholds, detect
from linkstar.tracking.core.stats import lane_stats
from linkstar.tracking.models import Shipment
from linkstar.tracking.sweep import sweep
from linkstar.workspace.access import create_organisation

NOW = datetime(2026, 12, 10, 12, tzinfo=UTC)
STATUSES = np.array(
    ["in_transit", "out_for_delivery", "failed_attempt", "exception", "info_received",
     "returning_to_sender", "available_for_pickup"], dtype=object,
)  # fmt: skip
WEIGHTS = np.array([0.70, 0.08, 0.04, 0.04, 0.08, 0.02, 0.04])
COUNTRIES = np.array(["US", "US", "US", "GB", "CA", "DE"], dtype=object)


def columns(n: int, seed: int = 1) -> SweepColumns:
    """Active shipments as the sweep loads them: last scan 0-20 days ago, some customs holds."""
    rng = np.random.default_rng(seed)
    now_s = int(NOW.timestamp())
    last = now_s - (rng.exponential(30.0, n) * 3600).astype(np.int64)
    status = STATUSES[rng.choice(len(STATUSES), n, p=WEIGHTS)]
    sub = np.where(rng.random(n) < 0.02, "customs_hold", "").astype(object)
    gap = np.where(rng.random(n) < 0.7, rng.uniform(20, 90, n), np.nan)
    promised = np.where(rng.random(n) < 0.6, now_s + rng.integers(-3, 5, n) * 86_400, NONE)
    return SweepColumns(
        status=status,
        sub_status=sub,
        dest_country=COUNTRIES[rng.integers(0, len(COUNTRIES), n)],
        last_event_at=last,
        status_since=last,
        promised_by=promised.astype(np.int64),
        delivered_at=np.full(n, NONE, dtype=np.int64),
        unmapped_count=(rng.random(n) < 0.01).astype(np.int64),
        lane_gap_p95_hours=gap,
    )


def delivered(n: int, lanes: int = 2_000, seed: int = 2):
    """Delivered shipments: lane codes, lognormal transit per lane, 97 % success."""
    rng = np.random.default_rng(seed)
    lane = rng.integers(0, lanes, n)
    mu = rng.normal(1.3, 0.3, lanes)
    transit = np.exp(rng.normal(mu[lane], 0.35))
    ok = rng.random(n) < 0.97
    on_time = np.where(rng.random(n) < 0.8, (transit <= 5).astype(float), np.nan)
    return lane, np.arange(lanes) % 60, transit, ok, on_time


def best_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def database_rows(org_id: str, n: int, seed: int = 3) -> list[dict[str, object]]:
    """Shipment rows with derived columns filled, 70 % active and 30 % delivered."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        done = rng.random() < 0.3
        scan = NOW - timedelta(hours=float(rng.exponential(30.0)) + (96 if done else 0))
        rows.append(
            with_epochs({
                "id": new_id(), "organisation_id": org_id, "tracking_number": f"BENCH{i:09d}",
                "carrier": ("usps", "ups", "fedex")[i % 3], "carrier_service": "Ground",
                "dest_country": "US", "dest_postcode": f"{rng.integers(100, 999)}01",
                "status": "delivered" if done else str(STATUSES[i % len(STATUSES)]),
                "status_since": scan + timedelta(days=3) if done else scan,
                "last_event_at": scan + timedelta(days=3) if done else scan,
                "first_scan_at": scan - timedelta(days=1),
                "delivered_at": scan + timedelta(days=3) if done else None,
                "promised_by": scan + timedelta(days=4), "event_count": 8,
                "unmapped_count": 0, "public_token": new_id() + new_id(),
                "source": "bench", "created_at": scan, "updated_at": scan,
            })
        )  # fmt: skip
    return rows


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--db-shipments", type=int, default=100_000)
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    cols = columns(args.shipments)
    now_s = int(NOW.timestamp())
    masks = detect(cols, Thresholds(), now_s)
    flagged = sum(int(m.sum()) for m in masks.values())
    seconds = best_of(3, lambda: detect(cols, Thresholds(), now_s))
    rows.append({"work": "sweep, vectorised core", "shipments": args.shipments,
                 "seconds": seconds, "result": f"{flagged:,} exceptions"})  # fmt: skip
    lane, parent, transit, ok, on_time = delivered(args.shipments)
    seconds = best_of(3, lambda: lane_stats(lane, parent, transit, ok, on_time))
    rows.append({"work": "lane stats, vectorised core", "shipments": args.shipments,
                 "seconds": seconds, "result": "2,000 lanes"})  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        eng = make_engine(f"sqlite:///{Path(folder) / 'sweep.db'}")
        upgrade(eng)
        factory = make_session_factory(eng)
        with unit_of_work(factory) as s:
            org, _ = create_organisation(s, "Sweep Bench", "b@bench.example", "Bench-Pass-2026")
            org_id = org.id
            data = database_rows(org_id, args.db_shipments)
            for start in range(0, len(data), 20_000):
                s.connection().execute(insert(Shipment.__table__), data[start : start + 20_000])
        start = time.perf_counter()
        with unit_of_work(factory) as s:
            result = sweep(s, org_id, now=NOW)
        rows.append({"work": "sweep on SQLite (load, judge, open)", "shipments": args.db_shipments,
                     "seconds": time.perf_counter() - start,
                     "result": f"{sum(result.opened.values()):,} opened"})  # fmt: skip
        start = time.perf_counter()
        with unit_of_work(factory) as s:
            stats = statistics.refresh(s, org_id, now=NOW)
        rows.append({"work": "lane stats refresh on SQLite", "shipments": stats.shipments,
                     "seconds": time.perf_counter() - start,
                     "result": f"{stats.lanes:,} lanes"})  # fmt: skip
        eng.dispose()
    report("tracking_sweep", rows)


if __name__ == "__main__":
    main()
