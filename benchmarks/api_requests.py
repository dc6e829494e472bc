"""Requests per second and latency of the API over real HTTP (uvicorn + httpx keep-alive).

Measures the whole request path: API-key authentication, one unit of work, a tenant-scoped
query, serialisation, the error envelope for a 404. Usage: python benchmarks/api_requests.py
[--database-url URL] [--requests N]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from _common import percentiles, report
from cryptography.fernet import Fernet

from linkstar.config import Environment, Settings
from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.demo import workspace as demo
from linkstar.kit.crypto import SecretBox
from linkstar.server import build_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--requests", type=int, default=2000)
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
    with unit_of_work(make_session_factory(engine)) as session:
        demo.reset(session)
        session.flush()
        summary = demo.load(session, SecretBox(settings.encryption_keys()))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_app(settings, engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    headers = {"Authorization": f"Bearer {summary.api_key}"}
    rows = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        for label, path, status in [
            ("GET /healthz", "/healthz", 200),
            ("GET /api/v1/stores (API key)", "/api/v1/stores", 200),
            ("GET /api/v1/warehouses (API key)", "/api/v1/warehouses", 200),
            ("GET unknown store -> 404 envelope", "/api/v1/stores/0000", 404),
        ]:
            for _ in range(50):  # warm-up
                client.get(path)
            samples = []
            started = time.perf_counter()
            for _ in range(args.requests):
                t0 = time.perf_counter()
                response = client.get(path)
                samples.append(time.perf_counter() - t0)
                assert response.status_code == status, (path, response.status_code, response.text)
            elapsed = time.perf_counter() - started
            rows.append(
                {
                    "request": label,
                    "n": args.requests,
                    "req_per_s": args.requests / elapsed,
                    **percentiles(samples),
                }
            )
    server.should_exit = True
    thread.join(10)
    print(f"database: {engine.dialect.name}; one client, keep-alive, sequential requests")
    report(f"api_requests_{engine.dialect.name}", rows)


if __name__ == "__main__":
    main()
