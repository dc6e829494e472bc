"""Fixtures of the webhook tests: stores, endpoints, signed deliveries and the job runner."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.jobs.runner import Outcome, execute
from linkstar.orders.connectors import signatures as order_sig
from linkstar.orders.models import Order, OrderDeadLetter
from linkstar.tracking.connectors import signatures as tracking_sig
from linkstar.tracking.hooks import service
from linkstar.tracking.hooks.schemas import EndpointKind, WebhookEndpointCreate
from linkstar.tracking.models import TrackingDeadLetter, TrackingEventRow
from linkstar.workspace import service as workspace
from linkstar.workspace.core import system_principal
from linkstar.workspace.schemas import StoreCreate
from tests.conftest import Tenant

TESTS = Path(__file__).resolve().parents[2]
ORDER_PAYLOADS = TESTS / "orders" / "connectors" / "payloads"
TRACKING_PAYLOADS = TESTS / "tracking" / "connectors" / "payloads"
SECRETS = {
    EndpointKind.orders_shopify: "shpss_5a1e0c5b2f0d4a7e9c3b",
    EndpointKind.orders_tiktok: "tts-app-secret-8d2f61c0",
    EndpointKind.orders_generic: None,
    EndpointKind.tracking_17track: "17track-security-key-71ad",
    EndpointKind.tracking_aftership: "aftership-webhook-secret-03",
    EndpointKind.tracking_generic: None,
    EndpointKind.inbox_contact_form: None,
}
APP_KEY = "6a0b1c2d3e4f5"
STORE_CHANNEL = {EndpointKind.orders_shopify: "shopify", EndpointKind.orders_tiktok: "tiktok_shop"}


def payload(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


@dataclass
class Hook:
    """One endpoint as its sender knows it: the URL, the kind, the secret."""

    id: str
    kind: EndpointKind
    path: str
    secret: str
    store_id: str | None
    app_key: str = ""

    def headers(self, body: bytes, *, now: float | None = None) -> dict[str, str]:
        """Headers the real sender puts on `body`."""
        k = self.kind
        if k is EndpointKind.orders_shopify:
            sig = {order_sig.SHOPIFY_HEADER: order_sig.shopify_signature(self.secret, body)}
            return {**sig, "X-Shopify-Topic": "orders/create"}
        if k is EndpointKind.orders_tiktok:
            return {"Authorization": order_sig.tiktok_signature(self.app_key, self.secret, body)}
        stamp = int(time.time() if now is None else now)
        if k is EndpointKind.orders_generic:
            return {order_sig.GENERIC_HEADER: order_sig.generic_signature(self.secret, body, stamp)}
        if k is EndpointKind.tracking_17track:
            return {"sign": tracking_sig.seventeen_track_signature(body, self.secret)}
        if k is EndpointKind.tracking_aftership:
            return {"aftership-hmac-sha256": tracking_sig.aftership_signature(body, self.secret)}
        return {"X-LinkStar-Signature": tracking_sig.generic_signature(body, self.secret, stamp)}


class Hooks:
    """Creates endpoints, posts deliveries, runs their jobs and counts what was written."""

    def __init__(self, client: TestClient, sessions: sessionmaker[Session]) -> None:
        self.client = client
        self.sessions = sessions

    def store(self, tenant: Tenant, channel: str = "other", name: str | None = None) -> str:
        data = StoreCreate(
            name=name or f"{channel} store",
            channel=channel,  # type: ignore[arg-type]
            region="US",
            currency="USD",
        )
        with unit_of_work(self.sessions) as s:
            box = self.client.app.state.box  # type: ignore[attr-defined]
            return workspace.create_store(s, system_principal(tenant.org.id), data, box).id

    def endpoint(self, tenant: Tenant, kind: EndpointKind, store_id: str | None = None) -> Hook:
        if kind.domain == "orders" and store_id is None:
            store_id = self.store(tenant, STORE_CHANNEL.get(kind, "other"))
        data = WebhookEndpointCreate(
            kind=kind,
            store_id=store_id,
            secret=SECRETS[kind],
            app_key=APP_KEY if kind is EndpointKind.orders_tiktok else None,
        )
        with unit_of_work(self.sessions) as s:
            box = self.client.app.state.box  # type: ignore[attr-defined]
            made = service.create_endpoint(s, system_principal(tenant.org.id), data, box)
        return Hook(made.id, kind, made.url_path, made.secret, store_id, made.app_key)

    def post(self, hook: Hook, body: bytes, headers: Mapping[str, str] | None = None) -> Response:
        sent = hook.headers(body) if headers is None else dict(headers)
        return self.client.post(
            hook.path, content=body, headers={"Content-Type": "application/json", **sent}
        )

    def run_jobs(self) -> list[Outcome]:
        """Run every due job once, as a worker would."""
        with self.sessions() as s:
            ids = list(s.scalars(select(OutboxJob.id).where(OutboxJob.status == "pending")))
        return [execute(self.sessions, job_id, "test-worker", 60) for job_id in ids]

    def count(self, model: Any, **where: Any) -> int:
        with self.sessions() as s:
            stmt = select(func.count()).select_from(model)
            for key, value in where.items():
                stmt = stmt.where(getattr(model, key) == value)
            return int(s.scalar(stmt) or 0)

    def written(self) -> dict[str, int]:
        """Rows in every table a delivery may write."""
        return {
            "jobs": self.count(OutboxJob),
            "orders": self.count(Order),
            "order_dead_letters": self.count(OrderDeadLetter),
            "events": self.count(TrackingEventRow),
            "tracking_dead_letters": self.count(TrackingDeadLetter),
        }

    def jobs(self) -> list[OutboxJob]:
        with self.sessions() as s:
            return list(s.scalars(select(OutboxJob).order_by(OutboxJob.created_at)))

    def order_dead_letters(self) -> list[OrderDeadLetter]:
        with self.sessions() as s:
            rows = s.scalars(select(OrderDeadLetter).order_by(OrderDeadLetter.created_at))
            return [_loaded(r, "raw") for r in rows]

    def tracking_dead_letters(self) -> list[TrackingDeadLetter]:
        with self.sessions() as s:
            return list(s.scalars(select(TrackingDeadLetter)))


def _loaded(row: OrderDeadLetter, attr: str) -> OrderDeadLetter:
    getattr(row, attr)  # a deferred column, read before the session closes
    return row


def done(hooks: Hooks) -> list[str]:
    return [j.status for j in hooks.jobs()]


def compact(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


@pytest.fixture
def hooks(client: TestClient, sessions: sessionmaker[Session]) -> Hooks:
    return Hooks(client, sessions)


__all__ = ["JobStatus"]
