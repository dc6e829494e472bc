"""`linkstar orders …` through the real command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from linkstar.cli import context
from linkstar.cli.main import app
from linkstar.config import get_settings
from linkstar.db.uow import unit_of_work
from linkstar.orders.models import Order, OrderRuleRow, SkuMappingRow
from linkstar.workspace.models import Store
from tests.orders.seed import seed_orders

runner = CliRunner()


@pytest.fixture
def org(monkeypatch, settings, sessions, tenant) -> str:
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    widths = [(c, c._width) for c in (context.console, context.err_console)]
    for c, _ in widths:
        c._width = 250
    get_settings.cache_clear()
    with unit_of_work(sessions) as s:
        store = Store(
            organisation_id=tenant.org.id,
            name="Amazon US",
            channel="amazon",
            region="US",
            currency="USD",
        )
        s.add(store)
        s.flush()
        store_id = store.id
    seed_orders(sessions, tenant.org.id, store_id)
    yield tenant.org.slug
    get_settings.cache_clear()
    for c, width in widths:
        c._width = width


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_list_show_hold_release_cancel(org, sessions):
    listed = run("orders", "list", "--org", org)
    assert listed.exit_code == 0, listed.output
    assert "1 of 1 order(s)" in listed.output and "checked" in listed.output
    with unit_of_work(sessions) as s:
        number = s.scalars(select(Order.external_number)).one()
    held = run("orders", "hold", number, "--org", org, "--reason", "fraud_check")
    assert held.exit_code == 0 and "holds fraud_check" in held.output
    assert "1 of 1" in run("orders", "list", "--org", org, "--held").output
    shown = run("orders", "show", number, "--org", org, "--raw")
    assert "HOLD fraud_check" in shown.output and "rule_applied" in shown.output
    assert "payload webhook" in shown.output and "HP-85123A [AMZ-MUG-RED]" in shown.output
    released = run("orders", "release", number, "--org", org)
    assert "holds left: none" in released.output
    cancelled = run("orders", "cancel", number, "--org", org)
    assert cancelled.output.strip().endswith(": cancelled")
    again = run("orders", "cancel", number, "--org", org)
    assert again.exit_code == 1 and "no further transitions" in again.output


def test_unknown_order_is_one_line(org):
    result = run("orders", "show", "nope", "--org", org)
    assert result.exit_code == 1 and "no order 'nope'" in result.output


def test_dead_letters_and_retry_that_fails_again(org, sessions):
    listed = run("orders", "dead-letters", "--org", org)
    assert "open" in listed.output and "lines: is required" in listed.output
    dead_id = listed.output.split()[0]
    retried = run("orders", "retry", dead_id, "--org", org)
    assert retried.exit_code == 1 and "still failing" in retried.output
    assert "attempts 2" in run("orders", "dead-letters", "--org", org).output


def test_rules_add_list_dry_run_delete(org, sessions, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            [
                {
                    "name": "US orders",
                    "when": {"field": "ship_to.country", "op": "eq", "value": "US"},
                    "then": [{"type": "tag", "tag": "domestic"}],
                }
            ]
        )
    )
    added = run("orders", "rules", "add", str(rules), "--org", org)
    assert added.exit_code == 0 and "added 2. US orders" in added.output
    listed = run("orders", "rules", "list", "--org", org)
    assert "1. Tag big orders" in listed.output and "2. US orders" in listed.output
    one = tmp_path / "one.json"
    one.write_text(json.dumps(json.loads(rules.read_text())[0]))
    dry = run("orders", "rules", "dry-run", str(one), "--org", org)
    assert "would fire on 1 of 1 order(s) of the last 30 days" in dry.output
    assert '{"type": "tag", "tag": "domestic"}' in dry.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "then": [{"type": "tag"}]}]))
    refused = run("orders", "rules", "add", str(bad), "--org", org)
    assert refused.exit_code == 1 and "then[0].tag" in refused.output
    with unit_of_work(sessions) as s:
        ids = list(s.scalars(select(OrderRuleRow.id).order_by(OrderRuleRow.position)))
    assert len(ids) == 2
    assert run("orders", "rules", "delete", ids[1], "--org", org).exit_code == 0


def test_skus_import_keeps_good_rows(org, sessions, tmp_path):
    csv = tmp_path / "skus.csv"
    csv.write_text(
        "store,channel,channel_sku,master_sku,components\n"
        ",amazon,AMZ-1,HP-1,\n"
        "Amazon US,,KIT-2,,HP-1*2|HP-2\n"
        "Nowhere,,X,HP-1,\n"
        ",amazon,AMZ-3,HP-1,HP-2\n"
    )
    result = run("orders", "skus", "import", str(csv), "--org", org)
    assert result.exit_code == 1
    assert "2 created, 0 updated, 2 rejected" in result.output
    assert "skus.csv:4: store: no store named 'Nowhere'" in result.output
    assert "skus.csv:5: master_sku:" in result.output
    with unit_of_work(sessions) as s:
        assert len(list(s.scalars(select(SkuMappingRow)))) == 3  # 2 + the seeded one
    assert "2 x HP-1 + 1 x HP-2" in run("orders", "skus", "list", "--org", org).output


def test_import_amazon_report_twice_and_bad_rows(org, sessions, tmp_path):
    from pathlib import Path

    report = Path(__file__).parents[2] / "examples" / "channels" / "amazon-order-report.txt"
    first = run("orders", "import", str(report), "--org", org, "--store", "Amazon US")
    assert first.exit_code == 0, first.output
    with unit_of_work(sessions) as s:
        count = len(s.scalars(select(Order.id)).all())
    assert f"{count - 1} created" in first.output  # the seeded order was there before
    again = run("orders", "import", str(report), "--org", org, "--store", "Amazon US")
    assert again.exit_code == 0 and " 0 created" in again.output, again.output
    with unit_of_work(sessions) as s:
        assert len(s.scalars(select(Order.id)).all()) == count

    broken = tmp_path / "broken.txt"
    lines = report.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    cells = lines[1].split("\t")
    cells[header.index("quantity-purchased")] = "many"
    broken.write_text("\n".join([lines[0], "\t".join(cells)]) + "\n", encoding="utf-8")
    bad = run("orders", "import", str(broken), "--org", org, "--store", "Amazon US")
    assert bad.exit_code == 1
    assert "row 2, column quantity-purchased" in bad.output
    with unit_of_work(sessions) as s:
        assert len(s.scalars(select(Order.id)).all()) == count

    unknown = run("orders", "import", str(report), "--org", org, "--store", "Nope")
    assert unknown.exit_code != 0 and "no store named 'Nope'" in unknown.output
