"""Throughput and latency of POST /hooks/{token} over real HTTP (uvicorn, loopback).

Each request is a distinct, correctly signed 17TRACK v2 push (the recorded TRACKING_UPDATED
payload of tests/tracking/connectors/payloads with its own tracking number), so every one does
the full path: token look-up, secret decryption, signature check, parse, one outbox job
insert, commit, 202. Three phases: one client sending sequentially (latency), then several
keep-alive clients in parallel threads (throughput under concurrency), then re-deliveries of
already-seen bodies (the idempotent path). The budget of the issue: >= 500 requests/s with
p99 <= 50 ms. The server is a separate uvicorn process (`--server-workers` processes, as
`uvicorn --workers` would run it), so the client's CPU does not share the server's GIL.
Usage: python benchmarks/webhooks.py [--database-url URL] [--requests N] [--clients C]
       [--server-workers W]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from _common import own_database, percentiles, report
from cryptography.fernet import Fernet

from linkstar.config import Environment, Settings
from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.server import build_app
from linkstar.tracking.connectors.signatures import seventeen_track_signature
from linkstar.tracking.hooks import service
from linkstar.tracking.hooks.schemas import EndpointKind, WebhookEndpointCreate
from linkstar.workspace import access
from linkstar.workspace.core import Role, user_principal

BUDGET_RPS = 500.0
BUDGET_P99_MS = 50.0
SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "tests/tracking/connectors/payloads/17track_tracking_updated.json"
)
KEY = "17track-benchmark-security-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _endpoint(settings: Settings, engine: Any) -> str:
    from linkstar.kit.crypto import SecretBox

    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        stamp = time.time_ns()
        org, owner = access.create_organisation(
            session, f"Bench {stamp}", f"bench{stamp}@example.com", "Bench-Pass-1234"
        )
        actor = user_principal(org.id, owner.id, owner.email, Role.owner)
        made = service.create_endpoint(
            session,
            actor,
            WebhookEndpointCreate(kind=EndpointKind.tracking_17track, secret=KEY),
            SecretBox(settings.encryption_keys()),
        )
    return made.url_path


def app_factory() -> Any:
    """The app the server processes run (settings from the BENCH_* environment)."""
    settings = Settings(
        env=Environment.test,
        data_dir=Path(os.environ["BENCH_DATA_DIR"]),
        database_url=os.environ["BENCH_DATABASE_URL"],
        secret_key="b" * 40,
        encryption_key=os.environ["BENCH_ENCRYPTION_KEY"],
    )
    return build_app(settings)


def _serve(settings: Settings, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BENCH_DATA_DIR": str(settings.data_dir),
        "BENCH_DATABASE_URL": settings.database_url,
        "BENCH_ENCRYPTION_KEY": settings.encryption_key.get_secret_value(),
        "PYTHONPATH": str(Path(__file__).parent),
    }
    command = [
        sys.executable, "-m", "uvicorn", "webhooks:app_factory", "--factory",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server process and its workers (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1] is the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def deliveries(n: int, offset: int) -> list[tuple[bytes, dict[str, str]]]:
    """`n` distinct signed 17TRACK pushes, as 17TRACK would send them."""
    base = json.loads(SAMPLE.read_text())
    out = []
    for i in range(offset, offset + n):
        base["data"]["number"] = f"YT{2229521272164446 + i}"
        body = json.dumps(base, separators=(",", ":")).encode()
        sign = seventeen_track_signature(body, KEY)
        out.append((body, {"sign": sign, "Content-Type": "application/json"}))
    return out


def _run(url: str, path: str, batch: list[tuple[bytes, dict[str, str]]]) -> list[float]:
    samples = []
    with httpx.Client(base_url=url) as client:
        for body, headers in batch:
            t0 = time.perf_counter()
            response = client.post(path, content=body, headers=headers)
            samples.append(time.perf_counter() - t0)
            assert response.status_code == 202, response.text
    return samples


def _parallel(url: str, path: str, batch: list[Any], clients: int) -> tuple[list[float], float]:
    parts = [batch[i::clients] for i in range(clients)]
    results: list[list[float]] = [[] for _ in parts]

    def work(i: int) -> None:
        results[i] = _run(url, path, parts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [s for r in results for s in r], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server-workers", type=int, default=1)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    database_url, drop = f"sqlite:///{tmp}/bench.db", None
    if args.database_url.startswith("postgresql"):
        database_url, drop = own_database(args.database_url, "webhooks")
    settings = Settings(
        env=Environment.test,
        data_dir=tmp,
        database_url=database_url,
        secret_key="b" * 40,
        encryption_key=Fernet.generate_key().decode(),
    )
    engine = make_engine(settings.database_url)
    path = _endpoint(settings, engine)
    port = _free_port()
    server = _serve(settings, port, args.server_workers)
    url = f"http://127.0.0.1:{port}"
    n = args.requests
    warm, sequential, parallel = deliveries(200, 0), deliveries(n, 200), deliveries(n, 200 + n)
    rows = []
    _run(url, path, warm)

    cpu0, started = time.process_time(), time.perf_counter()
    server0 = server_cpu(server.pid)
    samples = _run(url, path, sequential)
    elapsed = time.perf_counter() - started
    rows.append(
        {
            "phase": "1 client, sequential, new bodies",
            "n": n,
            "req_per_s": n / elapsed,
            "cpu_ms": (time.process_time() - cpu0) * 1000 / n,
            "server_cpu_ms": (server_cpu(server.pid) - server0) * 1000 / n,
            **percentiles(samples),
        }
    )
    cpu0, server0 = time.process_time(), server_cpu(server.pid)
    samples, elapsed = _parallel(url, path, parallel, args.clients)
    many = percentiles(samples)
    many_rps = n / elapsed
    rows.append(
        {
            "phase": f"{args.clients} clients, parallel, new bodies",
            "n": n,
            "req_per_s": many_rps,
            "cpu_ms": (time.process_time() - cpu0) * 1000 / n,
            "server_cpu_ms": (server_cpu(server.pid) - server0) * 1000 / n,
            **many,
        }
    )
    cpu0, server0 = time.process_time(), server_cpu(server.pid)
    samples, elapsed = _parallel(url, path, sequential[: n // 2], args.clients)
    rows.append(
        {
            "phase": f"{args.clients} clients, re-deliveries",
            "n": n // 2,
            "req_per_s": (n // 2) / elapsed,
            "cpu_ms": (time.process_time() - cpu0) * 1000 / (n // 2),
            "server_cpu_ms": (server_cpu(server.pid) - server0) * 1000 / (n // 2),
            **percentiles(samples),
        }
    )
    server.terminate()
    server.wait(30)
    with engine.connect() as conn:
        from sqlalchemy import text

        jobs = conn.execute(text("SELECT count(*) FROM outbox_jobs")).scalar_one()
    engine.dispose()
    if drop is not None:
        drop()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"database: {engine.dialect.name}; server processes: {args.server_workers}; "
        "keep-alive clients; 17TRACK bodies of ~5.6 kB"
    )
    print(f"load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores")
    print(f"outbox jobs written: {jobs} (expected {200 + 2 * n}: re-deliveries add none)")
    report(f"webhooks_{engine.dialect.name}", rows)
    ok = many_rps >= BUDGET_RPS and many["p99_ms"] <= BUDGET_P99_MS
    print(
        f"parallel: {many_rps:,.0f} req/s, p99 {many['p99_ms']:.1f} ms: "
        f"{'meets' if ok else 'MISSES'} the budget "
        f"({BUDGET_RPS:.0f} req/s, p99 {BUDGET_P99_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
