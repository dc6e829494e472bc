"""Helpers for the HTTP API tests: callers (API keys, console sessions), seeded resources,
and database snapshots to prove that a request changed nothing.

Users are inserted with one precomputed argon2 hash and sessions with a known token, so the
suite pays for password hashing only where a test goes through the real sign-up path.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.api.app import create_app
from linkstar.api.deps import CSRF_HEADER, SESSION_COOKIE
from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.db.registry import load_metadata
from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.kit.ids import new_token, sha256_hex
from linkstar.workspace import access, service
from linkstar.workspace.auth import hash_password
from linkstar.workspace.core import Permission, Role, WarehouseKind, system_principal
from linkstar.workspace.models import User, UserSession
from linkstar.workspace.schemas import ApiKeyCreate, StoreCreate, WarehouseCreate
from tests.conftest import OWNER_PASSWORD, Tenant

API = "/api/v1"
EXAMPLE_CARD = Path(__file__).resolve().parents[2] / "examples" / "rate-cards"
ALL_SCOPES = sorted(p.value for p in Permission)
SECRET_COLUMNS = ("password_hash", "key_hash", "credentials_encrypted", "token_hash")


@pytest.fixture
def app(settings, engine, sessions):  # type: ignore[no-untyped-def]
    """The API alone: these tests exercise /api/v1 whatever state the console is in."""
    return create_app(settings, engine)


@cache
def password_hash() -> str:
    return hash_password(OWNER_PASSWORD)


@dataclass
class Caller:
    """Credentials of one principal; `call` sends a request as it (cookies are per caller)."""

    client: TestClient
    label: str
    headers: dict[str, str] = field(default_factory=dict)
    cookie: str | None = None
    csrf: str = ""

    def call(self, method: str, path: str, **kwargs: Any) -> Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        self.client.cookies.clear()
        if self.cookie:
            self.client.cookies.set(SESSION_COOKIE, self.cookie)
            if method.upper() not in {"GET", "HEAD", "OPTIONS"} and self.csrf:
                headers.setdefault(CSRF_HEADER, self.csrf)
        try:
            return self.client.request(method, API + path, headers=headers, **kwargs)
        finally:
            self.client.cookies.clear()

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.call("DELETE", path, **kwargs)


class Api:
    """Factory of callers and seeded rows for the tests of one database."""

    def __init__(self, client: TestClient, sessions: sessionmaker[Session]) -> None:
        self.client = client
        self.sessions = sessions

    # callers ------------------------------------------------------------------------------

    def key_secret(
        self, tenant: Tenant, scopes: list[str] | None = None, name: str = "test key", **kw: Any
    ) -> tuple[str, str]:
        """Issue an API key through the service; returns (key id, secret)."""
        data = ApiKeyCreate(name=name, scopes=scopes or ALL_SCOPES, **kw)  # type: ignore[arg-type]
        with unit_of_work(self.sessions) as s:
            key, secret = access.create_api_key(s, system_principal(tenant.org.id), data)
        return key.id, secret

    def with_key(self, tenant: Tenant, scopes: list[str] | None = None) -> Caller:
        _, secret = self.key_secret(tenant, scopes)
        return Caller(self.client, f"key {scopes}", {"Authorization": f"Bearer {secret}"})

    def add_user(
        self, tenant: Tenant, role: Role, email: str | None = None, active: bool = True
    ) -> User:
        """A user inserted directly (with a shared precomputed password hash)."""
        email = email or f"{role.value}-{new_token(4).lower()}@{tenant.org.slug}.example"
        with unit_of_work(self.sessions) as s:
            user = User(
                organisation_id=tenant.org.id,
                email=email.lower(),
                full_name=f"The {role.value}",
                role=role.value,
                password_hash=password_hash(),
                is_active=active,
            )
            s.add(user)
        return user

    def as_user(self, user: User) -> Caller:
        """A console session for `user`, as if they had signed in."""
        token, csrf = new_token(), new_token(24)
        with unit_of_work(self.sessions) as s:
            s.add(
                UserSession(
                    organisation_id=user.organisation_id,
                    token_hash=sha256_hex(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    expires_at=utcnow() + timedelta(hours=1),
                )
            )
        return Caller(self.client, f"{user.role} session", cookie=token, csrf=csrf)

    def owner(self, tenant: Tenant) -> Caller:
        return self.as_user(tenant.owner)

    # seeded rows ------------------------------------------------------------------------

    def store(self, tenant: Tenant, name: str = "Main Amazon US", **kw: Any) -> str:
        data = StoreCreate(
            name=name,
            channel="amazon",  # type: ignore[arg-type]
            region="US",
            currency="USD",
            credentials={"refresh_token": "Atzr|super-secret-refresh-token"},
            **kw,
        )
        with unit_of_work(self.sessions) as s:
            box = self.client.app.state.box  # type: ignore[attr-defined]
            return service.create_store(s, system_principal(tenant.org.id), data, box).id

    def warehouse(self, tenant: Tenant, code: str = "NJ1", **kw: Any) -> str:
        data = WarehouseCreate(
            code=code,
            name=f"Warehouse {code}",
            kind=WarehouseKind.third_party,
            line1="1 Dock Road",
            city="Newark",
            state="NJ",
            postcode="07102",
            country="US",
            timezone="America/New_York",
            **kw,
        )
        with unit_of_work(self.sessions) as s:
            return service.create_warehouse(s, system_principal(tenant.org.id), data).id

    def job(
        self, tenant: Tenant, status: JobStatus = JobStatus.dead, name: str = "demo.noop"
    ) -> str:
        with unit_of_work(self.sessions) as s:
            job = OutboxJob(
                organisation_id=tenant.org.id,
                name=name,
                payload={"n": 1},
                status=status.value,
                attempts=5 if status is JobStatus.dead else 0,
                last_error="boom" if status is JobStatus.dead else None,
                finished_at=utcnow() if status is JobStatus.dead else None,
            )
            s.add(job)
            s.flush()
            return job.id

    def rate_card(self, tenant: Tenant) -> str:
        """Import the example rate card (examples/rate-cards/) through the service."""
        from linkstar.rating import service as rating
        from linkstar.rating.sheets import read_folder

        with unit_of_work(self.sessions) as s:
            book = read_folder(EXAMPLE_CARD)
            return rating.import_workbook(s, system_principal(tenant.org.id), book).id

    def address_review(self, tenant: Tenant) -> str:
        """Hold one address (a ZIP of another city) for review, as the order hub would."""
        from linkstar.addresses import reviews
        from linkstar.addresses.core import AddressInput, check

        address = AddressInput(
            id="order-1001",
            line1="1 Main St",
            city="Dallas",
            state="TX",
            postcode="78701",
            country="US",
        )
        with unit_of_work(self.sessions) as s:
            review = reviews.open_review(
                s, tenant.org.id, "api", address.id, check(address), address
            )
            return review.id

    @staticmethod
    def example_card_zip() -> bytes:
        """The example rate card as a zip of its CSV files."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in sorted(EXAMPLE_CARD.glob("*.csv")):
                archive.writestr(path.name, path.read_bytes())
        return buffer.getvalue()

    # database state ---------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per table (every table)."""
        meta = load_metadata()
        with self.sessions() as s:
            return {t.name: len(s.execute(select(t)).all()) for t in meta.sorted_tables}

    def snapshot(self, organisation_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row owned by one organisation (and the organisation row), in a stable order."""
        meta = load_metadata()
        out: dict[str, list[dict[str, Any]]] = {}
        with self.sessions() as s:
            for table in meta.sorted_tables:
                if table.name == "organisations":
                    stmt = select(table).where(table.c.id == organisation_id)
                elif "organisation_id" in table.c:
                    stmt = select(table).where(table.c.organisation_id == organisation_id)
                else:
                    continue
                rows = [dict(r._mapping) for r in s.execute(stmt.order_by(table.c.id))]
                out[table.name] = rows
        return out

    def audit(self, organisation_id: str) -> list[dict[str, Any]]:
        """The organisation's audit entries, oldest first."""
        rows = self.snapshot(organisation_id)["audit_log"]
        return sorted(rows, key=lambda r: (r["at"], r["id"]))

    def secrets(self) -> list[str]:
        """Every stored secret value (hashes, ciphertexts), to search responses and audit rows."""
        meta = load_metadata()
        found: list[str] = []
        with self.sessions() as s:
            for table in meta.sorted_tables:
                for column in SECRET_COLUMNS:
                    if column in table.c:
                        found += [v for v in s.scalars(select(table.c[column])) if v]
        return found


@pytest.fixture
def api(client: TestClient, sessions: sessionmaker[Session]) -> Iterator[Api]:
    yield Api(client, sessions)


def envelope(response: Response) -> dict[str, Any]:
    """The error object of an enveloped error response (fails if the shape is wrong)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    error = envelope(response)
    assert error["code"] == code, error
    return error


def contains_any(payload: Any, needles: list[str]) -> list[str]:
    """Which of `needles` occur anywhere in a JSON-able payload."""
    text = json.dumps(payload, default=str)
    return [n for n in needles if n and n in text]


TenantFactory = Callable[..., Tenant]
