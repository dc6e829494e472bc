"""Helpers for the console tests: signed-in browsers-in-a-TestClient, users of every role,
seeded rows, row snapshots, and the real app served by uvicorn for the browser tests.

Users are inserted with one precomputed argon2 hash and sessions with a known token, so the
suite pays for password hashing only where a test goes through the real sign-in form.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.db.registry import load_metadata
from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.kit.ids import new_token, sha256_hex
from linkstar.web.context import SESSION_COOKIE
from linkstar.workspace import access, service
from linkstar.workspace.auth import hash_password
from linkstar.workspace.core import Channel, Permission, Role, WarehouseKind, system_principal
from linkstar.workspace.models import User, UserSession
from linkstar.workspace.schemas import ApiKeyCreate, StoreCreate, WarehouseCreate
from tests.conftest import OWNER_PASSWORD, REQUIRE_SERVICES, Tenant
from tests.tracking.store import seed as seed_tracking

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def password_hash() -> str:
    return hash_password(OWNER_PASSWORD)


@pytest.fixture
def make_tenant(make_tenant, monkeypatch):  # type: ignore[no-untyped-def]
    """The shared factory, with the owner's argon2 hash computed once per process."""
    real = access.hash_password

    def hash_once(password: str) -> str:
        return password_hash() if password == OWNER_PASSWORD else real(password)

    monkeypatch.setattr(access, "hash_password", hash_once)
    return make_tenant


def console_routes(app: FastAPI) -> list[RouteContext]:
    """Every route the console (linkstar.web) serves, with its effective path.

    FastAPI keeps included routers lazily in app.routes; iter_route_contexts flattens them.
    """
    found = []
    for route in iter_route_contexts(app.routes):
        endpoint = route.endpoint
        if (
            isinstance(route.original_route, APIRoute)
            and endpoint is not None
            and endpoint.__module__.startswith("linkstar.web.")
        ):
            found.append(route)
    return found


@dataclass
class Browser:
    """A TestClient with its own cookie jar, signed in as one user (or nobody)."""

    client: TestClient
    csrf: str = ""
    user_id: str = ""

    def get(self, path: str, **kwargs: Any) -> Response:
        kwargs.setdefault("follow_redirects", False)
        return self.client.get(path, **kwargs)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> Response:
        """A form POST carrying the session's CSRF token unless csrf=False."""
        body = dict(data or {})
        if csrf:
            body.setdefault("csrf_token", self.csrf)
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(path, data=body, **kwargs)

    def follow(self, response: Response) -> Response:
        """GET the page a POST/redirect points at (keeps flash cookies flowing)."""
        assert response.status_code == 303, (response.status_code, response.text[:500])
        return self.get(response.headers["location"])


