"""`linkstar ratecards import | list | quote` through the real command line."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from linkstar.cli import context
from linkstar.cli.main import app
from linkstar.config import get_settings
from linkstar.db.uow import unit_of_work
from linkstar.rating.models import RateCardVersion, ZoneChartVersion
from linkstar.workspace import service as workspace
from linkstar.workspace.core import WarehouseKind
from linkstar.workspace.schemas import WarehouseCreate
from tests.rating.importing import EXAMPLE, broken_copy

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch, settings, sessions):
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    # Wide consoles, so that the tables print whole (the consoles outlive this test).
    widths = [(c, c._width) for c in (context.console, context.err_console)]
    for c, _ in widths:
        c._width = 250
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    for c, width in widths:
        c._width = width


@pytest.fixture
def org(cli_env, sessions, tenant) -> str:
    with unit_of_work(sessions) as s:
        workspace.create_warehouse(
            s,
            tenant.principal,
            WarehouseCreate(
                code="US-CA-ONT",
                name="Ontario",
                kind=WarehouseKind.third_party,
                line1="4200 E Airport Dr",
                city="Ontario",
                state="CA",
                postcode="91761",
                country="US",
                timezone="America/Los_Angeles",
                cutoff_time=time(14, 0),
            ),
        )
    return tenant.org.slug


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _count(sessions, model) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_import_list_and_quote(org, sessions):
    imported = run("ratecards", "import", str(EXAMPLE), "--org", org)
    assert imported.exit_code == 0, imported.output
    assert "imported westcoast/westcoast version 1 effective from 2026-01-01" in imported.output
    assert "32 prices" in imported.output and "2 services" in imported.output
    listed = run("ratecards", "list", "--org", org)
    assert listed.exit_code == 0 and "westcoast" in listed.output and "active" in listed.output
    quoted = run(
        "ratecards", "quote", "--org", org, "--from", "US-CA-ONT", "--to-country", "US",
        "--to-postcode", "90210", "--weight-g", "1200", "--dims", "300x200x100",
        "--residential", "--date", "2026-12-01",
    )  # fmt: skip
    assert quoted.exit_code == 0, quoted.output
    assert "WCP-GND" in quoted.output and "15.20 USD" in quoted.output
    assert "residential 4.10" in quoted.output
    far = run(
        "ratecards", "quote", "--org", org, "--from", "US-CA-ONT", "--to-country", "US",
        "--to-postcode", "10001", "--weight-g", "1200", "--dims", "300x200x100",
    )  # fmt: skip
    assert far.exit_code == 0 and "no eligible service" in far.output
    assert "no_zone: no zone in chart wcp-west" in far.output


def test_a_broken_card_lists_every_error_and_writes_nothing(org, sessions, tmp_path):
    broken = broken_copy(
        tmp_path / "card",
        {"prices.csv": [("6.40", "6.405")], "services.csv": [(",12.5,9.95,", ",abc,9.95,")]},
    )
    result = run("ratecards", "import", str(broken), "--org", org)
    assert result.exit_code == 1
    assert "prices.csv:3:price: '6.405' has more than 2 decimals for USD" in result.output
    assert "services.csv:3:fuel_pct: 'abc' is not a percentage like 12.5" in result.output
    assert "rejected: 2 error(s), nothing was imported" in result.output
    assert _count(sessions, RateCardVersion) == 0 and _count(sessions, ZoneChartVersion) == 0


def test_bad_arguments_fail_in_one_line(org):
    assert run("ratecards", "import", "/nonexistent", "--org", org).exit_code == 1
    assert run("ratecards", "list", "--org", "nobody").exit_code == 1
    bad_dims = run(
        "ratecards", "quote", "--org", org, "--from", "US-CA-ONT", "--to-country", "US",
        "--to-postcode", "10001", "--weight-g", "1200", "--dims", "30x20",
    )  # fmt: skip
    assert bad_dims.exit_code == 1 and "LxWxH" in bad_dims.output
    no_warehouse = run(
        "ratecards", "quote", "--org", org, "--from", "XX-NONE", "--to-country", "US",
        "--to-postcode", "10001", "--weight-g", "1200", "--dims", "30x20x10",
    )  # fmt: skip
    assert no_warehouse.exit_code == 1 and "no warehouse" in no_warehouse.output
