"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when LINKSTAR_TEST_DB=postgres),
clean tables per test, organisations with an owner, and the app through a TestClient.

Environment (read here only, never by src/):
  LINKSTAR_TEST_DB              sqlite (default) or postgres
  LINKSTAR_TEST_POSTGRES_URL    server for the postgres pass, e.g. postgresql://127.0.0.1/test
  LINKSTAR_TEST_REDIS_URL       enables the Redis job tests
  LINKSTAR_TEST_RABBITMQ_URL    enables the RabbitMQ job tests
  LINKSTAR_TEST_CHROMIUM        path of Chromium for the browser tests
  LINKSTAR_TEST_REQUIRE_SERVICES=1   a missing server or browser fails instead of skipping
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from linkstar.config import Environment, Settings, get_settings
from linkstar.db.engine import make_engine, make_session_factory, normalise_url
from linkstar.db.migrate import upgrade
from linkstar.db.registry import load_metadata
from linkstar.db.uow import unit_of_work
from linkstar.workspace.access import create_organisation
from linkstar.workspace.core import Principal, Role, user_principal
from linkstar.workspace.models import Organisation, User

# Hypothesis judges correctness here, not speed: the speed budgets are the benchmarks' job.
# CI shares two cores with other work, where a 200 ms per-example deadline or the "too slow"
# data-generation check fails tests whose code is right (seen in session 7's CI runs).
settings.register_profile("linkstar", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("linkstar")

REQUIRE_SERVICES = os.environ.get("LINKSTAR_TEST_REQUIRE_SERVICES") == "1"
DB_BACKEND = os.environ.get("LINKSTAR_TEST_DB", "sqlite")
OWNER_PASSWORD = "Correct-Horse-42"


@pytest.fixture(autouse=True)
def _no_cached_settings() -> Iterator[None]:
    """Jobs and commands read the process settings (`get_settings`, cached). A test that sets
    the environment must not meet settings cached by an earlier test of the same worker (an
    earlier test's encryption key made a later one fail "cannot be decrypted" under xdist)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def service_url(name: str) -> str:
    """The URL of a test server, or skip (fail under REQUIRE_SERVICES) when it is not set."""
    url = os.environ.get(f"LINKSTAR_TEST_{name.upper()}_URL", "")
    if not url:
        reason = f"LINKSTAR_TEST_{name.upper()}_URL is not set: no {name} server for this test"
        if REQUIRE_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    return url


def _worker_suffix() -> str:
    # Unique per process: parallel runs (xdist workers, several checkouts) never share a database.
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly created, migrated database for this test process."""
    if DB_BACKEND == "postgres":
        server = normalise_url(service_url("postgres"))
        name = f"linkstar_test_{_worker_suffix()}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.rsplit("/", 1)[0] + f"/{name}"
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "linkstar.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        env=Environment.test,
        data_dir=tmp_path / "var",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        encryption_key=Fernet.generate_key().decode(),
        embedded_workers=1,
        job_poll_seconds=0.05,
        login_max_failures=3,
    )


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in reversed(load_metadata().sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory over clean tables (emptied again after the test)."""
    _truncate(engine)
    yield make_session_factory(engine)
    _truncate(engine)


@dataclass
class Tenant:
    org: Organisation
    owner: User
    principal: Principal
    password: str = OWNER_PASSWORD


@pytest.fixture
def make_tenant(sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """Create an organisation with an owner; returns a Tenant."""

    def make(name: str = "Acme Trading", email: str | None = None) -> Tenant:
        owner_email = email or f"owner@{name.lower().replace(' ', '-')}.example"
        with unit_of_work(sessions) as session:
            org, owner = create_organisation(session, name, owner_email, OWNER_PASSWORD)
        principal = user_principal(org.id, owner.id, owner.email, Role.owner)
        return Tenant(org, owner, principal)

    return make


@pytest.fixture
def tenant(make_tenant) -> Tenant:  # type: ignore[no-untyped-def]
    return make_tenant()


@pytest.fixture
def app(settings: Settings, engine: Engine, sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    from linkstar.server import build_app

    return build_app(settings, engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver") as c:
        yield c
