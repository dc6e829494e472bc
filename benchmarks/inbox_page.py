"""The console inbox with 100,000 threads and ~250,000 messages, over real HTTP with a signed-in
session (uvicorn + httpx keep-alive), and the ingest throughput of the inbox store.

1. Page latency (p50/p95/p99): the first page, filtered pages (overdue, an intent, a channel +
   status), a deep page through the keyset cursor, and one thread view.
2. Ingest: new buyer messages through `ingest_messages` in batches of 500 into the same
   organisation: idempotency look-up, threading, classification (one batch per call), linking,
   SLA. Messages/s on the wall clock and per second of process CPU.

Usage: python benchmarks/inbox_page.py [--database-url URL] [--threads N] [--requests N]
"""

from __future__ import annotations

import argparse
import random
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from _common import percentiles, report
from cryptography.fernet import Fernet
from sqlalchemy import insert

from linkstar.config import Environment, Settings
from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.inbox.core.inbound import Channel, InboundMessage
from linkstar.inbox.core.training import seed_examples
from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.inbox.store import ingest_messages
from linkstar.inbox.understanding import classifier
from linkstar.kit.ids import new_id
from linkstar.server import build_app
from linkstar.workspace.access import create_organisation
from linkstar.workspace.auth import login

SEED = 20261204
PASSWORD = "Bench-Password-2026"
INTENTS = ["where_is_my_order", "delivery_problem", "return_request", "refund_request",
           "bulk_or_oem_inquiry", "product_question", "complaint", "other"]  # fmt: skip
