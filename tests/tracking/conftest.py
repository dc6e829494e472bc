"""Fixtures of the tracking tests' own."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from linkstar.db.engine import normalise_url
from tests.conftest import DB_BACKEND, service_url
from tests.tracking.test_carrier_polling import box, workspace  # noqa: F401 - for other modules


@pytest.fixture
def empty_url(tmp_path) -> Iterator[str]:
    """An empty database of this test alone, for a migration test (foreign keys unchecked: a
    test inserts only the rows it needs, with SQLite's default, or its triggers disabled)."""
    if DB_BACKEND != "postgres":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    server = normalise_url(service_url("postgres"))
    name = f"linkstar_test_migration_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