@pytest.fixture
def browser_factory(
    app: FastAPI, sessions: sessionmaker[Session]
) -> Iterator[Callable[..., Browser]]:
    """Make clients signed in as a given user (a new session row with a known token)."""
    clients: list[TestClient] = []

    def make(user: User | None = None, *, base_url: str = "http://testserver") -> Browser:
        client = TestClient(app, base_url=base_url)
        clients.append(client)
        if user is None:
            return Browser(client)
        token, csrf = new_token(), new_token(24)
        with unit_of_work(sessions) as s:
            s.add(
                UserSession(
                    organisation_id=user.organisation_id,
                    token_hash=sha256_hex(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=utcnow(),
                    expires_at=utcnow() + timedelta(hours=1),
                )
            )
        client.cookies.set(SESSION_COOKIE, token)
        return Browser(client, csrf, user.id)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def make_user(sessions: sessionmaker[Session]) -> Callable[..., User]:
    """Insert a user of a role into a tenant's organisation (no hashing per user)."""

    def make(tenant: Tenant, role: Role, email: str | None = None) -> User:
        with unit_of_work(sessions) as s:
            user = User(
                organisation_id=tenant.org.id,
                email=email or f"{role.value}-{new_token(4).lower()}@{tenant.org.slug}.example",
                full_name=f"{role.value.title()} Person",
                role=role.value,
                password_hash=password_hash(),
            )
            s.add(user)
        return user

    return make


@pytest.fixture
def owner(tenant: Tenant, browser_factory: Callable[..., Browser]) -> Browser:
    """The tenant's owner, signed in."""
    return browser_factory(tenant.owner)


@dataclass
class Seeded:
    """One of each workspace row for a tenant, by id."""

    store_id: str
    warehouse_id: str
    user_id: str
    key_id: str
    job_id: str
    order_id: str = ""
    dead_letter_id: str = ""
    rule_id: str = ""
    mapping_id: str = ""
    review_id: str = ""
    shipment_id: str = ""
    public_token: str = ""
    decision_id: str = ""
    policy_id: str = ""
    suspension_id: str = ""
    endpoint_id: str = ""
    tracking_dead_letter_id: str = ""
    inbox_dead_letter_id: str = ""
    thread_id: str = ""
    template_id: str = ""
    inbox_rule_id: str = ""
    ab_test_id: str = ""
    mail_account_id: str = ""
    suppression_id: str = ""
    capacity_id: str = ""
    publication_run_id: str = ""
    simulation_id: str = ""
    reply_id: str = ""
    transfer_id: str = ""
    carrier_account_id: str = ""


def seed(sessions: sessionmaker[Session], tenant: Tenant, box: Any, marker: str) -> Seeded:
    """A store, a warehouse, a second user, an API key and a dead job, named after `marker`."""
    actor = system_principal(tenant.org.id, "seed")
    with unit_of_work(sessions) as s:
        store = service.create_store(
            s,
            actor,
            StoreCreate(
                name=f"{marker} Store",
                channel=Channel.shopify,
                region="US",
                currency="USD",
                credentials={"access_token": f"{marker}-secret-token-1234"},
            ),
            box,
        )
        warehouse = service.create_warehouse(
            s,
            actor,
            WarehouseCreate(
                code=f"{marker[:6].upper()}-1",
                name=f"{marker} Warehouse",
                kind=WarehouseKind.third_party,
                line1="1 Dock Road",
                city="Reno",
                postcode="89501",
                country="US",
                timezone="America/Los_Angeles",
            ),
        )
        user = User(
            organisation_id=tenant.org.id,
            email=f"{marker.lower()}-agent@{tenant.org.slug}.example",
            full_name=f"{marker} Agent",
            role=Role.agent.value,
            password_hash=password_hash(),
        )
        s.add(user)
        s.flush()
        key, _ = access.create_api_key(
            s, actor, ApiKeyCreate(name=f"{marker} Key", scopes=[Permission.orders_read])
        )
        job = OutboxJob(
            organisation_id=tenant.org.id,
            name=f"{marker.lower()}.sync",
            payload={},
            status=JobStatus.dead.value,
            attempts=5,
            last_error=f"{marker} upstream said 502",
            finished_at=utcnow(),
        )
        s.add(job)
        s.flush()
        review = _hold_address(s, tenant.org.id, marker)
        ids = (store.id, warehouse.id, user.id, key.id, job.id)
        review_id = review.id
        decision_id, policy_id, suspension_id = _seed_routing(s, actor, marker)
        endpoint_id = _seed_webhook(s, actor, box, marker)
        tracking_dead_letter_id = _seed_tracking_dead_letter(s, tenant.org.id, marker)
        inbox_dead_letter_id = _seed_inbox_dead_letter(s, tenant.org.id, marker)
        inbox_rule_id, ab_test_id = _seed_inbox_automation(s, tenant.org.id, marker)
        mail_account_id, suppression_id = _seed_inbox_mail(s, tenant.org.id, box, marker)
        capacity_id = _seed_optimisation(s, tenant.org.id, marker)
        from linkstar.orders.stock import service as stock

        run = stock.publish_store(s, tenant.org.id, store.id, None, trigger="demo", dry_run=True)
        capacity_id, simulation_id = _seed_optimisation(s, tenant.org.id, marker)
        transfer_id = _seed_transfer(s, actor, warehouse.code, marker)
        carrier_account_id = _seed_carrier_account(s, tenant.org.id, box, marker)
    from tests.orders.seed import seed_orders

    tracking = seed_tracking(sessions, tenant, marker, box)
    from tests.inbox.seed import seed_held_reply, seed_inbox

    inbox = seed_inbox(sessions, tenant.org.id, marker)
    return Seeded(
        thread_id=inbox["thread_id"],
        reply_id=seed_held_reply(sessions, tenant.org.id, inbox["thread_id"], marker),
        template_id=inbox["template_id"],
        *ids,
        review_id=review_id,
        decision_id=decision_id,
        policy_id=policy_id,
        suspension_id=suspension_id,
        endpoint_id=endpoint_id,
        tracking_dead_letter_id=tracking_dead_letter_id,
        inbox_dead_letter_id=inbox_dead_letter_id,
        inbox_rule_id=inbox_rule_id,
        ab_test_id=ab_test_id,
        mail_account_id=mail_account_id,
        suppression_id=suppression_id,
        capacity_id=capacity_id,
        publication_run_id=run.id,
        simulation_id=simulation_id,
        transfer_id=transfer_id,
        carrier_account_id=carrier_account_id,
        shipment_id=tracking["shipment_id"],
        public_token=tracking["public_token"],
        **seed_orders(sessions, tenant.org.id, ids[0]),
    )


def _seed_webhook(session: Session, actor: Any, box: Any, marker: str) -> str:
    """A 17TRACK webhook endpoint whose secret is named after `marker`, written directly (no
    audit entry, so the overview's counts stay those of the other seeds)."""
    import secrets

    from linkstar.tracking.hooks.models import WebhookEndpoint

    row = WebhookEndpoint(
        organisation_id=actor.organisation_id,
        kind="tracking:17track",
        token=secrets.token_urlsafe(24),
        secret_encrypted=box.seal({"secret": f"{marker}-17track-key"}),
        secret_hint="••••-key",
    )
    session.add(row)
    session.flush()
    return row.id


def _seed_inbox_automation(session: Session, organisation_id: str, marker: str) -> tuple[str, str]:
    """An inbox rule and an A/B test named after `marker`, written directly (no audit entry)."""
    from linkstar.inbox.automation.models import ABTestRow, ABVariantRow, InboxRuleRow
    from linkstar.inbox.core.automation.ab import ABTestSpec
    from linkstar.inbox.core.automation.rules import parse_rule

    rule = parse_rule(
        {
            "name": f"{marker} rule",
            "trigger": {"event": "message_received"},
            "when": {"field": "message.text", "op": "contains", "value": f"{marker} text"},
            "actions": [{"type": "tag", "tags": [f"{marker}-tag"]}],
        }
    )
    row = InboxRuleRow(
        organisation_id=organisation_id,
        position=1,
        name=rule.name,
        trigger_event="message_received",
        definition=rule.model_dump(mode="json", exclude_none=True),
    )
    spec = ABTestSpec.model_validate(
        {
            "name": f"{marker} test",
            "variants": [
                {"key": "a", "template": f"{marker}-tpl-a", "percent": 50},
                {"key": "b", "template": f"{marker}-tpl-b", "percent": 50},
            ],
        }
    )
    test = ABTestRow(
        organisation_id=organisation_id,
        name=spec.name,
        metric=spec.metric,
        spec=spec.model_dump(mode="json"),
    )
    session.add_all([row, test])
    session.flush()
    for i, v in enumerate(spec.variants):
        session.add(
            ABVariantRow(
                organisation_id=organisation_id,
                test_id=test.id,
                key=v.key,
                template=v.template,
                percent=v.percent,
                position=i,
            )
        )
    session.flush()
    return row.id, test.id


def _seed_inbox_mail(
    session: Session, organisation_id: str, box: Any, marker: str
) -> tuple[str, str]:
    """A mail account (port 9 refuses at once) and a suppression named after `marker`, written
    directly (no audit entry, like the webhook seed)."""
    from linkstar.inbox.mail.models import MailAccount, Suppression

    account = MailAccount(
        organisation_id=organisation_id,
        name=f"{marker} Support",
        email_address=f"support@{marker.lower()}.example",
        imap_host="127.0.0.1",
        imap_port=9,
        imap_tls="none",
        smtp_host="127.0.0.1",
        smtp_port=9,
        smtp_tls="none",
        username=f"{marker}-mailbox-user",
        secrets_encrypted=box.seal({"password": f"{marker}-mail-password"}),
        password_hint="••••word",
    )
    row = Suppression(
        organisation_id=organisation_id,
        address=f"{marker.lower()}-gone@example.org",
        channel="all",
        reason="manual",
        note=f"{marker} asked",
    )
    session.add_all([account, row])
    session.flush()
    return account.id, row.id


def _seed_tracking_dead_letter(session: Session, organisation_id: str, marker: str) -> str:
    """A generic tracking push that did not parse, named after `marker`."""
    from linkstar.tracking.ingest import dead_letter

    body = json.dumps({"updates": [{"tracking_number": f"{marker}-1", "events": []}]})
    row = dead_letter(
        session, organisation_id, source="generic", headers={}, body=body, reason="no events"
    )
    return row.id


def _seed_inbox_dead_letter(session: Session, organisation_id: str, marker: str) -> str:
    """A contact form without an e-mail address (an inbox dead letter), named after `marker`."""
    from linkstar.tracking.ingest import dead_letter

    body = json.dumps({"id": f"{marker}-form", "message": f"{marker} where is my parcel?"})
    row = dead_letter(
        session,
        organisation_id,
        source="contact_form",
        headers={},
        body=body,
        reason="$.email: is required",
    )
    return row.id


def _hold_address(session: Session, organisation_id: str, marker: str) -> Any:
    """An address held for review (78701 is Austin, not Dallas), named after `marker`."""
    from linkstar.addresses import reviews
    from linkstar.addresses.core import AddressInput, check

    address = AddressInput(
        id=f"{marker}-order-1",
        name=f"{marker} Buyer",
        line1="1 Main St",
        city="Dallas",
        state="TX",
        postcode="78701",
        country="US",
    )
    return reviews.open_review(
        session, organisation_id, "order", address.id, check(address), address
    )


def _seed_routing(s: Session, actor: Any, marker: str) -> tuple[str, str, str]:
    """A policy, one routing decision and a suspension, written directly (no audit entries,
    so the workspace figures of the other console tests stay as they were)."""
    from linkstar.rating.models import RoutingDecision, RoutingPolicyVersion, RoutingSuspension

    org = actor.organisation_id
    policy = RoutingPolicyVersion(
        organisation_id=org,
        name="seeded policy",
        version=1,
        precedence=10,
        enabled=True,
        body={"name": "seeded policy"},
        created_by="seed",
    )
    candidate = {
        "service_id": "WCP-GND",
        "carrier": "westcoast",
        "currency": "USD",
        "total": 1520,
        "zone": "2",
        "billable_weight_g": 1362,
        "lines": [{"code": "base", "amount": 1520}],
        "cost": 1520.0,
        "transit_p50_days": None,
        "transit_p90_days": None,
        "on_time_probability": 0.5,
        "success_rate": 0.95,
        "score": 1.0,
        "rejected_by": "",
        "reasons": [],
    }
    decision = RoutingDecision(
        organisation_id=org,
        subject_ref=f"{marker}-ORDER-1",
        status="assigned",
        inputs={"order_id": f"{marker}-ORDER-1", "dest_country": "US"},
        candidates=[candidate],
        policy_id=None,
        policy_name="built-in cheapest",
        policy_version=0,
        chosen_service_id="WCP-GND",
        chosen_carrier="westcoast",
        price=1520,
        currency="USD",
        fallback=False,
        reasons=[],
        created_by="seed",
    )
    stop = RoutingSuspension(
        organisation_id=org,
        carrier="eastern",
        service_id=None,
        dest_countries=[],
        origins=[],
        starts=None,
        ends=None,
        reason=f"{marker} depot",
        source="user",
        created_by="seed",
    )
    s.add_all([policy, decision, stop])
    s.flush()
    return decision.id, policy.id, stop.id


def _seed_carrier_account(s: Session, organisation_id: str, box: Any, marker: str) -> str:
    """A DHL tracking API account, written directly (no audit entry: the overview's counts)."""
    from linkstar.tracking.poll_models import CarrierAccount

    row = CarrierAccount(
        organisation_id=organisation_id,
        carrier="dhl",
        name=f"{marker} DHL",
        credentials_encrypted=box.seal({"api_key": f"{marker}-dhl-key-1234"}),
        credentials_hint="api_key=••••1234",
        active=True,
    )
    s.add(row)
    s.flush()
    return row.id


@pytest.fixture
def seeded(sessions: sessionmaker[Session], tenant: Tenant, app: FastAPI) -> Seeded:
    return seed(sessions, tenant, app.state.box, "Alpha")


def snapshot(sessions: sessionmaker[Session], organisation_id: str | None = None) -> dict[str, Any]:
    """Every row of every table (optionally only one organisation's), for before/after checks."""
    rows: dict[str, Any] = {}
    with unit_of_work(sessions) as s:
        for table in load_metadata().sorted_tables:
            stmt = select(table)
            if organisation_id is not None and "organisation_id" in table.c:
                stmt = stmt.where(table.c.organisation_id == organisation_id)
            elif organisation_id is not None and table.name == "organisations":
                stmt = stmt.where(table.c.id == organisation_id)
            elif organisation_id is not None:
                continue
            found = [tuple(map(repr, r)) for r in s.execute(stmt)]
            rows[table.name] = sorted(found)
    return rows


def count(sessions: sessionmaker[Session], model: Any, **filters: Any) -> int:
    with unit_of_work(sessions) as s:
        return len(list(s.scalars(select(model).filter_by(**filters))))


def audit_actions(sessions: sessionmaker[Session], organisation_id: str) -> list[str]:
    from linkstar.workspace.models import AuditEntry

    with unit_of_work(sessions) as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.organisation_id == organisation_id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        return [e.action for e in entries]


# Browser tests ------------------------------------------------------------------------------


def chromium_path() -> str:
    """Debian's Chromium (or LINKSTAR_TEST_CHROMIUM); skip, or fail under REQUIRE_SERVICES."""
    path = os.environ.get("LINKSTAR_TEST_CHROMIUM") or "/usr/bin/chromium"
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        reason = f"no Chromium at {path}: set LINKSTAR_TEST_CHROMIUM or install Debian's chromium"
        if REQUIRE_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free 127.0.0.1 port in a background thread."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-console", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _seed_optimisation(s: Session, org: str, marker: str) -> tuple[str, str]:
    """A capacity, a finished optimisation run and a finished simulation named after `marker`,
    written directly."""
    from datetime import UTC, date, datetime

    from linkstar.rating.core.simulation import Outcome, compare
    from linkstar.rating.optimise_models import OptimisationRun, RoutingCapacity
    from linkstar.rating.simulation_models import RoutingSimulation

    capacity = RoutingCapacity(
        organisation_id=org, kind="carrier", name=f"{marker}-carrier", warehouse=None,
        day=None, weekday=0, max_parcels=40,
    )  # fmt: skip
    run = OptimisationRun(
        organisation_id=org, warehouse=f"{marker[:6]}-1", ship_date=date(2026, 12, 7),
        status="done", stage="done", parcels=3, inputs={}, solver="min_cost_flow",
        currency="USD", total=4500, shipping=4000, penalty=500, assigned=2, deferred=1,
        saving_vs_naive=120, cost_by_carrier={f"{marker}-carrier": {"cost": 4000, "parcels": 2}},
        infeasibility={"unplaced_priority": 1, "priority": 2, "binding": [
            {"kind": "carrier", "name": f"{marker}-carrier", "warehouse": None,
             "day": "2026-12-07", "capacity": 1}]},
        created_by="seed",
    )  # fmt: skip
    carrier = f"{marker}-carrier"
    result = compare(
        [Outcome("O-1", "assigned", carrier, "S1", "US", "5", 1200, "USD", 0.8, 4.0, 3)],
        [Outcome("O-1", "assigned", carrier, "S2", "US", "5", 900, "USD", 0.9, 3.0, 3)],
    ).as_json()
    simulation = RoutingSimulation(
        organisation_id=org, status="done", policy={"name": f"{marker} policy"}, policy_id=None,
        policy_label=f"{marker} policy", cards_on=None, cards_label="", since=None,
        until=datetime(2026, 12, 5, tzinfo=UTC), orders_total=1, orders_done=1, tallies=None,
        result=result, created_by="seed",
    )  # fmt: skip
    s.add_all([capacity, run, simulation])
    s.flush()
    return capacity.id, simulation.id
    return capacity.id


def _seed_transfer(s: Session, actor: Any, code: str, marker: str) -> str:
    """A draft transfer of a SKU with stock from the seeded warehouse to a second one."""
    from linkstar.inventory import service as inventory
    from linkstar.inventory import transfers
    from linkstar.inventory.schemas import (
        ReceiptCreate,
        SkuCreate,
        TransferCreate,
        TransferLineIn,
    )

    second = f"{marker[:6].upper()}-2"
    service.create_warehouse(
        s,
        actor,
        WarehouseCreate(
            code=second, name=f"{marker} Overflow", kind=WarehouseKind.third_party,
            line1="2 Dock Road", city="Sparks", postcode="89431", country="US",
            timezone="America/Los_Angeles",
        ),
    )  # fmt: skip
    sku = f"{marker[:6].upper()}-MUG"
    inventory.create_sku(s, actor, SkuCreate(sku=sku, name=f"{marker} mug", weight_g=350))
    inventory.receive(s, actor, ReceiptCreate(sku=sku, warehouse=code, quantity=6))
    data = TransferCreate(
        reference=f"{marker}-TR-1",
        from_warehouse=code,
        to_warehouse=second,
        lines=[TransferLineIn(sku=sku, quantity=4)],
    )
    return transfers.create(s, actor, data).id
