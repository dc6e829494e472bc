"""`linkstar route simulate --org`: past decisions against a policy replayed on their inputs."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import InvalidInput
from linkstar.rating import routing, service, simulation
from linkstar.rating.models import RoutingDecision
from linkstar.rating.sheets import read_folder
from tests.rating.importing import EXAMPLE
from tests.rating.routing_data import good_row
from tests.rating.test_cli_ratecards import cli_env  # noqa: F401 - fixture

FAST = {"name": "fast only", "filters": [{"id": "2day", "only_services": ["WCP-2DAY"]}]}
NOTHING = {"name": "nothing", "filters": [{"id": "none", "only_carriers": ["nobody"]}]}


@pytest.fixture
def org(cli_env, sessions, tenant) -> str:  # noqa: F811
    with unit_of_work(sessions) as s:
        service.import_workbook(s, tenant.principal, read_folder(EXAMPLE))
        rows = [good_row("SIM-1"), good_row("SIM-2", weight_g="2500"), good_row("SIM-3")]
        routing.route(s, tenant.principal, rows, date(2026, 12, 7))
        routing.route(s, tenant.principal, [good_row("SIM-3", weight_g="-1")], date(2026, 12, 7))
    return tenant.org.slug


def _count(sessions) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(RoutingDecision)))


def test_replay_compares_with_what_was_decided(org, sessions, tenant):
    with sessions() as s:
        stored = {r.subject_ref: r for r in simulation.newest_decisions(s, tenant.principal, None)}
        assert sorted(stored) == ["SIM-1", "SIM-2", "SIM-3"]
        assert stored["SIM-3"].status == "held"  # the newest decision counts
        sim = simulation.simulate(s, tenant.principal, FAST)
    base, cand = sim.total.baseline, sim.total.candidate
    assert (base.orders, base.held, cand.orders, cand.held) == (3, 1, 3, 1)
    paid = stored["SIM-1"].price + stored["SIM-2"].price
    assert base.cost == {"USD": paid}
    assert [r.key for r in sim.carriers] == ["westcoast", "(held)"]
    assert sim.changed == 2  # ground → 2-day for both priced orders
    assert cand.cost["USD"] > paid
    assert _count(sessions) == 4  # nothing written


def test_a_policy_refusing_everything_holds_every_order(org, sessions, tenant):
    with sessions() as s:
        sim = simulation.simulate(s, tenant.principal, NOTHING, since=date(2000, 1, 1))
        assert sim.total.candidate.held == 3 and sim.total.candidate.cost == {}
        assert sim.total.cost_delta() == {"USD": -sim.total.baseline.cost["USD"]}
        with pytest.raises(InvalidInput):
            simulation.simulate(s, tenant.principal, {"name": "x", "filters": "no"})
        later = simulation.simulate(s, tenant.principal, FAST, since=date(2999, 1, 1))
        assert later.total.baseline.orders == 0


def test_cli_workspace_mode(org, tmp_path, sessions):
    policy = tmp_path / "fast.json"
    policy.write_text(json.dumps(FAST))
    report = tmp_path / "sim.json"
    result = CliRunner().invoke(
        app, ["route", "simulate", "--org", org, "--policy", str(policy), "--out", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "2 order(s) change service" in result.output
    data = json.loads(report.read_text())
    assert data["total"]["baseline"]["orders"] == 3 and data["changed_service"] == 2
    missing = CliRunner().invoke(app, ["route", "simulate", "--policy", str(policy)])
    assert missing.exit_code == 1 and "--org" in missing.output
    assert _count(sessions) == 4
