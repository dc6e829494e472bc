"""`linkstar inventory list | adjust | receive | import | reconcile` through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from linkstar.cli import context
from linkstar.cli.main import app
from linkstar.config import get_settings
from linkstar.db.uow import unit_of_work
from linkstar.inventory import importer, service
from linkstar.inventory.models import StockLevel
from tests.inventory.seed import add_skus, add_warehouses, counts, receive

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "stock-counts" / "stock-counts.csv"


@pytest.fixture
def cli_env(monkeypatch, settings, sessions):
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    widths = [(c, c._width) for c in (context.console, context.err_console)]
    for c, _ in widths:
        c._width = 250
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    for c, width in widths:
        c._width = width


@pytest.fixture
def org(cli_env, sessions, tenant):
    add_warehouses(sessions, tenant.principal)
    return tenant


def run(*args: str):
    return runner.invoke(app, ["inventory", *args])


def test_import_the_example_then_list(org, sessions):
    r = run("import", str(EXAMPLE), "--org", org.org.slug)
    assert r.exit_code == 0, r.output
    assert "7 adjusted, 1 unchanged, 5 SKU(s) created, 0 row(s) rejected" in r.output
    with sessions() as s:
        table = {(x.sku, x.warehouse_code): x for x in service.stock_table(s, org.principal)}
    assert (
        table[("HP-22423", "US-CA-ONT")].on_hand,
        table[("HP-22423", "US-CA-ONT")].safety_stock,
    ) == (184, 10)
    assert table[("HP-22423", "US-CA-ONT")].available == 174
    assert table[("HP-22629", "US-NJ-EDI")].on_hand == 0
    r = run("list", "--org", org.org.slug, "--warehouse", "uk-nn-dav")
    assert r.exit_code == 0, r.output
    assert "HP-22554" in r.output and "620" in r.output and "US-CA-ONT" not in r.output
    again = run("import", str(EXAMPLE), "--org", org.org.slug)  # idempotent: same counts
    assert "0 adjusted, 8 unchanged, 0 SKU(s) created" in again.output


def test_import_reports_every_bad_row_and_keeps_the_good(org, sessions, tmp_path):
    add_skus(sessions, org.principal, "HP-22423")
    path = tmp_path / "count.csv"
    path.write_text(
        "sku,warehouse,on_hand\n"
        "HP-22423,US-NJ-EDI,12\n"
        "HP-22423,US-NJ-EDI,13\n"
        "HP-22423,XX-NOPE,1\n"
        "HP-UNKNOWN,US-NJ-EDI,4\n"
        "HP-22423,US-CA-ONT,twelve\n"
        "HP-22423,UK-NN-DAV,-1\n"
        ",US-CA-ONT,1\n"
    )
    r = run("import", str(path), "--org", org.org.slug)
    assert r.exit_code == 1
    for line in [
        "count.csv: row 3, column sku: HP-22423 at US-NJ-EDI already counted on row 2",
        "count.csv: row 4, column warehouse: no warehouse with code XX-NOPE",
        "count.csv: row 5, column sku: unknown SKU HP-UNKNOWN (give a name to create it)",
        "count.csv: row 6, column on_hand: 'twelve' is not a whole number",
        "count.csv: row 7, column on_hand: must be 0 to 10,000,000",
        "count.csv: row 8, column sku: required, at most 64 characters",
        "1 adjusted, 0 unchanged, 0 SKU(s) created, 6 row(s) rejected",
    ]:
        assert line in r.output, (line, r.output)
    with sessions() as s:
        [row] = service.stock_table(s, org.principal)
    assert (row.warehouse_code, row.on_hand) == ("US-NJ-EDI", 12)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("sku,warehouse\n", "column on_hand: missing column"),
        ("sku,warehouse,on_hand,colour\n", "column colour: unknown column"),
    ],
)
def test_a_bad_header_refuses_the_file(org, sessions, tmp_path, header, message):
    path = tmp_path / "count.csv"
    path.write_text(header + "HP-22423,US-NJ-EDI,1\n")
    before = counts(sessions)
    r = run("import", str(path), "--org", org.org.slug)
    assert r.exit_code == 1 and message in r.output
    assert counts(sessions) == before


def test_a_count_below_reservations_is_refused(org, sessions):
    from linkstar.inventory import allocation
    from linkstar.inventory.core import AllocationPolicy, AllocationRequest, RequestLine

    add_skus(sessions, org.principal, "HP-22423")
    receive(sessions, org.principal, "HP-22423", "US-NJ-EDI", 10)
    with unit_of_work(sessions) as s:
        allocation.allocate(
            s,
            org.org.id,
            [AllocationRequest("o", "US", "10001", (RequestLine("HP-22423", 6, "1"),))],
            AllocationPolicy(),
        )
    with unit_of_work(sessions) as s:
        result = importer.import_counts(
            s, org.principal, "sku,warehouse,on_hand\nHP-22423,US-NJ-EDI,5\n"
        )
    assert [str(e) for e in result.errors] == [
        "row 2, column on_hand: 5 is below the 6 units reserved"
    ]


def test_adjust_receive_and_reconcile(org, sessions):
    add_skus(sessions, org.principal, "HP-22423")
    slug = org.org.slug
    r = run("receive", "HP-22423", "US-NJ-EDI", "30", "--reference", "DN-5512", "--org", slug)
    assert r.exit_code == 0 and "on hand 30, available 30" in r.output, r.output
    r = run("adjust", "HP-22423", "US-NJ-EDI", "--by", "-2", "--reason", "crushed", "--org", slug)
    assert r.exit_code == 0 and "on hand 28" in r.output, r.output
    r = run("adjust", "HP-22423", "US-NJ-EDI", "--by", "-29", "--reason", "x", "--org", slug)
    assert r.exit_code == 1 and "negative" in r.output
    r = run("reconcile", "--org", slug)
    assert r.exit_code == 0 and "1 stock level(s) checked, 0 drift(s)" in r.output
    with unit_of_work(sessions) as s:
        s.execute(update(StockLevel).values(on_hand=99))
    r = run("reconcile", "--org", slug)
    assert r.exit_code == 1
    assert "drift HP-22423 at US-NJ-EDI: stored on hand 99 / allocated 0, ledger 28 / 0" in r.output
    assert run("reconcile", "--org", slug, "--repair").exit_code == 0
    with sessions() as s:
        assert s.scalar(select(StockLevel.on_hand)) == 28


def test_unknown_org_and_missing_file(org, tmp_path):
    r = run("list", "--org", "nope")
    assert r.exit_code == 1 and "no organisation with slug 'nope'" in r.output
    r = run("import", str(tmp_path / "absent.csv"), "--org", org.org.slug)
    assert r.exit_code == 1 and "is not a file" in r.output
