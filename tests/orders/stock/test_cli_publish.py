"""`linkstar inventory publish [--store S] [--dry-run]` through the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.db.uow import unit_of_work
from linkstar.orders.stock.models import (
    PublishedStock,
    StockPublishLine,
    StockPublishRun,
)
from tests.inventory.test_cli_inventory import cli_env  # noqa: F401  (fixture)
from tests.orders.stock.conftest import NOW, add_feed_in_flight, add_store

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("cli_env")


def run(tenant, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["inventory", "publish", "--org", tenant.org.slug, *args])


def _statuses(sessions):  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.scalars(select(StockPublishLine).order_by(StockPublishLine.channel_sku))
        return [(r.channel_sku, r.quantity, r.status) for r in rows]


def test_dry_run_of_every_store_sends_nothing(
    sessions,
    tenant,
    stocked,
    ebay_store,
    ebay,
    env,
    box,
):
    add_store(sessions, tenant.org.id, box, None, "Demo eBay")
    result = run(tenant, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "eBay US" in result.output and "Demo eBay" in result.output
    assert result.output.count("dry_run") == 2
    assert ebay.calls == []
    assert _statuses(sessions) == [
        ("HP-22423", 30, "dry_run"),
        ("HP-22423", 30, "dry_run"),
        ("HP-79321", 0, "dry_run"),
        ("HP-79321", 0, "dry_run"),
        ("HP-85123A", 7, "dry_run"),
        ("HP-85123A", 7, "dry_run"),
    ]


def test_one_store_is_published_and_failures_are_printed(
    sessions,
    tenant,
    stocked,
    ebay_store,
    ebay,
    env,
):
    ebay.status = 401
    result = run(tenant, "--store", "eBay US")
    assert result.exit_code == 0, result.output
    assert "failed eBay US HP-22423: eBay bulkUpdatePriceQuantity: HTTP 401" in result.output
    ebay.status = 200
    result = run(tenant, "--store", "eBay US")
    assert result.exit_code == 0, result.output
    with sessions() as s:
        published = sorted((r.channel_sku, r.quantity) for r in s.scalars(select(PublishedStock)))
    assert published == [("HP-22423", 30), ("HP-79321", 0), ("HP-85123A", 7)]
    assert run(tenant, "--store", "Nowhere").exit_code != 0


def test_a_store_with_a_feed_in_flight_is_deferred_and_says_why(
    sessions, tenant, stocked, ebay_store, ebay, env
):
    with unit_of_work(sessions) as s:
        first = StockPublishRun(
            organisation_id=tenant.org.id, store_id=ebay_store, trigger="schedule", status="pending"
        )
        s.add(first)
        s.flush()
        add_feed_in_flight(s, first, "walmart", "F-1", ["HP-22423"], NOW)
    result = run(tenant, "--store", "eBay US")
    assert result.exit_code == 0, result.output
    assert "deferred eBay US: previous feed still processing: walmart feed F-1" in result.output
    assert ebay.calls == [] and _statuses(sessions) == []
