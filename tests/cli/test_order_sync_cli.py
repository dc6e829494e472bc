"""`linkstar orders sync` through the real command line, against the fake shop."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from linkstar.cli import context
from linkstar.cli.main import app
from linkstar.config import get_settings
from linkstar.db.uow import unit_of_work
from linkstar.orders.models import Order
from tests.orders.sync import conftest as sync_fixtures

runner = CliRunner()

# Fixtures shared with tests/orders/sync (pytest finds them as module attributes).
box = sync_fixtures.box
clock = sync_fixtures.clock
shop = sync_fixtures.shop
shopify_store = sync_fixtures.shopify_store
sync_env = sync_fixtures.sync_env


@pytest.fixture
def org(monkeypatch, settings, sessions, tenant) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    widths = [(c, c._width) for c in (context.console, context.err_console)]
    for c, _ in widths:
        c._width = 250
    get_settings.cache_clear()
    yield tenant.org.slug
    get_settings.cache_clear()
    for c, width in widths:
        c._width = width


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_sync_a_store_then_list_states(org, sessions, shopify_store, shop, clock, sync_env):  # type: ignore[no-untyped-def]
    shop.throttle_page = 2
    first = run("orders", "sync", "--org", org, "--store", "Acme Shopify")
    assert first.exit_code == 0, first.output
    assert "Acme Shopify: throttled, 6 fetched in 2 page(s), 6 created, 0 updated" in first.output
    assert "stopped: throttled: the next request is allowed in 30 s" in first.output
    again = run("orders", "sync", "--org", org, "--store", "Acme Shopify")
    # The 429's Retry-After holds the store's bucket, and the bucket outlives the run: no request
    # at all until the 30 s the shop asked for have passed.
    assert "throttled, 0 fetched in 0 page(s)" in again.output
    assert "stopped: throttled: the next request is allowed in 30 s" in again.output
    shop.throttle_page = None
    clock.t += 30
    second = run("orders", "sync", "--org", org, "--store", "Acme Shopify")
    assert "Acme Shopify: ok, 7 fetched in 3 page(s), 1 created, 0 updated" in second.output
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 7
    listed = run("orders", "sync", "--org", org)
    assert listed.exit_code == 0 and "Acme Shopify" in listed.output and " ok " in listed.output
    every = run("orders", "sync", "--org", org, "--store", "Acme Shopify", "--every", "5")
    assert "Acme Shopify: polled every 5 minute(s)" in every.output


def test_sync_an_unknown_store_fails_with_a_reason(org) -> None:  # type: ignore[no-untyped-def]
    result = run("orders", "sync", "--org", org, "--store", "Nope")
    assert result.exit_code == 1
    assert "no store named 'Nope'" in result.output
