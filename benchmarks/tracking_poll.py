"""One carrier poll run of a workspace (`tracking.carrier_polling.poll_organisation`).

Loads N open shipments (the generator of `tracking_sweep_db.py`: usps, ups, fedex, dhl and
yunexpress lanes, last scans within the past days) into a fresh SQLite file and, with
`--postgres URL`, a database of its own; adds USPS, UPS and DHL accounts and times one run at
the data's "now": the read of the open shipments of those carriers with their poll state, the
plan, the calls the rate limits allow within the 5-minute horizon (answered at once by an
`httpx.MockTransport`: USPS with one new scan per number, UPS and DHL "not found"; the clock is
advanced instead of slept), the one ingestion call and the poll state writes; then a second
run at the same moment (the parcels the first left for later). No budget is set by the issue:
the figure says what a run costs the database and the worker, next to the minutes the
carriers' rate limits take.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _common import arguments, postgres_database, report
from cryptography.fernet import Fernet
from tracking_sweep_db import NOW, prepare, server_cpu

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.tracking.carrier_accounts import add_carrier_account
from linkstar.tracking.carrier_polling import poll_organisation
from linkstar.workspace.core import system_principal

OAUTH = {"client_id": "bench-client-1", "client_secret": "bench-secret-1"}


def answer(request: httpx.Request) -> httpx.Response:
    """Tokens, one USPS scan per number, not found for the others."""
    if "token" in request.url.path:
        return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
    if request.url.host == "apis.usps.com":
        number = request.url.path.rsplit("/", 1)[-1]
        scan = {"eventType": "Arrived at USPS Regional Facility", "eventCode": "10",
                "eventTimestamp": "2026-12-10T11:00:00", "GMTOffset": "+00:00",
                "eventCity": "KEARNY", "eventState": "NJ", "eventZIP": "07032"}  # fmt: skip
        return httpx.Response(200, json={"trackingNumber": number, "trackingEvents": [scan]})
    return httpx.Response(404, json={"title": "No shipment found", "status": 404})


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def run(url: str, label: str, active: int) -> list[dict[str, Any]]:
    org_id = prepare(url, label, active, 0)
    eng = make_engine(url)
    factory = make_session_factory(eng)
    box = SecretBox([Fernet.generate_key()])
    actor = system_principal(org_id)
    with unit_of_work(factory) as s:
        add_carrier_account(s, actor, box, "usps", "USPS", OAUTH)
        add_carrier_account(s, actor, box, "ups", "UPS", OAUTH)
        add_carrier_account(s, actor, box, "dhl", "DHL", {"api_key": "bench-dhl-key"})
    backend = None
    if eng.dialect.name == "postgresql":
        with eng.connect() as connection:
            backend = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    rows = []
    for work in ("first run", "second run (what the first deferred)"):
        clock = Clock()
        load = os.getloadavg()[0]
        cpu, start, server = time.process_time(), time.perf_counter(), server_cpu(backend)
        with unit_of_work(factory) as s:
            got = poll_organisation(
                s, org_id, box, now=NOW, transport=httpx.MockTransport(answer),
                sleep=clock.sleep, clock=clock,
            )  # fmt: skip
        rows.append({
            "database": label,
            "work": work,
            "open_shipments": active,
            "read": got.shipments_read,
            "polled": got.polled,
            "events": got.events_inserted,
            "seconds": time.perf_counter() - start,
            "cpu_s": time.process_time() - cpu,
            "server_cpu_s": server_cpu(backend) - server if backend else None,
            "rate_limited_minutes": (clock.now - NOW).total_seconds() / 60,
            "load": f"{load:.1f}",
        })  # fmt: skip
        print(json.dumps(rows[-1]))
    eng.dispose()
    return rows


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--active", type=int, default=200_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows += run(f"sqlite:///{Path(folder) / 'poll.db'}", "SQLite", args.active)
    if args.postgres:
        with postgres_database(args.postgres, "tracking_poll") as url:
            rows += run(url, "PostgreSQL", args.active)
    report("tracking_poll", rows)


if __name__ == "__main__":
    main()
