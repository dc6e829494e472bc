"""`linkstar route explain|suspend|resume` and `linkstar fx set|list` against a workspace."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.db.uow import unit_of_work
from linkstar.rating import routing, service
from linkstar.rating.models import FxRateRow, RoutingSuspension
from linkstar.rating.sheets import read_folder
from tests.rating.importing import EXAMPLE
from tests.rating.routing_data import good_row
from tests.rating.test_cli_ratecards import cli_env  # noqa: F401 - fixture

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _count(sessions, model) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


@pytest.fixture
def org(cli_env, sessions, tenant) -> str:  # noqa: F811
    with unit_of_work(sessions) as s:
        service.import_workbook(s, tenant.principal, read_folder(EXAMPLE))
        routing.route(s, tenant.principal, [good_row("CLI-1")], date(2026, 12, 7))
    return tenant.org.slug


def test_explain_suspend_resume(org, sessions):
    shown = run("route", "explain", "CLI-1", "--org", org)
    assert shown.exit_code == 0, shown.output
    head = "CLI-1: assigned, westcoast WCP-GND for 15.20; policy built-in cheapest v0"
    assert head in shown.output
    assert "* WCP-GND" in shown.output and "WCP-2DAY" in shown.output
    missing = run("route", "explain", "NOPE", "--org", org)
    assert missing.exit_code == 1 and "no routing decision for NOPE" in missing.output
    stopped = run("route", "suspend", "--org", org, "--carrier", "westcoast", "--dest", "us")
    assert stopped.exit_code == 0, stopped.output
    assert "1 decision(s) chose it" in stopped.output and "CLI-1" in stopped.output
    with sessions() as s:
        row = s.scalars(select(RoutingSuspension)).one()
        assert (row.carrier, row.dest_countries, row.service_id) == ("westcoast", ["US"], None)
    resumed = run("route", "resume", row.id, "--org", org)
    assert resumed.exit_code == 0 and "resumed westcoast (every service)" in resumed.output
    bad = run("route", "suspend", "--org", org, "--carrier", "x", "--from", "2026-13-01")
    assert bad.exit_code == 1 and "not a date" in bad.output
    assert _count(sessions, RoutingSuspension) == 1


def test_fx_set_and_list(org, sessions, tmp_path):
    table = tmp_path / "fx.csv"
    table.write_text(
        "currency,rate_to_base,effective_date\nGBP,1.27,2026-01-01\nEUR,1.08,2026-01-01\n"
    )
    done = run("fx", "set", str(table), "--org", org)
    assert done.exit_code == 0 and "2 rate(s), base USD" in done.output
    listed = run("fx", "list", "--org", org)
    assert "GBP" in listed.output and "1.27" in listed.output
    table.write_text("currency,rate_to_base,effective_date\nGBP,zero,2026-01-01\n")
    refused = run("fx", "set", str(table), "--org", org)
    assert refused.exit_code == 1 and "row 2" in refused.output
    assert _count(sessions, FxRateRow) == 2