CHANNELS = ["email", "amazon", "ebay", "shopify", "tiktok", "website"]
STATUSES = ["open", "open", "pending", "closed", "closed", "snoozed"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(sessions: Any, org_id: str, threads: int, now: datetime) -> int:
    """Bulk-insert threads and 1-4 messages each (Core executemany); returns messages."""
    rng = random.Random(SEED)
    texts = [e.text for e in seed_examples()]
    total = 0
    chunk = 10_000
    for start in range(0, threads, chunk):
        thread_rows: list[dict[str, Any]] = []
        message_rows: list[dict[str, Any]] = []
        for i in range(start, min(start + chunk, threads)):
            tid = new_id()
            at = now - timedelta(minutes=rng.uniform(0, 60 * 24 * 365))
            status = rng.choice(STATUSES)
            n = rng.choice([1, 2, 2, 3, 4])
            due = at + timedelta(hours=24) if status in ("open", "snoozed") else None
            text = rng.choice(texts)
            thread_rows.append({
                "id": tid, "organisation_id": org_id, "channel": rng.choice(CHANNELS),
                "store_ref": "", "external_thread_id": "", "buyer_address": f"buyer{i}@example.com",
                "buyer_name": f"Buyer {i}", "subject": text[:60], "intent": rng.choice(INTENTS),
                "confidence": round(rng.random(), 3), "language": "en", "sentiment": "neutral",
                "urgency": "normal", "priority": "normal", "status": status,
                "snoozed_until": None, "assignee_user_id": None, "tags": [], "order_refs": [],
                "sla_due_at": due, "first_response_at": None, "last_inbound_at": at,
                "last_outbound_at": None, "last_activity_at": at, "message_count": n,
                "snippet": text[:200], "created_at": at, "updated_at": at,
            })  # fmt: skip
            for k in range(n):
                body = rng.choice(texts)
                message_rows.append({
                    "id": new_id(), "organisation_id": org_id, "thread_id": tid,
                    "direction": "in" if k % 2 == 0 else "out", "channel": "email",
                    "external_id": f"<{tid}-{k}@bench>", "in_reply_to": [],
                    "received_at": at + timedelta(minutes=k), "sender_address": "",
                    "sender_name": "", "subject": "", "text": body, "display_body": body,
                    "html": False, "raw": body.encode(), "raw_content_type": "text/plain",
                    "understanding": None, "attachments": [], "warnings": [],
                    "outbound_status": None if k % 2 == 0 else "sent", "failure_reason": None,
                    "template_id": None, "lint_findings": [], "author_user_id": None,
                    "created_at": at,
                })  # fmt: skip
        with unit_of_work(sessions) as s:
            s.execute(insert(InboxThread.__table__), thread_rows)
            s.execute(insert(InboxMessage.__table__), message_rows)
        total += len(message_rows)
    return total


def measure(client: httpx.Client, path: str, n: int) -> dict[str, Any]:
    for _ in range(10):
        assert client.get(path).status_code == 200
    samples = []
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(path)
        samples.append(time.perf_counter() - t0)
        assert r.status_code == 200, (path, r.status_code)
    # Server and client share this process: CPU per request does not depend on the load.
    cpu_ms = (time.process_time() - cpu0) / n * 1000
    return {"page": path[:60], "n": n, **percentiles(samples), "cpu_ms_per_req": cpu_ms}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--ingest", type=int, default=5_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        env=Environment.test,
        data_dir=tmp,
        database_url=args.database_url or f"sqlite:///{tmp}/bench.db",
        secret_key="b" * 40,
        encryption_key=Fernet.generate_key().decode(),
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with unit_of_work(sessions) as s:
        org, _owner = create_organisation(s, "Bench Inbox", "owner@bench.example", PASSWORD)
        org_id = org.id
    t0 = time.perf_counter()
    messages = fill(sessions, org_id, args.threads, now)
    took = time.perf_counter() - t0
    print(f"filled {args.threads:,} threads, {messages:,} messages in {took:.0f} s")
    with engine.begin() as conn:  # what autovacuum does after a bulk load
        conn.exec_driver_sql("ANALYZE")
    with unit_of_work(sessions) as s:
        token = login(
            s, "owner@bench.example", PASSWORD, ip="127.0.0.1", user_agent="bench",
            max_failures=5, window_seconds=900, session_max_age_seconds=3600,
        ).token  # fmt: skip
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_app(settings, engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    rows = []
    cookies = {"linkstar_session": token}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies=cookies) as client:
        first = client.get("/inbox/threads")
        assert first.status_code == 200 and "Next page" in first.text, first.text[:300]
        cursor = first.text.split("cursor=")[1].split('"')[0].replace("&amp;", "&")
        deep = "/inbox/threads?cursor=" + cursor
        thread_id = first.text.split('href="/inbox/threads/')[1].split('"')[0]
        for path in [
            "/inbox/threads",
            "/inbox/threads?sla=overdue",
            "/inbox/threads?intent=bulk_or_oem_inquiry",
            "/inbox/threads?channel=amazon&status=open",
            "/inbox/threads?q=buyer777",
            "/inbox/threads?q=refund",
            deep,
            f"/inbox/threads/{thread_id}",
        ]:
            rows.append(measure(client, path, args.requests))
    server.should_exit = True
    thread.join(10)
    print(f"database: {engine.dialect.name}; one signed-in client, keep-alive, sequential")
    report(f"inbox_page_{engine.dialect.name}", rows)
    ingest_rows = [bench_ingest(sessions, org_id, settings, args.ingest, now)]
    report(f"inbox_ingest_{engine.dialect.name}", ingest_rows)


def bench_ingest(
    sessions: Any, org_id: str, settings: Settings, count: int, now: datetime
) -> dict[str, Any]:
    """New messages from new and returning buyers, 500 per call, into the filled organisation."""
    model = classifier(settings)  # trains (or loads) before the clock starts
    rng = random.Random(SEED + 1)
    texts = [e.text for e in seed_examples()]
    batch: list[InboundMessage] = []
    batches: list[list[InboundMessage]] = []
    for i in range(count):
        text = rng.choice(texts)
        batch.append(
            InboundMessage(
                channel=Channel.EMAIL, external_id=f"<ingest-{i}@bench>",
                received_at=now - timedelta(minutes=count - i),
                sender_address=f"buyer{rng.randrange(200_000)}@example.com", sender_name="B",
                subject=text[:40], text=text, display_body=text, raw=text.encode(),
                raw_content_type="text/plain",
            )
        )  # fmt: skip
        if len(batch) == 500:
            batches.append(batch)
            batch = []
    if batch:
        batches.append(batch)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for part in batches:
        with unit_of_work(sessions) as s:
            ingest_messages(s, org_id, part, classifier=model)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        "work": "ingest_messages, 500 per call",
        "messages": count,
        "seconds": round(wall, 2),
        "msg_per_s": round(count / wall),
        "msg_per_cpu_s": round(count / cpu),
    }


if __name__ == "__main__":
    main()
