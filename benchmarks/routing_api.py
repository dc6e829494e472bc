"""Latency of the routing API over real HTTP (uvicorn + httpx keep-alive) on the demo workspace.

The demo has 21 services of 8 carriers on the real USPS chart (../shared/data), its FX table,
default policy and lane statistics. Measures POST /quotes (one parcel, every service in force),
POST /routing/route (one parcel: rate, choose, store the decision record) and GET
/routing/explain/{order}. Usage: python benchmarks/routing_api.py [--requests N]
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
from linkstar.workspace import access
from linkstar.workspace.core import Permission, system_principal
from linkstar.workspace.schemas import ApiKeyCreate

QUOTE = {
    "warehouse": "US-CA-ONT",
    "dest_country": "US",
    "dest_postcode": "94105",
    "weight_g": 1200,
    "length_mm": 300,
    "width_mm": 200,
    "height_mm": 100,
    "ship_date": "2026-12-01",
    "residential": True,
}
PARCEL = {
    "warehouse": "US-CA-ONT",
    "origin_country": "US",
    "origin_postcode": "91761",
    "dest_country": "US",
    "dest_postcode": "94105",
    "weight_g": 1200,
    "length_mm": 300,
    "width_mm": 200,
    "height_mm": 100,
    "residential": "yes",
    "promised_days": 3,
    "ship_date": "2026-12-01",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        env=Environment.test,
        data_dir=tmp,
        database_url=f"sqlite:///{tmp}/bench.db",
        secret_key="b" * 40,
        encryption_key=Fernet.generate_key().decode(),
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        summary = demo.load(session, SecretBox(settings.encryption_keys()))
        actor = system_principal(summary.organisation.id)
        scopes = [Permission.routing_read, Permission.routing_manage]
        _key, secret = access.create_api_key(session, actor, ApiKeyCreate(name="b", scopes=scopes))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_app(settings, engine), port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    rows = []
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", headers=headers) as client:
        calls = [
            ("POST /quotes (21 services)", lambda i: client.post("/quotes", json=QUOTE)),
            (
                "POST /routing/route (1 parcel, stored)",
                lambda i: client.post(
                    "/routing/route", json={"parcels": [{**PARCEL, "order_id": f"B-{i}"}]}
                ),
            ),
            ("GET /routing/explain/{order}", lambda i: client.get(f"/routing/explain/B-{i}")),
        ]
        for label, call in calls:
            for i in range(20):  # warm-up (the route calls also create B-0 … B-19)
                assert call(i).status_code == 200, label
            samples = []
            for i in range(args.requests):
                t0 = time.perf_counter()
                response = call(i)
                samples.append(time.perf_counter() - t0)
                assert response.status_code == 200, (label, response.text[:200])
            rows.append({"request": label, "n": args.requests, **percentiles(samples)})
    server.should_exit = True
    report("routing_api", rows)


if __name__ == "__main__":
    main()
